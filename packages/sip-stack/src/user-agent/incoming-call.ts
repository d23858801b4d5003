/**
 * A new dialog-creating INVITE offered to the application (RFC 3261 §13.3): provisional
 * responses, accept (2xx retransmitted until ACK, §13.3.1.4), reject, CANCEL (§9.2).
 */
import { EventEmitter } from 'node:events';
import type { NameAddr, SipHeader, SipRequest } from '../message/types.js';
import { createResponse, generateTag } from '../message/builders.js';
import { getHeader } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import { isSipUri, parseUri } from '../message/uri.js';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import type { MessageInfo } from '../transport/message-info.js';
import type { MessageSource, TransportProtocol } from '../transport/transport.js';
import type { Dialog, DialogCredentials } from '../dialog/dialog.js';
import type { DialogHost } from '../dialog/dialog-host.js';
import { createUasDialog } from '../dialog/dialog-factory.js';
import { allowsMethod, negotiateAsUas } from '../dialog/session-timer.js';
import { ALLOW } from './allow.js';
import { OPTION_100REL, ReliableProvisionals, wantsReliable } from './reliable-provisionals.js';

/** Raised by `accept` when the call can no longer be answered, or the ACK never came. */
export class CallStateError extends Error {
  override readonly name = 'CallStateError';
}

/** What an incoming call needs from the UA core. */
export interface CallHost extends DialogHost {
  /** Track a dialog in the dialog table (for in-dialog requests and ACKs). */
  addDialog(dialog: Dialog): void;
  /** The call got its final response or was cancelled: stop tracking it. */
  callEnded(call: IncomingCall): void;
}

/**
 * Puts a session description in the 200 to a PRACK (RFC 3262 §5: required when the PRACK
 * carries an offer). Only effective while the `prack` listener runs (synchronously).
 */
export type PrackAnswerer = (opts: { body: Buffer; contentType: string }) => void;

/** How the UA core answers a PRACK for this call (see {@link IncomingCall.receivePrack}). */
export interface PrackVerdict {
  readonly status: 200 | 481;
  /** Body for the 200 (set through the {@link PrackAnswerer}). */
  readonly body?: Buffer;
  readonly contentType?: string;
  /** A `prack` listener threw this (the PRACK is still answered 200). */
  readonly error?: unknown;
}

/** Events of {@link IncomingCall}. `terminated` reasons: rejected, cancelled, transport, or the dialog's. */
export interface IncomingCallEvents {
  cancel: [];
  /**
   * A PRACK acknowledged our reliable provisional (RFC 3262 §3), before its 200 is sent.
   * RFC 3262 §5: when that 18x carried an offer (offerless INVITE), the PRACK body is the
   * answer; when the 18x carried our answer, a PRACK body is a new offer and the listener
   * MUST call `answer` synchronously with ours. The body is opaque to the stack.
   */
  prack: [req: SipRequest, answer: PrackAnswerer];
  terminated: [info: { reason: string }];
}

const EMPTY_NAME_ADDR: NameAddr = { uri: '', params: new Map() };

/** The body of the ACK for our 2xx (see {@link IncomingCall.ackBody}). */
export interface AckBody {
  /** The ACK's body; undefined when it had none (or no ACK came). */
  readonly body?: Buffer;
  /** The ACK's Content-Type; undefined when it had none. */
  readonly contentType?: string;
}

/**
 * An incoming call. Events: `cancel` (CANCEL before the answer; the stack already sent
 * 200 to the CANCEL and 487 to the INVITE), `terminated` (the call ended: rejected,
 * cancelled, or its dialog terminated, with `{ reason }`), `prack` (req, answer) for a
 * PRACK of our reliable 18x (RFC 3262 §5 offer/answer in its body).
 */
export class IncomingCall extends EventEmitter<IncomingCallEvents> {
  readonly request: SipRequest;
  readonly callId: string;
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly remote: { readonly address: string; readonly port: number; readonly protocol: string };
  readonly body: Buffer;
  readonly contentType: string | undefined;
  /** The To tag we use in every response. */
  readonly localTag = generateTag();
  /**
   * The live dialog this INVITE's Replaces header names (RFC 3891 §3: to-tag = its local
   * tag, from-tag = its remote tag); undefined without a Replaces header. The TU answers
   * this INVITE and then ends the replaced dialog with BYE (§3). A Replaces that matches
   * nothing usable was already answered by the stack (400 malformed, 481 no such dialog,
   * 486 early-only with a confirmed dialog, 603 ended dialog) and never reaches the TU.
   */
  readonly replaces: Dialog | undefined;
  private answered = false;
  private dialogValue: Dialog | undefined;
  private readonly protocol: TransportProtocol;
  /** Our Contact header value for this call. */
  readonly localContact: string;
  /** RFC 3262 reliable 18x of this INVITE (RSeq, retransmission, PRACK matching). */
  private readonly reliable: ReliableProvisionals;
  /** accept() is waiting for the PRACK of the last reliable provisional (RFC 3262 §3). */
  private accepting = false;
  /**
   * False when the INVITE carries no body: a late-offer (offerless) INVITE (RFC 3261
   * §13.2.1, RFC 3264 §5). The TU then puts its offer in `accept()`'s 2xx and reads the
   * answer from {@link ackBody}.
   */
  readonly hasOffer: boolean;
  /**
   * Resolved when the ACK for our 2xx arrives, with its body and Content-Type (for an
   * offerless INVITE: the SDP answer, RFC 3261 §13.2.1, RFC 3264 §5). Resolved with `{}`
   * when the call ends without that ACK (rejected, cancelled, no ACK within 64*T1:
   * `accept()` then rejects). Never rejects. An ACK without the required answer is for
   * the TU to judge: RFC 3261 §13.3.1.4 says to terminate the dialog with BYE.
   */
  readonly ackBody: Promise<AckBody>;
  private resolveAckBody!: (v: AckBody) => void;

  /**
   * @param replaces The dialog named by the INVITE's Replaces header (RFC 3891 §3), already
   *   matched by the UA core; see {@link IncomingCall.replaces}.
   */
  constructor(
    private readonly host: CallHost,
    readonly transaction: InviteServerTransaction,
    private readonly info: MessageInfo,
    source: MessageSource,
    replaces?: Dialog,
  ) {
    super();
    this.replaces = replaces;
    const req = transaction.request;
    this.request = req;
    this.callId = info.callId;
    this.from = parseNameAddr(getHeader(req, 'From') ?? '') ?? EMPTY_NAME_ADDR;
    this.to = parseNameAddr(getHeader(req, 'To') ?? '') ?? EMPTY_NAME_ADDR;
    this.remote = { address: source.address, port: source.port, protocol: source.protocol };
    this.protocol = source.protocol;
    // Our Contact keeps the user part the caller addressed (the registered extension).
    const ruri = parseUri(req.uri);
    this.localContact = host.contact(source.protocol, isSipUri(ruri) ? ruri.user : undefined);
    this.body = req.body;
    this.contentType = getHeader(req, 'Content-Type');
    this.hasOffer = req.body.length > 0;
    this.ackBody = new Promise<AckBody>((resolve) => {
      this.resolveAckBody = resolve;
    });
    this.reliable = new ReliableProvisionals({
      clock: host.clock,
      timers: host.timers,
      unreliable: source.protocol === 'udp',
      inviteCSeq: info.cseq.seq,
      send: (res) => {
        if (!this.finished) this.transaction.respond(res);
      },
      // RFC 3262 §3: no PRACK within 64*T1 -> the UAS SHOULD reject the INVITE with a 5xx.
      onTimeout: () => {
        if (this.transaction.finalSent) return;
        this.answered = true;
        this.transaction.respond(this.response(504, undefined, undefined, [], 'No PRACK'));
        this.end('prack-timeout');
      },
    });
  }

  /**
   * The dialog, available synchronously once `accept()` was called (before the ACK).
   * Attach dialog listeners here when an early BYE must not be missed: an ACK and a BYE
   * read together are processed before `accept()`'s promise settles.
   */
  get dialog(): Dialog | undefined {
    return this.dialogValue;
  }

  /** True once a final response was sent or the call was cancelled. */
  get finished(): boolean {
    return this.answered || this.transaction.finalSent;
  }

  /**
   * Send 180 Ringing or 183 Session Progress (optionally with early media SDP). Ignored once
   * answered. Sent reliably (RFC 3262 §3: `Require: 100rel`, `RSeq`, our To tag, so an early
   * dialog; retransmitted over UDP from T1 doubling until the PRACK; 504 to the INVITE after
   * 64*T1 without one) when the INVITE has `Require: 100rel`, or has `Supported: 100rel` and
   * this response carries a body (early media). A reliable provisional sent while another is
   * unacknowledged is queued until that one is PRACKed (§3).
   */
  progress(status: 180 | 183, opts: { body?: Buffer; contentType?: string } = {}): void {
    if (this.finished || this.accepting) return;
    const contact = [{ name: 'Contact', value: this.localContact }];
    if (wantsReliable(this.request, (opts.body?.length ?? 0) > 0)) {
      this.reliable.send((rseq) =>
        this.response(status, opts.body, opts.contentType, [
          ...contact,
          { name: 'Require', value: OPTION_100REL },
          { name: 'RSeq', value: String(rseq) },
        ]),
      );
      return;
    }
    this.transaction.respond(this.response(status, opts.body, opts.contentType, contact));
  }

  /**
   * @internal A PRACK in this call's early dialog (RFC 3262 §3, §7.2): 481 unless its RAck
   * names the outstanding reliable provisional; else 200, after emitting `prack` so the TU
   * can read an answer or answer an offer in the PRACK body (§5).
   */
  receivePrack(prack: SipRequest): PrackVerdict {
    const status = this.reliable.receivePrack(prack);
    if (status !== 200) return { status };
    let answer: { body: Buffer; contentType: string } | undefined;
    let open = true;
    try {
      this.emit('prack', prack, (opts) => {
        if (open) answer = { body: opts.body, contentType: opts.contentType };
      });
    } catch (error) {
      return { status, error };
    } finally {
      open = false;
    }
    return answer ? { status, ...answer } : { status };
  }

  /** True while a reliable provisional (RFC 3262 §3) is still unacknowledged. */
  get awaitingPrack(): boolean {
    return this.reliable.outstandingRSeq !== undefined;
  }

  /** True when `fromTag`/`toTag` of an in-dialog request name this call's early dialog. */
  matchesEarlyDialog(fromTag: string | undefined, toTag: string | undefined): boolean {
    return toTag === this.localTag && fromTag === (this.from.params.get('tag') ?? undefined);
  }

  /**
   * Answer with 200 OK. Resolves with the confirmed dialog once the ACK arrives (check
   * `dialog.state`: a BYE read together with the ACK may already have ended it); rejects
   * with CallStateError when the call was already answered/cancelled, or when no ACK came
   * within 64*T1 (a BYE is then sent, RFC 3261 §13.3.1.4).
   */
  async accept(opts: {
    body: Buffer;
    contentType: string;
    headers?: SipHeader[];
    /** Credentials for 401/407 to our later in-dialog requests (RFC 3261 §22.2). Default none. */
    credentials?: DialogCredentials;
  }): Promise<Dialog> {
    if (this.finished || this.accepting)
      throw new CallStateError('the call was already answered, rejected or cancelled');
    if (this.reliable.pending) {
      // RFC 3262 §3: the 2xx MUST wait for the PRACK when an unacknowledged reliable
      // provisional carried a session description; we always wait (the UAS MAY answer
      // earlier otherwise), so the final response never overtakes a PRACK.
      this.accepting = true;
      try {
        await this.reliable.whenAcknowledged();
      } catch (err) {
        throw new CallStateError((err as Error).message);
      } finally {
        this.accepting = false;
      }
      if (this.finished) throw new CallStateError('the call was already answered, rejected or cancelled');
    }
    this.reliable.close();
    this.answered = true;
    const dialog = createUasDialog(
      this.host,
      this.request,
      this.info,
      this.localTag,
      this.protocol,
      this.localContact,
    );
    if (!dialog) {
      this.transaction.respond(this.response(400, undefined, undefined, [], 'Missing Contact'));
      this.end('rejected');
      throw new CallStateError('the INVITE has no usable Contact');
    }
    this.dialogValue = dialog;
    dialog.localBody = { body: opts.body, contentType: opts.contentType };
    if (opts.credentials) dialog.setCredentials(opts.credentials);
    dialog.confirm(); // RFC 3261 §12.1.1: the dialog is confirmed when the 2xx is sent
    this.host.addDialog(dialog);
    dialog.once('terminated', (ev: { reason: string }) => {
      this.resolveAckBody({});
      this.emit('terminated', ev);
    });
    // RFC 3261 §13.2.1 / RFC 3264 §5: for an offerless INVITE the answer is in this ACK.
    dialog.once('ack', (ack: SipRequest) => {
      const contentType = ack.body.length > 0 ? getHeader(ack, 'Content-Type') : undefined;
      this.resolveAckBody({
        ...(ack.body.length > 0 ? { body: ack.body } : {}),
        ...(contentType !== undefined ? { contentType } : {}),
      });
    });
    // RFC 4028 §9: Session-Expires (+ Require: timer) in the 2xx; §10: the timer starts now.
    const timerCfg = this.host.sessionTimers;
    const timer = timerCfg ? negotiateAsUas(this.request, timerCfg) : undefined;
    const timerHeaders = timer?.kind === 'accept' ? timer.headers : [];
    const extra = [{ name: 'Contact', value: this.localContact }, ...timerHeaders, ...(opts.headers ?? [])];
    if (timerCfg && timer?.kind === 'accept') {
      dialog.startSessionTimer(
        timerCfg,
        timer.intervalSec,
        timer.weRefresh,
        allowsMethod(this.request, 'UPDATE'),
      );
    }
    const res = this.response(200, opts.body, opts.contentType, extra);
    this.host.callEnded(this);
    const acked = await dialog.send2xx(this.transaction, res, this.remote.protocol !== 'udp');
    if (acked) return dialog;
    this.resolveAckBody({});
    if (dialog.state !== 'terminated') {
      void dialog.bye('ack-timeout');
      throw new CallStateError('no ACK for the 2xx within 64*T1 (BYE sent)');
    }
    throw new CallStateError('the dialog terminated before the ACK');
  }

  /** Reject with a 3xx-6xx final response. Ignored once answered. Throws RangeError for other codes. */
  reject(status: number, opts: { reason?: string; headers?: SipHeader[] } = {}): void {
    if (!Number.isInteger(status) || status < 300 || status > 699)
      throw new RangeError(`reject() needs a 3xx-6xx status, got ${status}`);
    if (this.finished) return;
    this.answered = true;
    this.transaction.respond(this.response(status, undefined, undefined, opts.headers ?? [], opts.reason));
    this.end('rejected');
  }

  /** @internal CANCEL arrived (RFC 3261 §9.2): 487 to the INVITE, then `cancel` and `terminated`. */
  cancelled(): void {
    if (this.finished) return;
    this.answered = true;
    this.transaction.respond(this.response(487, undefined, undefined, []));
    this.emit('cancel');
    this.end('cancelled');
  }

  /** @internal The INVITE transaction failed before an answer (transport error). */
  failed(): void {
    if (this.answered) return;
    this.answered = true;
    this.end('transport');
  }

  private end(reason: string): void {
    this.resolveAckBody({});
    this.reliable.close();
    this.host.callEnded(this);
    this.emit('terminated', { reason });
  }

  private response(
    status: number,
    body: Buffer | undefined,
    contentType: string | undefined,
    extra: SipHeader[],
    reason?: string,
  ) {
    const headers: SipHeader[] = [...this.host.commonHeaders('response')];
    // RFC 3261 §12.1.1: copy Record-Route into responses that establish a dialog.
    if (status > 100 && status < 300) {
      for (const h of this.request.headers) if (h.name === 'Record-Route') headers.push(h);
      headers.push({ name: 'Allow', value: ALLOW }); // RFC 3261 §20.5: SHOULD in 2xx to INVITE
    }
    headers.push(...extra);
    return createResponse(this.request, status, { reason, toTag: this.localTag, headers, body, contentType });
  }
}
