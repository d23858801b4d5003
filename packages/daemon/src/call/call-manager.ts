import type { DtlsCertificate } from '@voice-assistant/rtp';
import { createDtlsCertificate } from '@voice-assistant/rtp';
import type { IncomingCall } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import { Call, type CallEndReason } from './call.js';
import type { CallHost, CallManagerDeps, PortAllocation } from './call-host.js';
import { startCall } from './call-start.js';
import { outcome } from './end-reason.js';
import { answerIncoming } from './inbound.js';
import { placeCall, type PlaceCallRequest } from './outbound.js';
import { finishRecording } from './recording.js';
import { attendedTransfer, blindTransfer, type TransferMode } from './transfer.js';

export type { CallManagerDeps } from './call-host.js';
export { CallRequestError, type PlaceCallRequest } from './outbound.js';
export { infoDigit } from './info-dtmf.js';
export type { TransferMode } from './transfer.js';

/** Ended calls kept for `GET /calls/:id`. */
const RECENT_LIMIT = 200;
let callSeq = 0;

/**
 * Owns every active call: answers incoming ones (`inbound.ts`), places outgoing ones
 * (`outbound.ts`), starts them (`call-start.ts`), ends and counts them, and ends them all
 * on shutdown.
 */
export class CallManager {
  /** Calls in progress. */
  readonly calls = new Map<string, Call>();
  /** Recently ended calls, oldest first. */
  private readonly recent = new Map<string, Call>();
  private draining = false;
  /** Recordings still being finalised (awaited on shutdown). */
  private readonly closingRecordings = new Set<Promise<unknown>>();
  private sessionId = Math.floor(Date.now() / 1000);
  private certificate?: Promise<DtlsCertificate>;
  /** This manager as the call paths see it. */
  private readonly host: CallHost;

  constructor(private readonly deps: CallManagerDeps) {
    const self = this; // eslint-disable-line @typescript-eslint/no-this-alias
    this.host = {
      deps,
      calls: this.calls,
      get draining() {
        return self.draining;
      },
      account: (name) => this.account(name),
      newCall: (parties, account) => this.newCall(parties, account),
      end: (call, reason) => this.end(call, reason),
      hangup: (call, reason) => this.hangup(call, reason),
      allocatePorts: (call) => this.allocatePorts(call),
      nextSessionId: () => String(this.sessionId++),
      dtlsCertificate: () => {
        // One self-signed DTLS certificate for the process (creating one takes ~50 ms).
        this.certificate ??= createDtlsCertificate();
        return this.certificate;
      },
      confirm: (call) => startCall(this.host, call),
      countRefusal: (account, status, direction) =>
        this.deps.metrics.callsTotal.inc({ provider: 'sip', status, account, direction }),
    };
  }

  get activeCount(): number {
    return this.calls.size;
  }

  /** A call in progress or recently ended. */
  get(id: string): Call | undefined {
    return this.calls.get(id) ?? this.recent.get(id);
  }

  /** Calls in progress, then recently ended ones (newest first). */
  list(): Call[] {
    return [...this.calls.values(), ...[...this.recent.values()].reverse()];
  }

  /** Entry point for the UA's `invite` event. Never throws: failures end the call with an error response. */
  handleInvite(inc: IncomingCall): void {
    answerIncoming(this.host, inc).catch((err: unknown) => {
      this.deps.logger.error({ err, callId: inc.callId }, 'call setup failed');
      this.deps.metrics.errorsTotal.inc({ error_type: 'sip_handler', account: '' });
    });
  }

  /** Stop accepting calls (answer 503 with Retry-After from now on). */
  startDraining(): void {
    this.draining = true;
  }

  /** Waits up to `timeoutMs` for calls to end by themselves, then hangs up the rest. */
  async drain(timeoutMs: number): Promise<void> {
    this.startDraining();
    const end = Date.now() + timeoutMs;
    while (this.calls.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...this.calls.values()].map((c) => this.hangup(c, 'shutdown')));
    await Promise.all([...this.closingRecordings]);
  }

  /** Ends a call from our side: CANCEL before the answer (outbound), BYE after it. */
  async hangup(call: Call, reason: CallEndReason): Promise<void> {
    if (call.ended) return;
    const dialog = call.dialog;
    if (!call.incoming && !dialog) call.abort.abort(); // outbound, not answered yet: CANCEL
    if (call.incoming && !dialog && call.state === 'ringing') {
      call.incoming.reject(480, { reason: 'Temporarily Unavailable' });
    }
    this.end(call, reason);
    if (dialog && dialog.state !== 'terminated') await dialog.bye().catch(() => undefined);
  }

  /**
   * Transfers a call (RFC 3515 REFER; `attended`: with Replaces after a consultation call,
   * RFC 3891). Resolves true when the transfer went through (we left the call), false when
   * it failed and the call goes on. Throws `CallRequestError` when an attended transfer's
   * consultation call cannot be placed.
   */
  async transfer(call: Call, target: string, mode: TransferMode = 'blind'): Promise<boolean> {
    return mode === 'attended'
      ? attendedTransfer(this.host, call, target)
      : blindTransfer(this.host, call, target);
  }

  /**
   * Places an outbound call (`POST /calls`): validates the request at once (throws
   * `CallRequestError`), then dials in the background; progress shows in `get(id)`.
   */
  placeCall(req: PlaceCallRequest): Call {
    return placeCall(this.host, req);
  }

  private account(name: string): AccountConfig | undefined {
    return this.deps.config().sip.accounts.find((a) => a.name === name);
  }

  private newCall(parties: Call['parties'], account: AccountConfig): Call {
    const id = `c${(++callSeq).toString(36)}-${Date.now().toString(36)}`;
    const log = this.deps.logger.child({ call: id, callId: parties.callId, account: account.name });
    const call = new Call(id, parties, account.name, log);
    this.calls.set(id, call);
    this.deps.metrics.activeCalls.inc({ provider: 'sip', account: account.name });
    return call;
  }

  /** RTP/RTCP ports for the call, or undefined (logged and counted) when the range is exhausted. */
  private async allocatePorts(call: Call): Promise<PortAllocation | undefined> {
    try {
      const alloc = await this.deps.ports.allocate();
      if (call.ended) {
        // CANCEL, BYE or DELETE /calls while the sockets were binding: end() found nothing
        // to release, so release here (else INVITE+CANCEL pairs would drain the port range).
        alloc.release();
        return undefined;
      }
      call.releasePorts = alloc.release;
      return alloc;
    } catch (err) {
      call.log.error(
        { err, inUse: this.deps.ports.inUse },
        `no RTP port available: ${(err as Error).message}`,
      );
      this.deps.metrics.errorsTotal.inc({ error_type: 'rtp_ports', account: call.account });
      return undefined;
    }
  }

  /** Releases everything the call holds and counts it. Idempotent. */
  private end(call: Call, reason: CallEndReason): void {
    if (call.ended) return;
    const wasActive = call.state === 'active';
    call.markEnded(reason);
    call.stopTicker?.();
    call.app?.stop();
    if (call.session) {
      const stats = call.session.stats();
      call.log.info({ reason, stats }, `call ended: ${reason}`);
      call.session.close();
      if (wasActive) this.observeMedia(call.account, stats);
      finishRecording(call, reason, stats, this.deps.metrics, this.closingRecordings);
    } else call.log.info({ reason, sipStatus: call.sipStatus }, `call ended: ${reason}`);
    call.releasePorts?.();
    this.calls.delete(call.id);
    this.recent.set(call.id, call);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
    const m = this.deps.metrics;
    const direction = call.parties.direction;
    m.activeCalls.dec({ provider: 'sip', account: call.account });
    m.callsTotal.inc({
      provider: 'sip',
      status: outcome(wasActive, reason, call.sipStatus),
      account: call.account,
      direction,
    });
    if (wasActive && call.answeredAt && call.endedAt)
      m.callDuration.observe(
        { provider: 'sip', account: call.account, direction },
        (call.endedAt - call.answeredAt) / 1000,
      );
  }

  private observeMedia(
    account: string,
    stats: { lost: number; jitterMs: number; mos: number; packetsReceived: number },
  ): void {
    const m = this.deps.metrics;
    if (stats.lost > 0) m.rtpPacketsLost.inc({ account }, stats.lost);
    if (stats.packetsReceived === 0) return; // nothing received: jitter and MOS say nothing
    m.rtpJitter.observe({ account }, stats.jitterMs / 1000);
    m.rtpMos.observe({ account }, stats.mos);
  }
}
