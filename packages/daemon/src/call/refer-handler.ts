/**
 * The daemon as transferee (RFC 3515 §2.4.2-§2.4.7, RFC 5589 §6-§7): a PBX or phone sends
 * a REFER on one of our calls. We accept it, call the Refer-To target through the
 * outbound path (with Replaces for an attended transfer, RFC 3891 §6.1, and Referred-By,
 * RFC 3892 §3), report the new call's progress to the transferor in NOTIFYs (sipfrag), and:
 * - on a 2xx, leave the original call with BYE; the new call is a fresh outbound call, so
 *   its application (assistant or echo test) starts fresh on it, with the original call's
 *   system prompt;
 * - on a failure, keep the original call: its application never stopped (RFC 5589 §6.1:
 *   the transferee may resume the call).
 * The original call ending meanwhile (the transferor's BYE, common in a blind transfer)
 * does not stop the new call; the NOTIFYs then simply go nowhere.
 */
import type { IncomingRefer, SipHeader } from '@voice-assistant/sip-stack';
import { formatReplaces, reasonPhrase } from '@voice-assistant/sip-stack';
import type { Call } from './call.js';

/** What the new call is placed with. */
export interface ReferDialOptions {
  /** Extra INVITE headers: Replaces (RFC 3891 §6.1) and Referred-By (RFC 3892 §3) when given. */
  readonly headers: readonly SipHeader[];
  /** The account of the original call (its registrar/proxy and credentials). */
  readonly account: string;
  /** The original call's system prompt, for the assistant on the new call. */
  readonly prompt?: string | undefined;
  /** Called for each provisional response to the INVITE (180, 183, ...). */
  readonly onProgress: (status: number, reason: string) => void;
}

/** The final response to the new call's INVITE (synthetic 408/503/500 for timeouts and errors). */
export interface ReferDialResult {
  readonly status: number;
  /** Its reason phrase; default the standard one for `status` (RFC 3261 §21). */
  readonly reason?: string | undefined;
}

/** What {@link handleIncomingRefer} needs from the call manager. */
export interface ReferHandlerDeps {
  /**
   * Place the new call through the outbound path; resolves once it is answered (2xx ACKed,
   * its app started: status 2xx) or failed (its final status). Should not reject; a
   * rejection counts as 500.
   */
  dial(target: string, opts: ReferDialOptions): Promise<ReferDialResult>;
  /** Leave `call` from our side with BYE (CallHost.hangup(call, 'transferred')). */
  hangup(call: Call): Promise<void>;
}

/**
 * Act on a REFER received on `call` (the dialog's `refer` event). Resolves once the
 * transfer is over (the new call answered or failed, the final NOTIFY sent, the original
 * call left on success). Never rejects.
 */
export async function handleIncomingRefer(
  deps: ReferHandlerDeps,
  call: Call,
  refer: IncomingRefer,
): Promise<void> {
  // RFC 3515 §2.4.2: the recipient may decline; we do while not in a call or already transferring.
  // One transfer at a time per call, whichever side started it (call.transferring).
  if (call.state !== 'active' || call.transferring) {
    call.log.info({ target: refer.target, state: call.state }, 'transfer request declined');
    refer.reject(603, 'Declined');
    return;
  }
  call.transferring = true;
  try {
    refer.accept(); // 202, then NOTIFY "SIP/2.0 100 Trying" (RFC 3515 §2.4.4)
    call.log.info(
      { target: refer.target, attended: refer.replaces !== undefined, referredBy: refer.referredBy },
      'transfer requested: REFER accepted',
    );
    const result = await dialTarget(deps, call, refer);
    const ok = result.status >= 200 && result.status < 300;
    call.log.info(
      { status: result.status, target: refer.target },
      ok ? 'transfer completed' : 'transfer failed',
    );
    // RFC 3515 §2.4.7: the final NOTIFY carries the referred request's final status.
    await refer.notify(result.status, result.reason || reasonPhrase(result.status));
    if (ok)
      await deps.hangup(call).catch((err: unknown) => call.log.warn({ err }, 'leaving the call failed'));
  } finally {
    call.transferring = false;
  }
}

/** The INVITE to the Refer-To target, its provisional responses relayed as NOTIFYs. */
async function dialTarget(
  deps: ReferHandlerDeps,
  call: Call,
  refer: IncomingRefer,
): Promise<ReferDialResult> {
  const headers: SipHeader[] = [];
  if (refer.replaces) headers.push({ name: 'Replaces', value: formatReplaces(refer.replaces) });
  if (refer.referredBy !== undefined) headers.push({ name: 'Referred-By', value: refer.referredBy });
  let lastStatus = 100; // the 100 Trying of accept()
  try {
    return await deps.dial(refer.target, {
      headers,
      account: call.account,
      prompt: call.prompt,
      onProgress: (status, reason) => {
        // 180/183 are news to the transferor; a repeated status is not (RFC 6665 §4.2.2 rate).
        if (status <= 100 || status >= 200 || status === lastStatus) return;
        lastStatus = status;
        void refer.notify(status, reason);
      },
    });
  } catch (err) {
    call.log.warn({ err, target: refer.target }, 'transfer dial failed');
    return { status: 500, reason: 'Server Internal Error' };
  }
}
