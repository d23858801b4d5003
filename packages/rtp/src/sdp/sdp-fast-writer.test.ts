import fc from 'fast-check';
import { parse, write } from 'sdp-transform';
import type { SessionDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import * as fixtures from './fixtures/offers.js';
import { answerOffer } from './sdp-answer.js';
import { canWriteDirectly, writeSdp } from './sdp-fast-writer.js';
import { createOffer } from './sdp-offer.js';
import { buildAudioMedia, buildRejectedMedia, resolveLocalOptions, writeSession } from './sdp-writer.js';
import type { LocalMediaOptions } from './types.js';

const OFFERS = Object.entries(fixtures).filter((e): e is [string, string] => typeof e[1] === 'string');

/** sdp-transform's own writer on a deep copy (it fills in missing fields in place). */
function reference(s: SessionDescription): string {
  return write(structuredClone(s));
}

const local = (over: Partial<LocalMediaOptions> = {}): LocalMediaOptions => ({
  address: '192.0.2.1',
  port: 40000,
  codecs: ['PCMU', 'PCMA', 'opus', 'G722'],
  sessionId: '1234567890',
  sessionVersion: 3,
  username: 'voice-assistant',
  srtp: 'optional',
  ...over,
});

describe('writeSdp: byte-identical to sdp-transform write()', () => {
  it('on our answers to every fixture offer, with every SRTP policy, rtcp-mux and DTMF setting', () => {
    let written = 0;
    for (const [, offer] of OFFERS) {
      for (const srtp of ['off', 'optional', 'mandatory'] as const) {
        for (const dtmf of [true, false]) {
          for (const rtcpMux of [undefined, true, false]) {
            const opts = local({ srtp, dtmf, rtcpMux });
            const a = answerOffer(offer, opts);
            if (!a.ok) continue;
            // Rebuild the same session the answerer wrote and compare both writers on it.
            const parsed = parse(a.sdp);
            expect(canWriteDirectly(parsed)).toBe(true);
            expect(writeSdp(parsed)).toBe(reference(parsed));
            expect(a.sdp).toBe(reference(parse(a.sdp)));
            written++;
          }
        }
      }
    }
    expect(written).toBeGreaterThan(20);
  });

  it('on built sessions: formats with channels and fmtp, crypto with and without session params, rejected m-lines, ice-lite, IPv6', () => {
    for (const offer of OFFERS.map((e) => e[1])) {
      const offered = parse(offer).media;
      for (const address of ['192.0.2.1', '2001:db8::1']) {
        for (const lite of [false, true]) {
          const opts = resolveLocalOptions(local({ address }), () => Buffer.alloc(32, 7));
          const audio = buildAudioMedia({
            port: 40000,
            protocol: 'RTP/SAVP',
            formats: [
              { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
              { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
              { payloadType: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-16' },
            ],
            ptimeMs: 20,
            direction: 'recvonly',
            rtcpMux: true,
            crypto: [
              { id: 1, suite: 'AES_CM_128_HMAC_SHA1_80', config: 'inline:abcd' },
              {
                id: 2,
                suite: 'AES_CM_128_HMAC_SHA1_32',
                config: 'inline:efgh',
                sessionConfig: 'UNENCRYPTED_SRTP',
              },
            ],
          });
          const media = [audio, ...offered.map(buildRejectedMedia)];
          const sdp = writeSession(opts, media, lite ? { icelite: 'ice-lite' } : {});
          const session: SessionDescription = parse(sdp);
          expect(canWriteDirectly(session)).toBe(true);
          expect(sdp).toBe(reference(session));
          expect(writeSdp(session)).toBe(sdp);
        }
      }
    }
  });

  it('on our offers', () => {
    for (const srtp of ['off', 'optional', 'mandatory'] as const) {
      const o = createOffer(local({ srtp }));
      expect(o.sdp).toBe(reference(parse(o.sdp)));
    }
  });

  it('falls back to sdp-transform for fields it does not write (DTLS, ICE, media c=, b=)', () => {
    for (const [, offer] of OFFERS) {
      const s = parse(offer);
      expect(writeSdp(s)).toBe(reference(s));
    }
  });

  it('property: any values in the supported fields write as sdp-transform writes them', () => {
    const str = fc.string({ maxLength: 12 });
    const num = fc.oneof(fc.integer({ min: 0, max: 70000 }), fc.constant(0));
    fc.assert(
      fc.property(
        fc.record({
          name: str,
          user: str,
          version: num,
          lite: fc.boolean(),
          media: fc.array(
            fc.record({
              type: str,
              port: num,
              protocol: str,
              payloads: str,
              rtp: fc.array(
                fc.record({
                  payload: num,
                  codec: str,
                  rate: fc.option(num, { nil: undefined }),
                  encoding: fc.option(num, { nil: undefined }),
                }),
                { maxLength: 3 },
              ),
              fmtp: fc.array(fc.record({ payload: num, config: str }), { maxLength: 2 }),
              ptime: fc.option(num, { nil: undefined }),
              direction: fc.option(fc.constantFrom('sendrecv', 'recvonly', 'sendonly', 'inactive'), {
                nil: undefined,
              }),
            }),
            { maxLength: 3 },
          ),
        }),
        (r) => {
          const session = {
            version: 0,
            origin: {
              username: r.user,
              sessionId: '42',
              sessionVersion: r.version,
              netType: 'IN',
              ipVer: 4,
              address: '192.0.2.9',
            },
            name: r.name,
            connection: { version: 4, ip: '192.0.2.9' },
            timing: { start: 0, stop: 0 },
            ...(r.lite ? { icelite: 'ice-lite' } : {}),
            media: r.media,
          } as SessionDescription;
          expect(canWriteDirectly(session)).toBe(true);
          expect(writeSdp(session)).toBe(reference(session));
        },
      ),
      { numRuns: 300 },
    );
  });
});
