/**
 * A SIP dialog (RFC 3261 §12) with its INVITE usage: identifiers, route set, remote
 * target, CSeq spaces, in-dialog requests in both directions, 2xx/ACK handling
 * (§13.2.2.4, §13.3.1.4) and re-INVITE glare (§14).
 *
 * ```
 *   (1xx with tag)        2xx
 *   ----------> early ----------> confirmed
 *                 |                   |  BYE (either side), ACK timeout,
 *                 | non-2xx final     |  481/408 to an in-dialog request
 *                 V                   V
 *               terminated <----------+
 * ```
 */
import { EventEmitter } from 'node:events';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { createResponse } from '../message/builders.js';
import { getHeader } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { MessageInfo } from '../transport/message-info.js';
import type { TransportProtocol } from '../transport/transport.js';
import type { ServerTransaction } from '../transaction/transaction.js';
import type { DialogHost } from './dialog-host.js';
import type { InDialogRequestOptions } from './in-dialog-request.js';
import { buildInDialogRequest } from './in-dialog-request.js';
import { AckWaiter } from './ack-waiter.js';
import { dialogId } from './dialog-id.js';
import type { SessionTimerConfig } from './session-timer.js';
import { SessionTimer, negotiateAsUas } from './session-timer.js';
import type { ReplacesTarget } from './replaces.js';
import type { ReferOutcome } from '../refer/refer-subscription.js';
import { ReferSubscriptions } from '../refer/refer-subscription.js';
import { formatReferTo, formatReferredBy } from '../refer/refer-to.js';
import type { IncomingRefer } from '../refer/refer-notifier.js';
import { ReferNotifiers } from '../refer/refer-notifier.js';
import type { DigestSession } from '../registration/digest-session.js';
import type { DialogCredentials, OutgoingRequest } from './in-dialog-auth.js';
import { createDialogDigest, cseqNumber, sendWithDigestRetry } from './in-dialog-auth.js';

export type { DialogCredentials } from './in-dialog-auth.js';

/** Dialog states (RFC 3261 §12). */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** Why a dialog ended. */
export type DialogTerminationReason =
  | 'local-bye'
  | 'remote-bye'
  | 'ack-timeout'
  | 'transport'
  | 'rejected'
  /** RFC 4028 §10: no session refresh arrived in time, or our refresh failed (BYE sent). */
  | 'session-expired';

/** Options of {@link Dialog.request} and the `respond` callback of `reinvite`. */
export interface DialogRequestOptions {
  readonly body?: Buffer;
  readonly contentType?: string;
  readonly headers?: SipHeader[];
}

/** Options of {@link Dialog.refer}. */
export interface ReferOptions {
  /**
   * Attended transfer (RFC 3891 §6.1): the OTHER dialog to be replaced, with its tags as
   * this UA (the transferor) sees it. Refer-To then carries
   * `?Replaces=<callId>%3Bto-tag%3D<remoteTag>%3Bfrom-tag%3D<localTag>`.
   */
  readonly replaces?: ReplacesTarget;
  /** Referred-By value (RFC 3892), e.g. our AOR; a bare URI is put in angle brackets. */
  readonly referredBy?: string;
  /** Extra headers of the REFER (e.g. `Refer-Sub: false`, RFC 4488). */
  readonly headers?: SipHeader[];
  /**
   * How long to wait for the next NOTIFY after the 2xx and after each NOTIFY before `done`
   * resolves undefined (RFC 6665 §4.1.2.4 Timer N). Default 64*T1 (32 000 ms).
   */
  readonly notifyTimeoutMs?: number;
}

/** Responder handed to `reinvite` listeners. */
export type ReinviteResponder = (status: number, opts?: DialogRequestOptions) => void;

/** Raised when a dialog is used after it terminated or during an INVITE (programmer misuse). */
export class DialogStateError extends Error {
  override readonly name = 'DialogStateError';
}

/** Events of {@link Dialog}. */
export interface DialogEvents {
  bye: [req: SipRequest];
  reinvite: [req: SipRequest, respond: ReinviteResponder];
  info: [req: SipRequest];
  /**
   * The ACK for a 2xx we sent to an INVITE (initial or re-INVITE) arrived. For an offerless
   * INVITE (RFC 3261 §13.2.1, RFC 3264 §5) it carries the SDP answer to the offer in our 2xx.
   */
  ack: [req: SipRequest];
  /**
   * A valid REFER arrived (RFC 3515 §2.4.2): answer it with `accept()` or `reject()`, then
   * report progress with `notify()`. Without a listener the stack answers 603 Declined.
   */
  refer: [refer: IncomingRefer];
  terminated: [info: { reason: DialogTerminationReason }];
}

/** The construction parameters of a {@link Dialog}. */
export interface DialogInit {
  readonly role: 'uac' | 'uas';
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** Our From/To value including `;tag=`. */
  readonly localUri: string;
  /** Their From/To value including `;tag=`. */
  readonly remoteUri: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly localSeq: number;
  readonly remoteSeq: number | undefined;
  /** Transport the dialog was established over (our Contact; default for in-dialog requests). */
  readonly protocol: TransportProtocol;
  readonly state: DialogState;
  /** Our Contact header value (sent in target refresh requests and their 2xx). */
  readonly localContact: string;
}

/**
 * A dialog. Events: `bye` (req) after we answered 200; `reinvite` (req, respond) for a
 * re-INVITE or UPDATE; `info` (req) after we answered 200; `ack` (req) for the ACK of a
 * 2xx we sent; `refer` ({@link IncomingRefer}) for a REFER we are asked to act on;
 * `terminated` ({ reason }). In-dialog NOTIFYs of `refer` subscriptions are reported on the
 * {@link ReferOutcome} of {@link Dialog.refer}.
 */
export class Dialog extends EventEmitter<DialogEvents> {
  readonly id: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly role: 'uac' | 'uas';
  /** Transport protocol the dialog runs over. */
  readonly protocol: TransportProtocol;
  /** Our Contact header value. */
  readonly localContact: string;
  private stateValue: DialogState;
  /** Remote target (Contact URI), updated by target refresh requests (§12.2). */
  remoteTarget: string;
  readonly routeSet: readonly string[];
  private readonly localUri: string;
  private readonly remoteUri: string;
  private localSeq: number;
  private remoteSeq: number | undefined;
  private clientInvite = false;
  private serverInvite = false;
  private readonly ackWaiters = new Map<number, { waiter: AckWaiter; resolve: (ok: boolean) => void }>();
  private lastAck: { seq: number; resend: () => void } | undefined;
  /** Last session description we sent (answers session-refresh re-INVITEs by default). */
  localBody: { body: Buffer; contentType: string } | undefined;
  /**
   * Body of the 2xx that created this dialog on the UAC side (the SDP answer to our offer,
   * RFC 3264 §4); undefined on the UAS side.
   */
  remoteBody: { body: Buffer; contentType: string } | undefined;
  /** The running RFC 4028 session timer, if one was negotiated. */
  sessionTimer: SessionTimer | undefined;
  /** Set while our own session refresh is in flight (408/481 then end the dialog with BYE, RFC 4028 §10). */
  private refreshing = false;
  /** Implicit subscriptions of the REFERs we sent (RFC 3515 §2.4.4). */
  private readonly referSubs: ReferSubscriptions;
  /** The REFERs we received and the subscriptions we notify (RFC 3515 §2.4.4). */
  private readonly referNotifiers: ReferNotifiers;
  /** Digest state for 401/407 to our in-dialog requests; undefined = no credentials. */
  private digest: DigestSession | undefined;

  constructor(
    private readonly host: DialogHost,
    init: DialogInit,
  ) {
    super();
    this.role = init.role;
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.id = dialogId(init.callId, init.localTag, init.remoteTag);
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.protocol = init.protocol;
    this.localContact = init.localContact;
    this.stateValue = init.state;
    this.referSubs = new ReferSubscriptions(host.clock);
    this.referNotifiers = new ReferNotifiers({
      clock: host.clock,
      localContact: init.localContact,
      // The dialog's own request path: CSeq, route set, digest retry (RFC 3261 §12.2.1.1, §22.2).
      sendNotify: (opts) => this.transact('NOTIFY', opts).catch(() => undefined),
    });
  }

  /** Current state. */
  get state(): DialogState {
    return this.stateValue;
  }

  /** Move an early dialog to confirmed (2xx sent or received). */
  confirm(): void {
    if (this.stateValue === 'early') this.stateValue = 'confirmed';
  }

  /**
   * Credentials to answer a 401/407 to our in-dialog requests with (re-INVITE, UPDATE, BYE,
   * REFER, INFO, OPTIONS, NOTIFY): each such request is re-sent once with them (CSeq + 1,
   * RFC 3261 §22.2, §14.1); a second challenge is returned as the response. Set by
   * `UserAgent.invite({ credentials })` and `IncomingCall.accept({ credentials })`;
   * undefined removes them.
   */
  setCredentials(credentials: DialogCredentials | undefined): void {
    this.digest = credentials ? createDialogDigest(credentials) : undefined;
  }

  /**
   * Send BYE (RFC 3261 §15.1.1); resolves on its final response or timeout (re-sent once
   * with credentials on 401/407). No-op once terminated. `reason` is reported in
   * `terminated`. Default `local-bye`.
   */
  async bye(reason: DialogTerminationReason = 'local-bye'): Promise<void> {
    if (this.stateValue === 'terminated') return;
    const first = this.build('BYE', {});
    this.terminate(reason);
    await this.sendAuthenticated({}, first);
  }

  /**
   * Send a request inside the dialog (INFO, UPDATE, re-INVITE, ...). For INVITE the ACK
   * for a 2xx is sent here (§13.2.2.4). A 401/407 is answered once with the credentials
   * of {@link Dialog.setCredentials} (§22.2, CSeq + 1). A 481 or 408 terminates the dialog
   * (§12.2.1.2). Rejects with DialogStateError when terminated, or for a re-INVITE while
   * another INVITE transaction is in progress (§14.1).
   */
  async request(method: string, opts: DialogRequestOptions = {}): Promise<SipResponse> {
    return this.transact(method, opts);
  }

  /**
   * Send REFER (RFC 3515) with `Refer-To: <target>` (plus `?Replaces=` for an attended
   * transfer, RFC 3891 §6.1) and follow its implicit subscription: each in-dialog NOTIFY
   * (`Event: refer`, message/sipfrag) is answered 200 and reported as `progress`;
   * `Subscription-State: terminated` resolves `done` with its sipfrag status. Resolves once
   * the REFER has its final response. Rejects with DialogStateError when terminated.
   */
  async refer(target: string, opts: ReferOptions = {}): Promise<ReferOutcome> {
    if (this.stateValue === 'terminated') throw new DialogStateError(`dialog ${this.callId} is terminated`);
    const headers: SipHeader[] = [{ name: 'Refer-To', value: formatReferTo(target, opts.replaces) }];
    if (opts.referredBy !== undefined)
      headers.push({ name: 'Referred-By', value: formatReferredBy(opts.referredBy) });
    if (opts.headers) headers.push(...opts.headers);
    // RFC 3515 §2.4.4 / RFC 6665 §4.1.2.4: the subscription exists from the moment the REFER
    // is sent, since a NOTIFY may overtake the 2xx.
    const sub = this.referSubs.create(opts.notifyTimeoutMs ?? 64 * this.host.timers.t1Ms);
    const res = await this.transact('REFER', { headers }, (seq) => this.referSubs.bind(sub, seq));
    return this.referSubs.settle(sub, res);
  }

  /** Send one in-dialog request; `onSent` gets the CSeq number it was sent with. */
  private async transact(
    method: string,
    opts: DialogRequestOptions,
    onSent?: (seq: number) => void,
  ): Promise<SipResponse> {
    if (this.stateValue === 'terminated') throw new DialogStateError(`dialog ${this.callId} is terminated`);
    if (method === 'ACK' || method === 'CANCEL') throw new DialogStateError(`${method} is sent by the stack`);
    const isInvite = method === 'INVITE';
    if (isInvite && (this.clientInvite || this.serverInvite)) {
      throw new DialogStateError('an INVITE transaction is already in progress (RFC 3261 §14.1)');
    }
    const first = this.build(method, opts);
    if (isInvite) this.clientInvite = true;
    try {
      const { request, res } = await this.sendAuthenticated(opts, first, onSent);
      if (isInvite && res.status >= 200 && res.status < 300) await this.ack2xx(request, res);
      // A 481/408 to a NOTIFY ends only its subscription, not the INVITE usage (RFC 5057 §5,
      // RFC 6665 §4.2.2).
      if ((res.status === 481 || res.status === 408) && !this.refreshing && method !== 'NOTIFY')
        this.terminate(res.status === 481 ? 'rejected' : 'transport');
      return res;
    } finally {
      if (isInvite) this.clientInvite = false;
    }
  }

  /** Send `first`, re-sent once with credentials on 401/407 (see {@link sendWithDigestRetry}). */
  private sendAuthenticated(
    opts: DialogRequestOptions,
    first: OutgoingRequest,
    onSent?: (seq: number) => void,
  ): Promise<{ request: SipRequest; res: SipResponse }> {
    return sendWithDigestRetry(
      this.digest,
      first,
      (auth) => this.build(first.request.method, { ...opts, headers: [...(opts.headers ?? []), ...auth] }),
      (o) => this.host.send(o.request, o.nextHopUri, this.protocol),
      onSent,
    );
  }

  /**
   * A request inside this dialog, matched by the core (RFC 3261 §12.2.2). Enforces the
   * remote CSeq rule (lower -> 500) and dispatches by method.
   */
  receiveRequest(req: SipRequest, info: MessageInfo, tx: ServerTransaction): void {
    if (this.remoteSeq !== undefined && info.cseq.seq < this.remoteSeq) {
      this.reply(tx, 500, { reason: 'CSeq Out of Order' }); // RFC 3261 §12.2.2
      return;
    }
    this.remoteSeq = info.cseq.seq;
    switch (req.method) {
      case 'BYE':
        this.reply(tx, 200);
        this.emit('bye', req);
        this.terminate('remote-bye');
        return;
      case 'INFO':
        this.reply(tx, 200);
        this.emit('info', req);
        return;
      case 'INVITE':
      case 'UPDATE':
        this.receiveOffer(req, tx);
        return;
      case 'OPTIONS':
        this.reply(tx, 200);
        return;
      case 'NOTIFY': {
        // RFC 6665 §4.1.3 / RFC 3515 §2.4.5: progress of a REFER we sent.
        const verdict = this.referSubs.receiveNotify(req);
        this.reply(tx, verdict.status, { reason: verdict.reason, headers: verdict.headers });
        verdict.apply?.();
        return;
      }
      case 'REFER':
        // RFC 3515 §2.4.2: we are the transferee (refer/refer-notifier.ts).
        this.referNotifiers.receive(
          req,
          info.cseq.seq,
          (status, opts) => this.reply(tx, status, opts),
          (refer) => this.emit('refer', refer),
        );
        return;
      default:
        this.reply(tx, 501);
    }
  }

  /**
   * An ACK for a 2xx we sent (§13.3.1.4): stops the retransmission of that 2xx and emits
   * `ack` (once per 2xx; retransmitted ACKs are absorbed).
   */
  receiveAck(info: MessageInfo, ack?: SipRequest): void {
    const entry = this.ackWaiters.get(info.cseq.seq);
    if (!entry) return;
    this.ackWaiters.delete(info.cseq.seq);
    if (!entry.waiter.ack()) return;
    // Resolve first: a throwing `ack` listener must not leave send2xx pending. Listeners
    // still run before any continuation of that promise (they are synchronous).
    entry.resolve(true);
    if (ack) this.emit('ack', ack);
  }

  /** A 2xx retransmission for our INVITE (§13.2.2.4): re-send the ACK. */
  receive2xxRetransmission(info: MessageInfo): void {
    if (this.lastAck && this.lastAck.seq === info.cseq.seq) this.lastAck.resend();
  }

  /**
   * Send a 2xx to an INVITE on `tx` and retransmit it until the ACK (§13.3.1.4).
   * Resolves true on ACK, false after 64*T1 without one (the caller then sends BYE).
   */
  send2xx(tx: ServerTransaction, res: SipResponse, reliable: boolean): Promise<boolean> {
    tx.respond(res);
    const seq = this.remoteSeq ?? 0;
    return new Promise((resolve) => {
      const waiter = new AckWaiter(
        this.host.clock,
        this.host.timers,
        reliable,
        () => tx.respond(res),
        () => {
          this.ackWaiters.delete(seq);
          resolve(false);
        },
      );
      this.ackWaiters.set(seq, { waiter, resolve });
      waiter.start();
    });
  }

  /** Terminate (idempotent): stop timers, forget, emit `terminated`. */
  terminate(reason: DialogTerminationReason): void {
    if (this.stateValue === 'terminated') return;
    this.stateValue = 'terminated';
    for (const { waiter, resolve } of this.ackWaiters.values()) {
      waiter.stop();
      resolve(false);
    }
    this.ackWaiters.clear();
    this.sessionTimer?.stop();
    this.referSubs.terminateAll();
    this.referNotifiers.terminateAll();
    this.host.forget(this.id);
    this.emit('terminated', { reason });
  }

  /** Build a response to an in-dialog request, with our Contact for 2xx to INVITE/UPDATE. */
  buildResponse(
    req: SipRequest,
    status: number,
    opts: DialogRequestOptions & { reason?: string } = {},
  ): SipResponse {
    const headers: SipHeader[] = [...this.host.commonHeaders('response')];
    const refresh = req.method === 'INVITE' || req.method === 'UPDATE';
    if (refresh && status >= 200 && status < 300) headers.push({ name: 'Contact', value: this.localContact });
    if (opts.headers) headers.push(...opts.headers);
    return createResponse(req, status, {
      reason: opts.reason,
      toTag: this.localTag,
      headers,
      body: opts.body,
      contentType: opts.contentType,
    });
  }

  private reply(
    tx: ServerTransaction,
    status: number,
    opts: DialogRequestOptions & { reason?: string } = {},
  ): void {
    tx.respond(this.buildResponse(tx.request, status, opts));
  }

  private receiveOffer(req: SipRequest, tx: ServerTransaction): void {
    const isInvite = req.method === 'INVITE';
    // RFC 3261 §14.2: our own re-INVITE pending -> 491; theirs pending -> 500 + Retry-After.
    if (isInvite && this.clientInvite) return this.reply(tx, 491);
    if (isInvite && this.serverInvite) {
      return this.reply(tx, 500, { headers: [{ name: 'Retry-After', value: '1' }] });
    }
    // RFC 4028 §9: a refresh with Session-Expires below our Min-SE -> 422 with Min-SE.
    const timerCfg = this.host.sessionTimers;
    const st = this.sessionTimer;
    const negotiation = st && timerCfg ? negotiateAsUas(req, timerCfg, st) : undefined;
    if (negotiation?.kind === 'reject') {
      return this.reply(tx, 422, { reason: 'Session Interval Too Small', headers: negotiation.headers });
    }
    this.updateRemoteTarget(req);
    if (isInvite) this.serverInvite = true;
    let answered = false;
    const respond: ReinviteResponder = (status, opts = {}) => {
      if (answered) return;
      answered = true;
      if (isInvite) this.serverInvite = false;
      let res = this.buildResponse(req, status, opts);
      if (status >= 200 && status < 300 && negotiation?.kind === 'accept' && st) {
        // RFC 4028 §9/§10: the 2xx carries the session interval; the timer restarts.
        if (getHeader(res, 'Session-Expires') === undefined) {
          res = { ...res, headers: [...res.headers, ...negotiation.headers] };
        }
        st.update(negotiation.intervalSec, negotiation.weRefresh);
      }
      if (status >= 200 && status < 300 && opts.body && opts.contentType) {
        this.localBody = { body: opts.body, contentType: opts.contentType };
      }
      if (isInvite && status >= 200 && status < 300) {
        // RFC 3261 §13.3.1.4: no ACK for the 2xx within 64*T1 -> end the dialog with BYE.
        void this.send2xx(tx, res, this.protocol !== 'udp').then((acked) => {
          if (!acked && this.stateValue !== 'terminated') void this.bye('ack-timeout');
        });
      } else tx.respond(res);
    };
    if (this.listenerCount('reinvite') > 0) {
      this.emit('reinvite', req, respond);
      return;
    }
    // No listener: a session refresh; answer with our last session description (RFC 4028 §9).
    const hasOffer = req.body.length > 0 || isInvite;
    respond(200, hasOffer && this.localBody ? { ...this.localBody } : {});
  }

  /**
   * Start the RFC 4028 session timer of this dialog (§10): as refresher when `weRefresh`,
   * else as refreshee. `peerAllowsUpdate`: refreshes use UPDATE instead of re-INVITE.
   */
  startSessionTimer(
    cfg: SessionTimerConfig,
    intervalSec: number,
    weRefresh: boolean,
    peerAllowsUpdate: boolean,
  ): SessionTimer {
    this.sessionTimer?.stop();
    const timer = new SessionTimer(
      {
        clock: this.host.clock,
        callIdOwner: this.role === 'uac',
        isTerminated: () => this.stateValue === 'terminated',
        sendRefresh: (method, headers) => this.sendRefresh(method, headers),
        expire: () => void this.bye('session-expired'),
      },
      cfg,
      intervalSec,
      weRefresh,
      peerAllowsUpdate,
    );
    this.sessionTimer = timer;
    if (this.stateValue !== 'terminated') timer.start();
    return timer;
  }

  /** One session refresh (RFC 4028 §10): UPDATE without body, or re-INVITE with our last SDP. */
  private async sendRefresh(
    method: 'INVITE' | 'UPDATE',
    headers: SipHeader[],
  ): Promise<SipResponse | undefined> {
    if (this.stateValue === 'terminated') return undefined;
    if (method === 'INVITE' && (this.clientInvite || this.serverInvite)) {
      return undefined; // another INVITE transaction is running; it refreshes the session anyway
    }
    const body = method === 'INVITE' ? this.localBody : undefined;
    this.refreshing = true;
    try {
      return await this.request(method, { headers, body: body?.body, contentType: body?.contentType });
    } finally {
      this.refreshing = false;
    }
  }

  private updateRemoteTarget(req: SipRequest): void {
    const contact = getHeader(req, 'Contact');
    const na = contact === undefined ? undefined : parseNameAddr(contact);
    if (na) this.remoteTarget = na.uri; // RFC 3261 §12.2.2: target refresh
  }

  private build(method: string, opts: InDialogRequestOptions): ReturnType<typeof buildInDialogRequest> {
    // RFC 3261 §12.2.1.1: CSeq incremented by one for each new request (ACK/CANCEL excepted).
    const seq = ++this.localSeq;
    const headers: SipHeader[] = [...this.host.commonHeaders('request')];
    if (method === 'INVITE' || method === 'UPDATE')
      headers.push({ name: 'Contact', value: this.localContact });
    if (opts.headers) headers.push(...opts.headers);
    return buildInDialogRequest(
      {
        callId: this.callId,
        localUri: this.localUri,
        remoteUri: this.remoteUri,
        remoteTarget: this.remoteTarget,
        routeSet: this.routeSet,
      },
      method,
      seq,
      { body: opts.body, contentType: opts.contentType, headers },
    );
  }

  /**
   * Send the ACK for a 2xx to our INVITE (RFC 3261 §13.2.2.4): the INVITE's CSeq number,
   * routed like any in-dialog request, on a new branch. Kept for 2xx retransmissions.
   */
  async ack2xx(invite: SipRequest, res: SipResponse): Promise<void> {
    this.updateRemoteTargetFromResponse(res);
    const seq = cseqNumber(invite);
    const { request: ack, nextHopUri } = buildInDialogRequest(
      {
        callId: this.callId,
        localUri: this.localUri,
        remoteUri: this.remoteUri,
        remoteTarget: this.remoteTarget,
        routeSet: this.routeSet,
      },
      'ACK',
      seq,
      { headers: this.host.commonHeaders('request') },
    );
    const resend = await this.host.sendAck(ack, nextHopUri, this.protocol);
    this.lastAck = { seq, resend };
  }

  /** Re-send the last ACK we sent (a 2xx retransmission arrived). */
  resendAck(): void {
    this.lastAck?.resend();
  }

  private updateRemoteTargetFromResponse(res: SipResponse): void {
    const contact = getHeader(res, 'Contact');
    const na = contact === undefined ? undefined : parseNameAddr(contact);
    if (na) this.remoteTarget = na.uri;
  }
}
