/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).
 *
 * ```
 *                       |Request received / pass to TU
 *                       V
 *                 +-----------+
 *                 |  Trying   |-------------+
 *                 +-----------+             |
 *         1xx from TU / send    200-699 from TU / send
 *                       V                   |
 *  Request      +-----------+               |
 *  send resp    | Proceeding|--------------+|
 *  +----------->+-----------+ 200-699 from TU / send
 *                                           V
 *  Request      +-----------+<--------------+
 *  send resp    | Completed | Timer J (64*T1 unreliable, 0 reliable)
 *  +----------->+-----------+ ----> Terminated
 *               Transport err / inform TU -> Terminated
 * ```
 */
import type { SipRequest, SipResponse } from '../message/types.js';
import { serializeMessage } from '../message/serialize.js';
import type { ServerTransaction, ServerTransactionUser, TransactionDeps } from './transaction.js';
import { TimerSlot, assertTransition, ownBytes, slimRequest } from './transaction.js';
import { timerJ } from './timers.js';

/** States of the non-INVITE server transaction. */
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

const TRANSITIONS: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  trying: ['proceeding', 'completed', 'terminated'],
  proceeding: ['completed', 'terminated'],
  completed: ['terminated'],
  terminated: [],
};

/** RFC 3261 §17.2.2 non-INVITE server transaction. */
export class NonInviteServerTransaction implements ServerTransaction {
  private stateValue: NonInviteServerState = 'trying';
  private req: SipRequest;
  private lastBytes: Buffer | undefined;
  private readonly timerJ: TimerSlot;
  /** Optional observer of failures. */
  user: ServerTransactionUser | undefined;

  constructor(
    readonly key: string,
    request: SipRequest,
    private readonly deps: TransactionDeps,
  ) {
    this.req = request;
    this.timerJ = new TimerSlot(deps.clock);
  }

  /**
   * The request. After the final response only what a response needs is kept (see
   * {@link slimRequest}): the transaction lives on for 64*T1 to absorb retransmissions.
   */
  get request(): SipRequest {
    return this.req;
  }

  /** Current state. */
  get state(): NonInviteServerState {
    return this.stateValue;
  }

  get finalSent(): boolean {
    return this.stateValue === 'completed' || this.stateValue === 'terminated';
  }

  /** A retransmission of the request (RFC 3261 §17.2.2): resend the last response, if any. */
  receiveRequest(): void {
    if ((this.stateValue === 'proceeding' || this.stateValue === 'completed') && this.lastBytes) {
      this.transmit(this.lastBytes);
    }
  }

  /** Send a response from the TU. Responses after the final one are ignored. */
  respond(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'completed' || s === 'terminated') return;
    this.lastBytes = serializeMessage(res);
    if (res.status < 200) {
      if (s === 'trying') this.transition('proceeding');
      this.transmit(this.lastBytes);
      return;
    }
    // RFC 3261 §17.2.2: final response -> Completed, Timer J.
    this.transition('completed');
    this.req = slimRequest(this.req);
    this.transmit(this.lastBytes);
    // Kept for Timer J (64*T1 on UDP) to answer retransmissions: in a buffer of its own, as
    // a small pooled Buffer would keep its whole 8 KB allocation pool alive that long.
    if (!this.deps.reliable) this.lastBytes = ownBytes(this.lastBytes);
    this.timerJ.set(() => this.terminate(), timerJ(this.deps.timers, this.deps.reliable));
  }

  /** Stop timers and move to Terminated (idempotent). */
  terminate(): void {
    if (this.stateValue === 'terminated') return;
    this.transition('terminated');
    this.timerJ.clear();
    this.deps.onTerminated(this);
  }

  private transmit(bytes: Buffer): void {
    this.deps.send(bytes).catch((err: unknown) => {
      // RFC 3261 §17.2.4: transport failure -> Terminated, inform the TU.
      if (this.stateValue === 'terminated') return;
      this.terminate();
      this.user?.onTransportError?.(err as Error);
    });
  }

  private transition(to: NonInviteServerState): void {
    assertTransition(TRANSITIONS, 'non-INVITE server transaction', this.stateValue, to);
    this.stateValue = to;
  }
}
