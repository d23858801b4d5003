/**
 * The user agent core (RFC 3261 §8, §12-§15): binds the transports, answers what the
 * application does not need to see (OPTIONS, CANCEL, 481/405/501/416/420), offers new
 * INVITEs as {@link IncomingCall}s, routes in-dialog requests to their {@link Dialog},
 * and sends requests for registrations and dialogs.
 */
import { EventEmitter } from 'node:events';
import type { TimerHandle } from './clock.js';
import type { SipHeader, SipRequest, SipResponse } from './message/types.js';
import { createRequest, createResponse, generateTag } from './message/builders.js';
import { outOfDialogHeaders } from './user-agent/request-headers.js';
import { TransportLayer } from './transport/transport-layer.js';
import type { MessageInfo } from './transport/message-info.js';
import type { MessageSource, TransportProtocol } from './transport/transport.js';
import type { InviteOptions } from './user-agent/outgoing-call.js';
import { placeCall } from './user-agent/outgoing-call.js';
import { TransactionLayer } from './transaction/transaction-layer.js';
import type { ServerTransaction } from './transaction/transaction.js';
import type { InviteServerTransaction } from './transaction/invite-server-transaction.js';
import type { NonInviteServerTransaction } from './transaction/non-invite-server-transaction.js';
import type { Dialog } from './dialog/dialog.js';
import { dialogId } from './dialog/dialog-id.js';
import { IncomingCall } from './user-agent/incoming-call.js';
import type { ResolvedUserAgentOptions, UserAgentOptions } from './user-agent/options.js';
import { resolveUserAgentOptions } from './user-agent/options.js';
import { ALLOW, ALLOW_MESSAGE } from './user-agent/allow.js';
import { checkCoreRequest } from './user-agent/notify-checks.js';
import { uasSupported } from './user-agent/reliable-provisionals.js';
import { createTransports } from './user-agent/transports.js';
import { UserAgentHost } from './user-agent/user-agent-host.js';
import type { RegistrationOptions } from './registration/registration.js';
import { Registration } from './registration/registration.js';
import { negotiateAsUas } from './dialog/session-timer.js';
import { matchReplaces } from './user-agent/replaces-match.js';
import { EndedDialogs } from './user-agent/ended-dialogs.js';

/**
 * Option tags we always list in Supported: `replaces` (RFC 3891 §6: we handle INVITEs with
 * Replaces) and `norefersub` (RFC 4488 §4: we grant `Refer-Sub: false` on REFERs we receive).
 */
const ALWAYS_SUPPORTED = ['replaces', 'norefersub'];

export type { TransportConfig, UserAgentOptions } from './user-agent/options.js';
export { IncomingCall, CallStateError } from './user-agent/incoming-call.js';
export type { IncomingCallEvents, AckBody, PrackAnswerer } from './user-agent/incoming-call.js';
export { CallFailedError } from './user-agent/outgoing-call.js';
export type { InviteOptions } from './user-agent/outgoing-call.js';

/** Options of the `respond` callback handed to `message` listeners. */
export interface RespondOptions {
  readonly reason?: string;
  readonly headers?: SipHeader[];
  readonly body?: Buffer;
  readonly contentType?: string;
}

/** Events of {@link UserAgent}. */
export interface UserAgentEvents {
  invite: [call: IncomingCall];
  message: [req: SipRequest, respond: (status: number, opts?: RespondOptions) => void];
  error: [err: Error];
}

/**
 * A SIP user agent. Events: `invite` (IncomingCall) for each new dialog-creating INVITE
 * (for any user part; with no listener the stack answers 480); `message` (req, respond)
 * for out-of-dialog MESSAGE (405 when nobody listens); `error` (Error) for non-fatal
 * socket errors, only emitted while an `error` listener is attached.
 */
export class UserAgent extends EventEmitter<UserAgentEvents> {
  readonly options: ResolvedUserAgentOptions;
  private readonly transportLayer: TransportLayer;
  private readonly transactions: TransactionLayer;
  private readonly host: UserAgentHost;
  private readonly registrations = new Set<Registration>();
  /**
   * RFC 3262 §3: calls that got a non-2xx final response while a reliable provisional was
   * unacknowledged; kept 64*T1 because the UAS "MUST be prepared to process PRACK requests
   * for those outstanding responses".
   */
  private readonly lateCalls = new Map<IncomingCall, TimerHandle>();
  /** Dialogs that ended within 64*T1: a Replaces naming one gets 603, not 481 (RFC 3891 §3). */
  private readonly endedDialogs: EndedDialogs;
  private started = false;

  constructor(opts: UserAgentOptions) {
    super();
    // Supported (and so the Require check) lists the extensions the stack itself handles.
    const supported = opts.supported ?? [];
    const missing = ALWAYS_SUPPORTED.filter((tag) => !supported.some((t) => t.toLowerCase() === tag));
    this.options = resolveUserAgentOptions(
      missing.length === 0 ? opts : { ...opts, supported: [...supported, ...missing] },
    );
    const o = this.options;
    const transports = o.transportInstances ?? createTransports(o.transports, o.maxMessageSize);
    this.transportLayer = new TransportLayer({
      transports,
      publicAddress: o.publicAddress,
      maxMessageSize: o.maxMessageSize,
      logger: o.logger,
      // Emitted only when someone listens: an unhandled 'error' event would crash the process.
      onError: (err) => {
        if (this.listenerCount('error') > 0) this.emit('error', err);
      },
      // RFC 7118 / RFC 5626 §4.4.1: a reopened WebSocket carries none of the old bindings.
      onFlowReady: (t) => {
        for (const r of this.registrations) r.flowReady(t.protocol);
      },
      onFlowLost: (t) => {
        for (const r of this.registrations) r.flowLost(t.protocol);
      },
    });
    this.transactions = new TransactionLayer(this.transportLayer, o.clock, o.timers);
    this.transactions.user = {
      onRequest: (req, info, tx, source) => this.onRequest(req, info, tx, source),
      onCancel: (req, tx, invite) => this.onCancel(req, tx, invite),
      onAck: (req, info) =>
        this.host.dialogs
          .get(dialogId(info.callId, info.toTag ?? '', info.fromTag ?? ''))
          ?.receiveAck(info, req),
      onStrayResponse: (res, info) => this.onStrayResponse(res, info),
    };
    this.host = new UserAgentHost(o, this.transportLayer, this.transactions);
    this.endedDialogs = new EndedDialogs(o.clock, 64 * o.timers.t1Ms);
  }

  /** Bind every transport. */
  async start(): Promise<void> {
    await this.transportLayer.start();
    this.started = true;
  }

  /** Unregister (best effort), close transports and clear every timer. */
  async stop(): Promise<void> {
    await Promise.all([...this.registrations].map((r) => r.unregister()));
    for (const r of this.registrations) r.dispose();
    this.registrations.clear();
    for (const d of [...this.host.dialogs.values()]) d.terminate('transport');
    for (const h of this.lateCalls.values()) this.options.clock.clearTimer(h);
    this.lateCalls.clear();
    this.transactions.stop();
    if (this.started) await this.transportLayer.stop();
    this.started = false;
  }

  /** Bound addresses (after `start`), one per transport in configuration order. */
  get boundAddresses(): Array<{ protocol: string; host: string; port: number }> {
    return this.transportLayer.transports.map((t) => ({
      protocol: t.protocol,
      host: t.local.address,
      port: t.local.port,
    }));
  }

  /** Register an AOR with a registrar and keep it refreshed. */
  register(opts: RegistrationOptions): Registration {
    const reg = new Registration(this.host, opts);
    this.registrations.add(reg);
    reg.once('disposed', () => this.registrations.delete(reg));
    reg.start();
    return reg;
  }

  /**
   * Send an out-of-dialog non-INVITE request (OPTIONS, MESSAGE, ...) to `uri`; resolves
   * with the final response (synthetic 408 on timeout, 503 on transport/DNS failure).
   * `from` defaults to `sip:<contactUser>@<our address>`.
   */
  request(
    method: string,
    uri: string,
    opts: {
      from?: string;
      to?: string;
      body?: Buffer;
      contentType?: string;
      headers?: SipHeader[];
      transport?: TransportProtocol;
    } = {},
  ): Promise<SipResponse> {
    const protocol = opts.transport ?? 'udp';
    const headers: SipHeader[] = [
      ...outOfDialogHeaders({
        method,
        uri,
        from: opts.from,
        to: opts.to,
        contact: this.host.contact(protocol),
      }),
      ...this.host.commonHeaders('request'),
      ...(opts.headers ?? []),
    ];
    const req = createRequest({ method, uri, headers, body: opts.body, contentType: opts.contentType });
    return this.host.send(req, uri, opts.transport);
  }

  /**
   * Place a call: INVITE `uri`, resolve with the confirmed dialog after the 2xx was ACKed;
   * rejects with CallFailedError on a non-2xx final (or timeout / transport error).
   */
  invite(uri: string, opts: InviteOptions): Promise<Dialog> {
    return placeCall(this.host, uri, opts).then((dialog) => {
      this.endedDialogs.track(dialog);
      return dialog;
    });
  }

  /** Live object counts (for metrics and leak checks). */
  get stats(): {
    dialogs: number;
    pendingCalls: number;
    clientTransactions: number;
    serverTransactions: number;
  } {
    const t = this.transactions.size;
    return {
      dialogs: this.host.dialogs.size,
      pendingCalls: this.host.calls.size,
      clientTransactions: t.clients,
      serverTransactions: t.servers,
    };
  }

  /** Number of live dialogs (for metrics). */
  get dialogCount(): number {
    return this.host.dialogs.size;
  }

  // ---- request dispatch ----

  private onRequest(req: SipRequest, info: MessageInfo, tx: ServerTransaction, source: MessageSource): void {
    // RFC 3261 §8.2: method, URI scheme, Require and syntax checks come before dialog matching.
    // RFC 3262 §3: `Require: 100rel` is accepted (reliable 18x, see IncomingCall.progress).
    // RFC 6665 §4.1.3 / RFC 3515 §2.4.2: in-dialog NOTIFY and REFER are processed by their dialog.
    const failure = checkCoreRequest(req, uasSupported(this.options.supported));
    if (failure) return this.reply(tx, failure.status, { reason: failure.reason, headers: failure.headers });
    if (req.method === 'PRACK') return this.onPrack(req, info, tx);
    if (info.toTag !== undefined) {
      // RFC 3261 §12.2.2: in-dialog request; no dialog -> 481.
      const dialog = this.host.dialogs.get(dialogId(info.callId, info.toTag, info.fromTag ?? ''));
      if (dialog) dialog.receiveRequest(req, info, tx);
      else this.reply(tx, 481);
      return;
    }
    switch (req.method) {
      case 'INVITE':
        return this.onInvite(info, tx as InviteServerTransaction, source);
      case 'OPTIONS':
        // RFC 3261 §11.2: capabilities.
        return this.reply(tx, 200, {
          headers: [
            { name: 'Allow', value: this.listenerCount('message') > 0 ? ALLOW_MESSAGE : ALLOW },
            { name: 'Accept', value: 'application/sdp' },
          ],
        });
      case 'MESSAGE':
        return this.onMessage(req, tx);
      case 'REFER':
        // RFC 3515 §2.4.2 lets a recipient decline; we act on REFERs inside a call only.
        return this.reply(tx, 403, { reason: 'Out-of-dialog REFER Not Supported' });
      default:
        // BYE, INFO, UPDATE outside a dialog (RFC 3261 §15.1.2: 481).
        return this.reply(tx, 481);
    }
  }

  private onInvite(info: MessageInfo, tx: InviteServerTransaction, source: MessageSource): void {
    // RFC 3891 §3: an INVITE with Replaces names a dialog of ours to take over.
    const replaces = matchReplaces(tx.request, {
      live: (id) => this.host.dialogs.get(id),
      ended: (id) => this.endedDialogs.has(id),
    });
    const call = new IncomingCall(
      this.host,
      tx,
      info,
      source,
      replaces.kind === 'match' ? replaces.dialog : undefined,
    );
    if (this.listenerCount('invite') === 0) {
      call.reject(480);
      return;
    }
    if (replaces.kind === 'reject') {
      call.reject(replaces.status, { reason: replaces.reason });
      return;
    }
    // RFC 4028 §9: Session-Expires below our Min-SE from a UAC supporting timer -> 422 + Min-SE.
    const timerCfg = this.host.sessionTimers;
    const timer = timerCfg ? negotiateAsUas(tx.request, timerCfg) : undefined;
    if (timer?.kind === 'reject') {
      call.reject(422, { reason: 'Session Interval Too Small', headers: timer.headers });
      return;
    }
    this.host.calls.set(tx.key, call);
    tx.user = { onTransportError: () => call.failed(), onTimeout: () => call.failed() };
    call.once('terminated', () => {
      this.keepForLatePrack(call);
      if (call.dialog) this.endedDialogs.note(call.dialog.id);
    });
    try {
      this.emit('invite', call);
    } catch (err) {
      this.options.logger.error({ err }, 'invite listener threw');
      call.reject(500);
    }
  }

  /**
   * RFC 3262 §3, §7.2: a PRACK is matched to the early dialog of an unanswered call (To tag =
   * ours, From tag = the caller's); 200 when its RAck names the outstanding reliable
   * provisional, else 481. A PRACK outside any early dialog (no tag, unknown dialog, or a
   * confirmed dialog: every reliable 18x was PRACKed before our 2xx) gets 481.
   */
  private onPrack(req: SipRequest, info: MessageInfo, tx: ServerTransaction): void {
    if (info.toTag !== undefined) {
      for (const call of [...this.host.calls.values(), ...this.lateCalls.keys()]) {
        if (call.callId === info.callId && call.matchesEarlyDialog(info.fromTag, info.toTag)) {
          const verdict = call.receivePrack(req);
          if (verdict.error !== undefined)
            this.options.logger.error({ err: verdict.error }, 'prack listener threw');
          return this.reply(tx, verdict.status, { body: verdict.body, contentType: verdict.contentType });
        }
      }
    }
    this.reply(tx, 481);
  }

  /** RFC 3262 §3: keep an ended call 64*T1 while a reliable provisional awaits its PRACK. */
  private keepForLatePrack(call: IncomingCall): void {
    if (!call.awaitingPrack || this.lateCalls.has(call)) return;
    const h = this.options.clock.setTimer(() => this.lateCalls.delete(call), 64 * this.options.timers.t1Ms);
    this.lateCalls.set(call, h);
  }

  private onMessage(req: SipRequest, tx: ServerTransaction): void {
    if (this.listenerCount('message') === 0) {
      this.reply(tx, 405, { headers: [{ name: 'Allow', value: ALLOW }] });
      return;
    }
    let done = false;
    const respond = (status: number, opts: RespondOptions = {}): void => {
      if (done) return;
      done = true;
      this.reply(tx, status, opts);
    };
    this.emit('message', req, respond);
  }

  private onCancel(
    req: SipRequest,
    tx: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void {
    // RFC 3261 §9.2: no matching INVITE -> 481; otherwise 200, then 487 if still unanswered.
    if (!invite) return this.reply(tx, 481);
    this.reply(tx, 200);
    const call = this.host.calls.get(invite.key);
    if (call) call.cancelled();
    else if (!invite.finalSent) invite.respond(createResponse(invite.request, 487, { toTag: generateTag() }));
  }

  private onStrayResponse(res: SipResponse, info: MessageInfo): void {
    // RFC 3261 §13.2.2.4: a retransmitted 2xx to our INVITE -> re-send the ACK.
    if (res.status < 200 || res.status >= 300 || info.cseq.method !== 'INVITE') return;
    this.host.dialogs
      .get(dialogId(info.callId, info.fromTag ?? '', info.toTag ?? ''))
      ?.receive2xxRetransmission(info);
  }

  private reply(tx: ServerTransaction, status: number, opts: RespondOptions = {}): void {
    const headers = [...this.host.commonHeaders('response'), ...(opts.headers ?? [])];
    tx.respond(
      createResponse(tx.request, status, {
        reason: opts.reason,
        toTag: generateTag(),
        headers,
        body: opts.body,
        contentType: opts.contentType,
      }),
    );
  }
}
