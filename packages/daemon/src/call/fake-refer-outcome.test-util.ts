import { EventEmitter } from 'node:events';
import type { ReferOutcome, SipResponse } from '@voice-assistant/sip-stack';

/** A ReferOutcome driven by the test: `notify(status)` reports progress, `end(status)` the final NOTIFY. */
export function fakeOutcome(status: number, headers: Array<{ name: string; value: string }> = []) {
  const emitter = new EventEmitter();
  let resolveDone!: (s: number | undefined) => void;
  const outcome = {
    response: { kind: 'response', status, reason: '', version: 'SIP/2.0', headers, body: Buffer.alloc(0) },
    accepted: status >= 200 && status < 300,
    done: new Promise<number | undefined>((r) => (resolveDone = r)),
    on(_e: 'progress', l: (s: number, r: string) => void) {
      emitter.on('progress', l);
      return this;
    },
    off(_e: 'progress', l: (s: number, r: string) => void) {
      emitter.off('progress', l);
      return this;
    },
  } as unknown as ReferOutcome & { response: SipResponse };
  return {
    outcome,
    notify: (s: number) => emitter.emit('progress', s, ''),
    end: (s: number | undefined) => resolveDone(s),
  };
}
