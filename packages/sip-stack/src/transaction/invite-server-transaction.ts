/**
 * INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as updated by RFC 6026 §7.1
 * with the Accepted state).
 *
 * ```
 *                        |INVITE / pass to TU (100 Trying if the TU is not quick: sendTryingAfter)
 *     INVITE             V
 *     send last 1xx +-----------+
 *     +------------>| Proceeding|----------------------+
 *                   +-----------+ 2xx from TU / send   |
 *   1xx from TU / send   |                             V
 *                        | 300-699 from TU      +-----------+ 2xx from TU / send
 *                        | send; Timer G, H     |  Accepted |<-----------+
 *                        V                      +-----------+ ACK / to TU
 *     INVITE        +-----------+                     | Timer L (64*T1)
 *     send resp     | Completed |-- Timer H / inform TU, Terminated
 *     Timer G: send +-----------+                     |
 *                        | ACK                        |
 *                        V                            |
 *                   +-----------+                     |
 *                   | Confirmed | Timer I (T4 / 0)    |
 *                   +-----------+                     |
 *                        V                            V
 *                   +-------------------------------------+
 *                   |              Terminated             |
 *                   +-------------------------------------+
 * ```
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import { serializeMessage } from '../message/serialize.js';
import type { ServerTransaction, ServerTransactionUser, TransactionDeps } from './transaction.js';
import { TimerSlot, assertTransition, slimRequest } from './transaction.js';
import { backoff, timerG, timerH, timerI, timerL } from './timers.js';

/** States of the INVITE server transaction (RFC 6026 adds Accepted). */
export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

const TRANSITIONS: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['confirmed', 'terminated'],
  confirmed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

/** What `lastBytes` holds in Accepted: something was sent, nothing is resent. */
const ACCEPTED = Buffer.alloc(0);

/** RFC 3261 §17.2.1 / RFC 6026 INVITE server transaction. */
export class InviteServerTransaction implements ServerTransaction {
  private stateValue: InviteServerState = 'proceeding';
  private req: SipRequest;
  private lastBytes: Buffer | undefined;
  private intervalMs: number;
  private readonly timerG: TimerSlot;
  private readonly timerH: TimerSlot;
  private readonly timerI: TimerSlot;
  private readonly timerL: TimerSlot;
  private readonly timerTrying: TimerSlot;
  /** Sends the deferred 100 Trying now (set while it waits for `timerTrying`). */
  private pendingTrying: (() => void) | undefined;
  /** Final status sent, once sent. */
  finalStatus: number | undefined;
  /** Optional observer of failures (Timer H, transport errors). */
  user: ServerTransactionUser | undefined;

  constructor(
    readonly key: string,
    request: SipRequest,
    private readonly deps: TransactionDeps,
  ) {
    this.req = request;
    this.timerG = new TimerSlot(deps.clock);
    this.timerH = new TimerSlot(deps.clock);
    this.timerI = new TimerSlot(deps.clock);
    this.timerL = new TimerSlot(deps.clock);
    this.timerTrying = new TimerSlot(deps.clock);
    this.intervalMs = timerG(deps.timers);
  }

  /**
   * The request. After the final response only what a response needs is kept (see
   * {@link slimRequest}): the transaction lives on for 64*T1 to absorb retransmissions.
   */
  get request(): SipRequest {
    return this.req;
  }

  /** Current state. */
  get state(): InviteServerState {
    return this.stateValue;
  }

  get finalSent(): boolean {
    return this.finalStatus !== undefined;
  }

  /** True once any response (provisional or final) was sent. */
  get responded(): boolean {
    return this.lastBytes !== undefined;
  }

  /**
   * RFC 3261 §17.2.1: the server transaction sends 100 (Trying) "unless it knows that the
   * TU will generate a provisional or final response within 200 ms". We let the TU have
   * `delayMs` (below 200 ms and below T1, so the INVITE's first retransmission already
   * finds it) and build and send the 100 only if it has not responded by then: a call answered at
   * once costs one datagram less. `delayMs` 0 sends it now.
   */
  sendTryingAfter(delayMs: number, trying: () => SipResponse | undefined): void {
    if (this.responded || this.stateValue !== 'proceeding') return;
    const send = (): void => {
      this.pendingTrying = undefined;
      if (this.responded || this.stateValue !== 'proceeding') return;
      const res = trying();
      if (res) this.respond(res);
    };
    if (delayMs <= 0) return send();
    this.pendingTrying = send;
    this.timerTrying.set(send, delayMs);
  }

  /**
   * A retransmitted INVITE: resend the last response in Proceeding/Completed
   * (RFC 3261 §17.2.1); absorbed in Accepted (RFC 6026 §7.1: the TU retransmits 2xx).
   */
  receiveRequest(): void {
    const s = this.stateValue;
    if ((s === 'proceeding' || s === 'completed') && this.lastBytes) this.transmit(this.lastBytes);
    // The client retransmitted before our deferred 100 went out (a short T1, or a busy
    // event loop): send it now rather than let the retransmission go unanswered.
    else if (s === 'proceeding' && this.pendingTrying) this.pendingTrying();
  }

  /**
   * An ACK matched to this transaction. Returns true when it was absorbed (ACK for a
   * non-2xx, RFC 3261 §17.2.1) and false when the TU must see it (Accepted, RFC 6026).
   */
  receiveAck(): boolean {
    const s = this.stateValue;
    if (s === 'completed') {
      // RFC 3261 §17.2.1: ACK in Completed -> Confirmed, stop G, Timer I.
      this.transition('confirmed');
      this.timerG.clear();
      this.timerH.clear();
      this.timerI.set(() => this.terminate(), timerI(this.deps.timers, this.deps.reliable));
      return true;
    }
    return s !== 'accepted';
  }

  /** Send a response from the TU (2xx retransmissions by the TU are allowed in Accepted). */
  respond(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'accepted' && res.status >= 200 && res.status < 300) {
      this.transmit(serializeMessage(res)); // RFC 6026 §7.1: 2xx from TU in Accepted -> send
      return;
    }
    if (s !== 'proceeding') return;
    this.timerTrying.clear();
    this.pendingTrying = undefined;
    this.lastBytes = serializeMessage(res);
    this.transmit(this.lastBytes);
    if (res.status < 200) return;
    this.finalStatus = res.status;
    this.req = slimRequest(this.req);
    if (res.status < 300) {
      // RFC 6026 §7.1: 2xx -> Accepted, Timer L.
      this.transition('accepted');
      // Nothing in Accepted reports to the TU (no Timer H; transport errors are ignored),
      // so let go of it: a call shorter than Timer L (64*T1) is not kept alive by it. The
      // 2xx's bytes are not needed either: the TU retransmits the 2xx (RFC 6026 §7.1).
      this.user = undefined;
      this.lastBytes = ACCEPTED;
      this.timerL.set(() => this.terminate(), timerL(this.deps.timers));
      return;
    }
    // RFC 3261 §17.2.1: 300-699 -> Completed, Timer G (unreliable) and Timer H.
    this.transition('completed');
    if (!this.deps.reliable) this.timerG.set(() => this.onTimerG(), this.intervalMs);
    this.timerH.set(() => this.onTimerH(), timerH(this.deps.timers));
  }

  /** Stop all timers and move to Terminated (idempotent). */
  terminate(): void {
    if (this.stateValue === 'terminated') return;
    this.transition('terminated');
    this.timerTrying.clear();
    this.timerG.clear();
    this.timerH.clear();
    this.timerI.clear();
    this.timerL.clear();
    this.deps.onTerminated(this);
  }

  private onTimerG(): void {
    if (this.stateValue !== 'completed' || !this.lastBytes) return;
    this.transmit(this.lastBytes);
    // RFC 3261 §17.2.1: Timer G doubles up to T2.
    this.intervalMs = backoff(this.intervalMs, this.deps.timers.t2Ms);
    this.timerG.set(() => this.onTimerG(), this.intervalMs);
  }

  private onTimerH(): void {
    if (this.stateValue !== 'completed') return;
    // RFC 3261 §17.2.1: Timer H -> Terminated, inform the TU that no ACK arrived.
    this.terminate();
    this.user?.onTimeout?.();
  }

  private transmit(bytes: Buffer): void {
    this.deps.send(bytes).catch((err: unknown) => {
      // RFC 3261 §17.2.4 / RFC 6026: transport failure -> Terminated, inform the TU.
      if (this.stateValue === 'terminated' || this.stateValue === 'accepted') return;
      this.terminate();
      this.user?.onTransportError?.(err as Error);
    });
  }

  private transition(to: InviteServerState): void {
    assertTransition(TRANSITIONS, 'INVITE server transaction', this.stateValue, to);
    this.stateValue = to;
  }
}
