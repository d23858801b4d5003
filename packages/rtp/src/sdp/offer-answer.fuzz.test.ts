import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { answerOffer } from './sdp-answer.js';
import { applyAnswer, createOffer } from './sdp-offer.js';
import { ASTERISK_OFFER, BARESIP_OFFER, LINPHONE_OFFER, SAVP_OFFER } from './fixtures/offers.js';
import type { LocalMediaOptions } from './types.js';

const local: LocalMediaOptions = {
  address: '10.0.0.2',
  port: 40000,
  codecs: ['opus', 'PCMU', 'PCMA'],
  srtp: 'optional',
};
const fixtures = [ASTERISK_OFFER, BARESIP_OFFER, LINPHONE_OFFER, SAVP_OFFER];

/** Every result is a well-formed AnswerResult; nothing throws. */
function check(sdp: string): void {
  const r = answerOffer(sdp, local);
  if (r.ok) {
    expect(typeof r.sdp).toBe('string');
    expect(r.media.remotePort).toBeGreaterThanOrEqual(0);
  } else {
    expect([400, 488]).toContain(r.status);
    // The catch-all safety net must not be what handled it: that would be a latent bug.
    expect(r.reason).not.toMatch(/^unprocessable SDP/);
  }
  const { state } = createOffer(local);
  const a = applyAnswer(state, sdp);
  if (!a.ok) expect(a.reason).not.toMatch(/^unprocessable SDP/);
}

describe('SDP offer/answer never throws on hostile input', () => {
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), check), { numRuns: 500 });
  });

  it('line-level mutations of real offers (drop, duplicate, replace values)', () => {
    const token = fc.constantFrom(
      '',
      '0',
      '-1',
      '65536',
      'abc',
      'x'.repeat(300),
      '999999999999999999999',
      ':',
      '/',
      ' ',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'dup', 'mangle', 'truncate'), token), {
          maxLength: 4,
        }),
        (sdp, edits) => {
          const lines = sdp.split('\r\n');
          for (const [at, op, tok] of edits) {
            const i = at % lines.length;
            const line = lines[i]!;
            if (op === 'drop') lines.splice(i, 1);
            else if (op === 'dup') lines.splice(i, 0, line);
            else if (op === 'truncate') lines[i] = line.slice(0, Math.max(2, line.length >> 1));
            else {
              const parts = line.split(' ');
              parts[at % parts.length] =
                (parts[at % parts.length]!.slice(0, 2).includes('=') && at % 2 === 0
                  ? line.slice(0, 2)
                  : '') + tok;
              lines[i] = parts.join(' ');
            }
          }
          check(lines.join('\r\n'));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
