/** Property tests for REFER/Replaces helpers: hostile text never throws; Replaces survives the Refer-To round trip. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import type { SipRequest } from '../message/types.js';
import { parseNameAddr } from '../message/name-addr.js';
import { isSipUri, parseUri } from '../message/uri.js';
import { parseReplaces } from '../dialog/replaces.js';
import { formatReferTo } from './refer-to.js';
import { parseSipfragStatus } from './sipfrag.js';
import { ReferSubscriptions } from './refer-subscription.js';
import { checkRefer } from './refer-request.js';

const sipish = fc.string({
  unit: fc.constantFrom(...'SIP/2.0 refer;id=tag-from@%"<>\\ \t\r\n,?&:0123456789'.split(''), 'é', '\u0000'),
  maxLength: 60,
});
const anyText = fc.oneof(sipish, fc.string({ maxLength: 60 }));

// RFC 3261 §25.1: token characters (tags) and Call-ID `word` characters (minus DQUOTE).
const token = fc.string({
  unit: fc.constantFrom(..."abcXYZ019-.!%*_+`'~".split('')),
  minLength: 1,
  maxLength: 12,
});
const word = fc.string({
  unit: fc.constantFrom(..."abcXYZ019-.!%*_+`'~()<>:\\/[]?{}".split('')),
  minLength: 1,
  maxLength: 16,
});
const callId = fc.oneof(
  word,
  fc.tuple(word, word).map(([a, b]) => `${a}@${b}`),
);

function notify(headers: Array<[string, string]>, body: string): SipRequest {
  return {
    kind: 'request',
    method: 'NOTIFY',
    uri: 'sip:a@b',
    version: 'SIP/2.0',
    headers: headers.map(([name, value]) => ({ name, value })),
    body: Buffer.from(body, 'latin1'),
  };
}

describe('REFER helpers under hostile input', () => {
  it('parseReplaces, parseSipfragStatus and formatReferTo never throw', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        parseReplaces(a);
        parseSipfragStatus(Buffer.from(a, 'latin1'));
        formatReferTo(a, { callId: a, localTag: b, remoteTag: b });
      }),
      { numRuns: 2000 },
    );
  });

  it('a NOTIFY with any Event, Subscription-State, Content-Type and body gets a SIP status, never a throw', () => {
    const subs = new ReferSubscriptions(new FakeClock());
    const sub = subs.create(32_000);
    subs.bind(sub, 7);
    fc.assert(
      fc.property(anyText, anyText, anyText, anyText, (event, state, type, body) => {
        const verdict = subs.receiveNotify(
          notify(
            [
              ['Event', event],
              ['Subscription-State', state],
              ['Content-Type', type],
            ],
            body,
          ),
        );
        expect([200, 400, 415, 481]).toContain(verdict.status);
      }),
      { numRuns: 2000 },
    );
  });

  it('checkRefer never throws: any Refer-To, Refer-Sub and Referred-By give the fields or 400/403', () => {
    fc.assert(
      fc.property(anyText, anyText, anyText, fc.boolean(), (referTo, referSub, referredBy, twice) => {
        const headers: Array<[string, string]> = [
          ['Refer-To', referTo],
          ['Refer-Sub', referSub],
          ['Referred-By', referredBy],
        ];
        if (twice) headers.push(['r', referTo]);
        const check = checkRefer({ ...notify(headers, ''), method: 'REFER' });
        if (check.ok) expect(check.target).toMatch(/^sips?:[^?]*$/);
        else expect([400, 403]).toContain(check.status);
      }),
      { numRuns: 2000 },
    );
  });

  it('the Replaces in a Refer-To decodes to the tags as the target sees them (RFC 3891 §3)', () => {
    fc.assert(
      fc.property(callId, token, token, (id, localTag, remoteTag) => {
        const referTo = formatReferTo('sip:carol@example.com', { callId: id, localTag, remoteTag });
        const uri = parseUri(parseNameAddr(referTo)?.uri ?? '');
        expect(isSipUri(uri)).toBe(true);
        const value = isSipUri(uri) ? uri.headers.get('Replaces') : undefined;
        expect(parseReplaces(value)).toEqual({
          callId: id,
          toTag: remoteTag,
          fromTag: localTag,
          earlyOnly: false,
        });
      }),
      { numRuns: 2000 },
    );
  });
});
