/** Property tests: no parser throws on hostile text; URIs and Vias round-trip. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAuthParams } from '../auth/auth-params.js';
import { parseChallenge } from '../auth/digest.js';
import { parseCSeq } from './cseq.js';
import { getHeaders, splitHeaderList } from './headers.js';
import { formatNameAddr, parseContacts, parseNameAddr } from './name-addr.js';
import { parseParams } from './params.js';
import type { SipRequest, SipUri } from './types.js';
import { uriEquals } from './uri-equals.js';
import { formatUri, parseUri } from './uri.js';
import { validateRequest, validateResponse } from './validate.js';
import { formatVia, parseVia } from './via.js';

// Text biased towards SIP metacharacters.
const sipish = fc.string({
  unit: fc.constantFrom(...'sip:@;=,<>"\\ \t\r\n[]?&%/.:0123456789abcdefABCDEF+-*~'.split(''), 'é', '\u0000'),
  maxLength: 80,
});
const anyText = fc.oneof(sipish, fc.string({ maxLength: 80 }));

describe('parsers never throw', () => {
  it('on arbitrary text', () => {
    fc.assert(
      fc.property(anyText, (t) => {
        parseUri(t);
        parseNameAddr(t);
        parseContacts(t);
        parseVia(t);
        parseCSeq(t);
        parseParams(t);
        splitHeaderList(t);
        parseAuthParams(t);
        parseChallenge(`Digest ${t}`);
        uriEquals(t, 'sip:a@b');
      }),
      { numRuns: 3000 },
    );
  });

  it('validateRequest/validateResponse on arbitrary header values', () => {
    const names = fc.constantFrom(
      'Via',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Contact',
      'Max-Forwards',
      'Require',
      'Accept',
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: names, value: anyText }), { maxLength: 10 }),
        anyText,
        (headers, uri) => {
          const req: SipRequest = {
            kind: 'request',
            method: 'INVITE',
            uri,
            version: 'SIP/2.0',
            headers,
            body: Buffer.alloc(0),
          };
          validateRequest(req, {
            supported: [],
            acceptedContentTypes: ['application/sdp'],
            responseContentTypes: ['application/sdp'],
          });
          validateResponse({
            kind: 'response',
            status: 200,
            reason: 'OK',
            version: 'SIP/2.0',
            headers,
            body: Buffer.alloc(0),
          });
          getHeaders(headers, 'Via');
        },
      ),
      { numRuns: 1500 },
    );
  });
});

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
const host = fc.oneof(
  fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => `${ls.join('.')}.example`),
  fc.ipV4(),
  fc.ipV6(),
);
const sipUriArb: fc.Arbitrary<SipUri> = fc.record({
  scheme: fc.constantFrom('sip' as const, 'sips' as const),
  user: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: undefined }),
  password: fc.constant(undefined),
  host,
  port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
  params: fc
    .array(
      fc.tuple(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
        fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: null }),
      ),
      { maxLength: 4 },
    )
    .map((kv) => new Map(kv)),
  headers: fc
    .array(fc.tuple(fc.stringMatching(/^[a-z][a-z-]{0,8}$/), fc.string({ maxLength: 8 })), {
      maxLength: 3,
    })
    .map((kv) => new Map(kv)),
});

describe('round trips', () => {
  it('parseUri(formatUri(u)) reproduces u, and the two are equal per §19.1.4', () => {
    fc.assert(
      fc.property(sipUriArb, (u) => {
        const text = formatUri(u);
        const back = parseUri(text) as SipUri;
        expect(back).toEqual({ ...u });
        expect(uriEquals(text, u)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('formatNameAddr and formatVia re-parse to the same values', () => {
    fc.assert(
      fc.property(
        sipUriArb,
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        fc.nat(65535),
        (u, dn, port) => {
          const na = { displayName: dn, uri: formatUri(u), params: new Map([['tag', 'abc']]) };
          expect(parseNameAddr(formatNameAddr(na))).toEqual(na);
          const via = {
            protocol: 'SIP/2.0',
            transport: 'TCP',
            host: u.host,
            port,
            params: new Map<string, string | null>([
              ['branch', 'z9hG4bK1'],
              ['rport', null],
            ]),
          };
          expect(parseVia(formatVia(via))).toEqual([via]);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
