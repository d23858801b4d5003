/**
 * Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
 *
 * ```
 *                      |Request from TU / send request; Timer E (unreliable), Timer F
 *                      V
 *  Timer E    +-----------+
 *  send req   |           |-------+ Timer F / inform TU (408)
 *  +--------->|  Trying   |-----+ | Transport err / inform TU (503)
 *  +----------|           |     | |
 *             +-----------+     | |
 *       1xx /   |      200-699 / resp to TU
 *   resp to TU  |      |       | |
 *               V      |       | |
 *  Timer E    +-----------+    | |
 *  send req   |           |----+-+ Timer F / Transport err
 *  +--------->| Proceeding|    | |
 *  +----------|           |    | |
 *  1xx        +-----------+    | |
 *                 | 200-699    | |
 *                 V            | |
 *             +-----------+<---+ |
 *             | Completed | Timer K (T4 unreliable, 0 reliable)
 *             +-----------+      |
 *                 |              |
 *                 V              |
 *             +-----------+<-----+
 *             | Terminated|
 *             +-----------+
 * ```
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import type { ClientTransactionUser, TransactionDeps } from './transaction.js';
import { TimerSlot, assertTransition } from './transaction.js';
import { syntheticResponse } from './synthetic-response.js';
import { backoff, timerE, timerF, timerK } from './timers.js';

/** States of the non-INVITE client transaction. */
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const TRANSITIONS: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** RFC 3261 §17.1.2 non-INVITE client transaction. */
export class NonInviteClientTransaction {
  private stateValue: NonInviteClientState = 'trying';
  private readonly timerE: TimerSlot;
  private readonly timerF: TimerSlot;
  private readonly timerK: TimerSlot;
  private intervalMs: number;

  /**
   * @param key Transaction key (branch + method) used by the layer.
   * @param request The request as sent (with its top Via).
   * @param bytes Its serialization, retransmitted as is.
   */
  constructor(
    readonly key: string,
    readonly request: SipRequest,
    private readonly bytes: Buffer,
    private readonly deps: TransactionDeps,
    private readonly user: ClientTransactionUser,
  ) {
    this.timerE = new TimerSlot(deps.clock);
    this.timerF = new TimerSlot(deps.clock);
    this.timerK = new TimerSlot(deps.clock);
    this.intervalMs = timerE(deps.timers);
  }

  /** Current state. */
  get state(): NonInviteClientState {
    return this.stateValue;
  }

  /** Send the request and arm Timers E (unreliable only) and F. */
  start(): void {
    this.transmit();
    // RFC 3261 §17.1.2.2: Timer E only for unreliable transports; Timer F always.
    if (!this.deps.reliable) this.timerE.set(() => this.onTimerE(), this.intervalMs);
    this.timerF.set(() => this.onTimerF(), timerF(this.deps.timers));
  }

  /** A response matched to this transaction (RFC 3261 §17.1.3). */
  receiveResponse(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'completed' || s === 'terminated') return; // absorbed
    if (res.status < 200) {
      // RFC 3261 §17.1.2.2: 1xx in Trying -> Proceeding.
      if (s === 'trying') this.transition('proceeding');
      this.user.onResponse(res);
      return;
    }
    // RFC 3261 §17.1.2.2: final response -> Completed, Timer K.
    this.transition('completed');
    this.timerE.clear();
    this.timerF.clear();
    this.user.onResponse(res);
    this.timerK.set(() => this.terminate(), timerK(this.deps.timers, this.deps.reliable));
  }

  /** A transport error on send (RFC 3261 §17.1.4): 503 to the TU, Terminated. */
  transportError(): void {
    if (this.stateValue !== 'trying' && this.stateValue !== 'proceeding') return;
    this.user.onResponse(syntheticResponse(this.request, 503, 'Service Unavailable'), 'transport');
    this.terminate();
  }

  /** Stop all timers and move to Terminated (idempotent). */
  terminate(): void {
    if (this.stateValue === 'terminated') return;
    this.transition('terminated');
    this.timerE.clear();
    this.timerF.clear();
    this.timerK.clear();
    this.deps.onTerminated(this);
  }

  private transmit(): void {
    this.deps.send(this.bytes).catch(() => this.transportError());
  }

  private onTimerE(): void {
    if (this.stateValue !== 'trying' && this.stateValue !== 'proceeding') return;
    this.transmit();
    // RFC 3261 §17.1.2.2: Trying doubles up to T2; Proceeding retransmits every T2.
    this.intervalMs =
      this.stateValue === 'trying' ? backoff(this.intervalMs, this.deps.timers.t2Ms) : this.deps.timers.t2Ms;
    this.timerE.set(() => this.onTimerE(), this.intervalMs);
  }

  private onTimerF(): void {
    if (this.stateValue !== 'trying' && this.stateValue !== 'proceeding') return;
    // RFC 3261 §17.1.2.2: Timer F -> inform TU of the timeout (408, §8.1.3.1).
    this.user.onResponse(syntheticResponse(this.request, 408, 'Request Timeout'), 'timeout');
    this.terminate();
  }

  private transition(to: NonInviteClientState): void {
    assertTransition(TRANSITIONS, 'non-INVITE client transaction', this.stateValue, to);
    this.stateValue = to;
  }
}
