/**
 * Call transfer from our side (RFC 5589 flows):
 * - blind (§6): REFER the far end to the target, wait for the final NOTIFY, leave on 2xx;
 * - attended (§7): place a consultation call to the target, then REFER the far end to it
 *   with `Replaces` naming the consultation dialog (RFC 3891 §3), leave both legs on 2xx.
 * A failed transfer keeps the caller on the line; every outcome is logged and counted in
 * `voice_assistant_transfers_total{provider,account,mode,result}`.
 *
 * And the other way round, {@link takeTransfer}: a REFER received on one of our calls
 * (we are the transferee, refer-handler.ts) dials the target through the outbound path.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import {
  isSipUri,
  parseUri,
  type Dialog,
  type IncomingRefer,
  type ReferOutcome,
} from '@voice-assistant/sip-stack';
import type { Call } from './call.js';
import { targetUri } from './call-control.js';
import type { CallHost } from './call-host.js';
import { CallRequestError, hostOnly, placeCall, TARGET_PATTERN } from './outbound.js';
import { handleIncomingRefer, type ReferDialResult } from './refer-handler.js';
import { awaitReferResult, transferDone, type ReferResult, type ReferWaitOptions } from './refer-result.js';

/** Transfer kinds of `POST /calls/:id/transfer`. */
export type TransferMode = 'blind' | 'attended';

/** Bounds of a transfer. */
export interface TransferOptions extends ReferWaitOptions {
  /** Attended: how long the consultation call may ring. Default 60000 ms. */
  readonly answerTimeoutMs?: number;
}

/** Our own URI in the call (To of an inbound call, From of an outbound one). */
function ourUri(call: Call): string {
  return call.parties.direction === 'inbound' ? call.parties.to : call.parties.from;
}

/**
 * Runs `transfer` with the call's confirmed dialog, one transfer at a time; resolves false
 * at once when the call is not transferable now (ended, unconfirmed, a transfer running).
 */
async function exclusively(call: Call, transfer: (dialog: Dialog) => Promise<boolean>): Promise<boolean> {
  const dialog = call.dialog;
  if (call.ended || call.transferring || !dialog || dialog.state !== 'confirmed') return false;
  call.transferring = true;
  try {
    return await transfer(dialog);
  } finally {
    call.transferring = false;
  }
}

/**
 * Sends the REFER and waits for its outcome; a REFER that cannot be sent counts as refused.
 * A subscription that ends without a final NOTIFY because the dialog ended (the transferee
 * hung up on us, as it does once connected, RFC 5589 §6.1) counts as `unconfirmed`, not
 * `failed`. After a `timeout` the final NOTIFY is still watched for: a late 2xx calls
 * `lateSuccess` (we are then no longer needed on the call).
 */
async function refer(
  call: Call,
  dialog: Dialog,
  uri: string,
  replaces: Dialog | undefined,
  opts: ReferWaitOptions,
  lateSuccess: () => void,
): Promise<ReferResult> {
  let outcome: ReferOutcome;
  try {
    outcome = await dialog.refer(uri, {
      referredBy: ourUri(call),
      ...(replaces
        ? {
            replaces: { callId: replaces.callId, localTag: replaces.localTag, remoteTag: replaces.remoteTag },
          }
        : {}),
    });
  } catch (err) {
    call.log.warn({ err, target: uri }, 'transfer refused: REFER not sent');
    return { result: 'refused', status: undefined };
  }
  const status = outcome.response.status;
  if (!outcome.accepted) {
    call.log.info({ status, target: uri }, 'transfer refused');
    return { result: 'refused', status };
  }
  call.log.info({ status, target: uri }, 'transfer accepted');
  outcome.on('progress', (s, reason) => call.log.debug({ status: s, reason }, 'transfer progress'));
  const r = await awaitReferResult(outcome, opts);
  if (r.result === 'failed' && r.status === undefined && (call.ended || dialog.state === 'terminated'))
    return { result: 'unconfirmed', status };
  if (r.result === 'timeout')
    void outcome.done.then((final) => {
      if (final === undefined || final < 200 || final >= 300 || call.ended) return;
      call.log.info({ status: final, target: uri }, 'transfer completed after its timeout: leaving the call');
      lateSuccess();
    });
  return r;
}

/** Logs and counts the outcome; resolves true when the transfer went through. */
function finish(host: CallHost, call: Call, mode: TransferMode, target: string, r: ReferResult): boolean {
  host.deps.metrics.transfersTotal.inc({ provider: 'sip', account: call.account, mode, result: r.result });
  const done = transferDone(r);
  if (done) call.log.info({ mode, target, result: r.result, status: r.status }, 'transfer completed');
  else
    call.log.warn({ mode, target, result: r.result, status: r.status }, 'transfer failed: keeping the call');
  return done;
}

/**
 * Blind transfer (RFC 3515 §2.4, RFC 5589 §6): REFER with Refer-To and Referred-By; on a
 * final sipfrag 2xx (or an accepted REFER without progress reports) we leave the call
 * with BYE (reason `transferred`) and resolve true; otherwise the call goes on and we
 * resolve false, so the assistant can say so.
 */
export async function blindTransfer(
  host: CallHost,
  call: Call,
  target: string,
  opts: TransferOptions = {},
): Promise<boolean> {
  if (typeof target !== 'string' || !TARGET_PATTERN.test(target)) {
    call.log.warn({ target }, 'transfer refused: not an extension, number or SIP URI');
    return false;
  }
  const uri = targetUri(host.account(call.account), target, /@([^;>]+)/.exec(ourUri(call))?.[1]);
  return exclusively(call, async (dialog) => {
    const r = await refer(call, dialog, uri, undefined, opts, () => void host.hangup(call, 'transferred'));
    const done = finish(host, call, 'blind', uri, r);
    if (done) await host.hangup(call, 'transferred');
    return done;
  });
}

/**
 * Attended transfer (RFC 5589 §7.3): the caller stays with its app (the assistant or the
 * echo test) while we call `target` on the same account; once that consultation call is
 * answered we REFER the caller to the target with `Replaces` = the consultation dialog
 * (RFC 3891 §3). Final sipfrag 2xx: BYE both of our legs (the target usually ended the
 * consultation leg already, RFC 3891 §3). Otherwise the consultation leg is hung up and
 * the caller kept. Throws `CallRequestError` when the consultation call cannot be placed.
 */
export async function attendedTransfer(
  host: CallHost,
  call: Call,
  target: string,
  opts: TransferOptions = {},
): Promise<boolean> {
  return exclusively(call, async (dialog) => {
    const consult = placeCall(host, { to: target, account: call.account });
    call.log.info({ consultation: consult.id, target: consult.parties.to }, 'attended transfer: consulting');
    const answered = await withTimeout(consult.active$, opts.answerTimeoutMs ?? 60_000, false);
    const consultDialog = consult.dialog;
    if (!answered || !consultDialog || consult.ended || call.ended) {
      await host.hangup(consult, 'local-hangup');
      const result = call.ended ? 'failed' : 'no_answer';
      return finish(host, call, 'attended', consult.parties.to, { result, status: consult.sipStatus });
    }
    const r = await refer(call, dialog, consult.parties.to, consultDialog, opts, () => {
      void host.hangup(call, 'transferred');
    });
    const done = finish(host, call, 'attended', consult.parties.to, r);
    if (done) await Promise.all([host.hangup(call, 'transferred'), host.hangup(consult, 'transferred')]);
    else await host.hangup(consult, 'local-hangup');
    return done;
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((resolve) => {
      timer = setTimeout(() => resolve(fallback), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** How long the call to a Refer-To target may ring before we give up (CANCEL, NOTIFY 408). */
const REFER_DIAL_TIMEOUT_MS = 60_000;

/**
 * Whether `accept_refer` lets this call's far end transfer it (see AcceptReferName): `any`
 * always, `off` never, `pbx` when the account has a registrar and the call came from it or
 * its outbound proxy (source address among theirs) or was placed through it. Never throws.
 */
async function referAllowed(host: CallHost, call: Call): Promise<{ ok: boolean; why?: string }> {
  const account = host.account(call.account);
  const mode = account?.acceptRefer ?? 'pbx';
  if (mode === 'any') return { ok: true };
  if (mode === 'off') return { ok: false, why: 'accept_refer is off' };
  if (!account?.server) return { ok: false, why: 'the account has no registrar (accept_refer: pbx)' };
  if (call.parties.direction === 'outbound') return { ok: true }; // placed through the registrar
  const source = call.incoming?.remote.address;
  if (source === undefined) return { ok: false, why: 'unknown call source' };
  const hosts = [hostOnly(account.server)];
  const proxy = account.outboundProxy === undefined ? undefined : parseUri(account.outboundProxy);
  if (isSipUri(proxy)) hosts.push(proxy.host);
  for (const h of hosts) {
    const addrs = isIP(h)
      ? [h]
      : await lookup(h, { all: true }).then(
          (r) => r.map((a) => a.address),
          () => [],
        );
    if (addrs.includes(source)) return { ok: true };
  }
  return { ok: false, why: `the call did not come from the registrar (source ${source})` };
}

/**
 * A REFER received on `call` (RFC 3515 §2.4.2; the dialog's `refer` event): checked
 * against the account's `accept_refer` policy (a REFER makes us place a call with the
 * account's credentials: declined with 603 unless the policy allows it), then accepted and
 * acted on by `handleIncomingRefer`, whose new call to the Refer-To target is an ordinary
 * outbound call on the same account (Replaces and Referred-By headers passed on, its
 * 180/183 reported as NOTIFYs). The transfer's outcome is the new call's final status:
 * 200 once it is answered and confirmed, else its SIP status (487 when cancelled, 500 when
 * it failed without one); a target that rings longer than 60 s is cancelled (408). A target
 * the outbound path refuses gets that refusal's status.
 */
export function takeTransfer(host: CallHost, call: Call, refer: IncomingRefer): void {
  void referAllowed(host, call).then(({ ok, why }) => {
    if (!ok) {
      call.log.warn({ target: refer.target, why }, 'transfer request declined');
      refer.reject(603, 'Declined');
      return;
    }
    return handleIncomingRefer(
      {
        dial: async (target, o): Promise<ReferDialResult> => {
          let leg: Call;
          try {
            leg = placeCall(host, {
              to: target,
              account: o.account,
              ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
              headers: o.headers,
              onProgress: o.onProgress,
            });
          } catch (err) {
            if (err instanceof CallRequestError) {
              call.log.warn({ target, reason: err.message }, 'transfer target refused');
              return { status: err.status };
            }
            throw err;
          }
          const answered = await withTimeout(leg.active$, REFER_DIAL_TIMEOUT_MS, undefined);
          if (answered === true) return { status: 200 };
          if (answered === undefined) {
            await host.hangup(leg, 'cancelled'); // CANCEL the ringing target (RFC 3261 §9.1)
            return { status: 408, reason: 'Request Timeout' };
          }
          return { status: leg.sipStatus ?? (leg.endReason === 'cancelled' ? 487 : 500) };
        },
        hangup: (c) => host.hangup(c, 'transferred'),
      },
      call,
      refer,
    );
  });
}
