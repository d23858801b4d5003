/**
 * What became of a REFER we sent (RFC 3515 §2.4.4-§2.4.5, RFC 6665 implicit
 * subscription): the transferee reports the referred INVITE's progress in NOTIFYs with a
 * `message/sipfrag` body; the one with `Subscription-State: terminated` carries the final
 * status.
 */
import { getHeader, type ReferOutcome } from '@voice-assistant/sip-stack';

/**
 * How a transfer ended, the `result` label of `voice_assistant_transfers_total`:
 * - `success`: final sipfrag 2xx (the transferee reached the target);
 * - `unconfirmed`: REFER accepted but the transferee reports no progress at all
 *   (`Refer-Sub: false`, RFC 4488 §4, or no NOTIFY within `firstNotifyMs` although RFC 3515
 *   §2.4.4 wants one at once): the 2xx is all we will learn, so it counts as done;
 * - `failed`: final sipfrag non-2xx, or the subscription ended without a final status;
 * - `refused`: the REFER got a non-2xx final response (or the dialog was gone);
 * - `timeout`: progress was reported but no final status within `finalMs`;
 * - `no_answer`: attended only, the consultation call was not answered.
 */
export type TransferResult = 'success' | 'unconfirmed' | 'failed' | 'refused' | 'timeout' | 'no_answer';

/** Bounds of {@link awaitReferResult}. */
export interface ReferWaitOptions {
  /** No NOTIFY at all this long after the REFER's 2xx: `unconfirmed`. Default 5000 ms. */
  readonly firstNotifyMs?: number;
  /**
   * No final NOTIFY this long after the REFER's 2xx: `timeout`. Default 60000 ms (a target
   * may ring for a while; transfer.ts still acts on a final 2xx that comes later).
   */
  readonly finalMs?: number;
}

/** The outcome of one REFER: its result and the final sipfrag (or REFER response) status. */
export interface ReferResult {
  readonly result: TransferResult;
  readonly status: number | undefined;
}

/** True when the transfer went through (we leave the call). */
export function transferDone(r: ReferResult): boolean {
  return r.result === 'success' || r.result === 'unconfirmed';
}

/** Waits for the final NOTIFY of an accepted REFER, within the bounds. Never rejects. */
export async function awaitReferResult(
  outcome: ReferOutcome,
  opts: ReferWaitOptions = {},
): Promise<ReferResult> {
  if (!outcome.accepted) return { result: 'refused', status: outcome.response.status };
  const referSub = getHeader(outcome.response, 'Refer-Sub')?.trim().toLowerCase();
  if (referSub === 'false') return { result: 'unconfirmed', status: outcome.response.status };
  let reported = false;
  const onProgress = (): void => {
    reported = true;
  };
  outcome.on('progress', onProgress);
  const timers: NodeJS.Timeout[] = [];
  const after = (ms: number, fn: (resolve: (r: ReferResult) => void) => void): Promise<ReferResult> =>
    new Promise((resolve) => {
      timers.push(setTimeout(() => fn(resolve), ms));
    });
  try {
    return await Promise.race([
      outcome.done.then((status): ReferResult => {
        if (status === undefined)
          return reported
            ? { result: 'failed', status: undefined }
            : { result: 'unconfirmed', status: outcome.response.status };
        return { result: status >= 200 && status < 300 ? 'success' : 'failed', status };
      }),
      after(opts.firstNotifyMs ?? 5000, (resolve) => {
        if (!reported) resolve({ result: 'unconfirmed', status: outcome.response.status });
      }),
      after(opts.finalMs ?? 60_000, (resolve) => resolve({ result: 'timeout', status: undefined })),
    ]);
  } finally {
    for (const t of timers) clearTimeout(t);
    outcome.off('progress', onProgress);
  }
}
