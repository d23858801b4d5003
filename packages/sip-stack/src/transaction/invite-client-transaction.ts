/**
 * INVITE client transaction (RFC 3261 §17.1.1, Figure 5, as updated by RFC 6026 §7.2
 * with the Accepted state).
 *
 * ```
 *                     |INVITE from TU / send INVITE; Timer A (unreliable), Timer B
 *                     V
 *   Timer A   +-----------+
 *   send req  |           |-------> Timer B / 408 to TU ; Transport err / 503 to TU
 *   +-------->|  Calling  |-------------------+
 *   +---------|           |--------+          | 2xx / 2xx to TU
 *             +-----------+        |          |
 *       1xx /      |  300-699 / ACK, resp to TU
 *     1xx to TU    |               |          |
 *                  V               |          |
 *  1xx to TU  +-----------+        |          |
 *  +----------|           |--------+----------+ 2xx / 2xx to TU
 *  +--------->| Proceeding|        |          |
 *             +-----------+        |          V
 *     300-699 / ACK, resp to TU    |    +-----------+  2xx / 2xx to TU
 *                  |               |    |  Accepted |<----------+
 *                  V               V    +-----------+
 *   300-699   +-----------+              | Timer M (64*T1)
 *   send ACK  | Completed |              |
 *   +---------|           | Timer D      |
 *   +-------->+-----------+ (32 s / 0)   |
 *                  V                     V
 *             +-----------------------------+
 *             |         Terminated          |
 *             +-----------------------------+
 * ```
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import type { ClientTransactionUser, TransactionDeps } from './transaction.js';
import { TimerSlot, assertTransition } from './transaction.js';
import { syntheticResponse } from './synthetic-response.js';
import { serializeMessage } from '../message/serialize.js';
import { timerA, timerB, timerD, timerM } from './timers.js';

/** States of the INVITE client transaction (RFC 6026 adds Accepted). */
export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

const TRANSITIONS: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  calling: ['proceeding', 'completed', 'accepted', 'terminated'],
  proceeding: ['completed', 'accepted', 'terminated'],
  completed: ['terminated'],
  accepted: ['terminated'],
  terminated: [],
};

/** RFC 3261 §17.1.1 / RFC 6026 INVITE client transaction. */
export class InviteClientTransaction {
  private stateValue: InviteClientState = 'calling';
  private readonly timerA: TimerSlot;
  private readonly timerB: TimerSlot;
  private readonly timerD: TimerSlot;
  private readonly timerM: TimerSlot;
  private intervalMs: number;
  private ackBytes: Buffer | undefined;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    private readonly bytes: Buffer,
    private readonly deps: TransactionDeps,
    private readonly user: ClientTransactionUser,
  ) {
    const clock = deps.clock;
    this.timerA = new TimerSlot(clock);
    this.timerB = new TimerSlot(clock);
    this.timerD = new TimerSlot(clock);
    this.timerM = new TimerSlot(clock);
    this.intervalMs = timerA(deps.timers);
  }

  /** Current state. */
  get state(): InviteClientState {
    return this.stateValue;
  }

  /** Send the INVITE; arm Timer A (unreliable only) and Timer B (RFC 3261 §17.1.1.2). */
  start(): void {
    this.transmit(this.bytes);
    if (!this.deps.reliable) this.timerA.set(() => this.onTimerA(), this.intervalMs);
    this.timerB.set(() => this.onTimerB(), timerB(this.deps.timers));
  }

  /** A response matched to this transaction (RFC 3261 §17.1.3). */
  receiveResponse(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'terminated') return;
    if (res.status < 200) {
      if (s === 'calling') {
        // RFC 3261 §17.1.1.2: 1xx in Calling -> Proceeding, stop retransmitting.
        this.transition('proceeding');
        this.timerA.clear();
        this.timerB.clear();
      }
      if (s === 'calling' || s === 'proceeding') this.user.onResponse(res);
      return;
    }
    if (res.status < 300) return this.onSuccess(res);
    return this.onFailure(res);
  }

  /** Transport error (RFC 3261 §17.1.1.2): 503 to the TU, Terminated. */
  transportError(): void {
    if (this.stateValue !== 'calling' && this.stateValue !== 'proceeding') return;
    this.user.onResponse(syntheticResponse(this.request, 503, 'Service Unavailable'), 'transport');
    this.terminate();
  }

  /** Stop all timers and move to Terminated (idempotent). */
  terminate(): void {
    if (this.stateValue === 'terminated') return;
    this.transition('terminated');
    this.timerA.clear();
    this.timerB.clear();
    this.timerD.clear();
    this.timerM.clear();
    this.deps.onTerminated(this);
  }

  private onSuccess(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'calling' || s === 'proceeding') {
      // RFC 6026 §8.4: 2xx in Calling/Proceeding -> Accepted, Timer M; the TU sends the ACK.
      this.transition('accepted');
      this.timerA.clear();
      this.timerB.clear();
      this.timerM.set(() => this.terminate(), timerM(this.deps.timers));
      this.user.onResponse(res);
    } else if (s === 'accepted') {
      // RFC 6026 §8.4: 2xx retransmissions in Accepted go to the TU (it re-sends the ACK).
      this.user.onResponse(res);
    }
  }

  private onFailure(res: SipResponse): void {
    const s = this.stateValue;
    if (s === 'calling' || s === 'proceeding') {
      // RFC 3261 §17.1.1.2: 300-699 -> Completed, send ACK, Timer D.
      this.transition('completed');
      this.timerA.clear();
      this.timerB.clear();
      this.ackBytes = serializeMessage(buildNon2xxAck(this.request, res));
      this.transmit(this.ackBytes);
      this.timerD.set(() => this.terminate(), timerD(this.deps.timers, this.deps.reliable));
      this.user.onResponse(res);
    } else if (s === 'completed' && this.ackBytes) {
      // RFC 3261 §17.1.1.2: retransmitted final response -> re-send the ACK, not to the TU.
      this.transmit(this.ackBytes);
    }
  }

  private transmit(bytes: Buffer): void {
    this.deps.send(bytes).catch(() => this.transportError());
  }

  private onTimerA(): void {
    if (this.stateValue !== 'calling') return;
    this.transmit(this.bytes);
    // RFC 3261 §17.1.1.2: Timer A doubles each time (no T2 cap for INVITE requests).
    this.intervalMs *= 2;
    this.timerA.set(() => this.onTimerA(), this.intervalMs);
  }

  private onTimerB(): void {
    if (this.stateValue !== 'calling') return;
    // RFC 3261 §17.1.1.2: Timer B in Calling -> 408 to the TU (§8.1.3.1).
    this.user.onResponse(syntheticResponse(this.request, 408, 'Request Timeout'), 'timeout');
    this.terminate();
  }

  private transition(to: InviteClientState): void {
    assertTransition(TRANSITIONS, 'INVITE client transaction', this.stateValue, to);
    this.stateValue = to;
  }
}

/**
 * The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID,
 * From, CSeq number and top Via as the INVITE, To from the response, Route headers copied.
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  const headers: SipHeader[] = [];
  let viaDone = false;
  for (const h of invite.headers) {
    switch (h.name) {
      case 'Via':
        if (!viaDone) headers.push({ name: 'Via', value: firstListElement(h.value) });
        viaDone = true;
        break;
      case 'From':
      case 'Call-ID':
      case 'Route':
      case 'Max-Forwards':
        headers.push(h);
        break;
      case 'CSeq':
        headers.push({ name: 'CSeq', value: `${parseInt(h.value, 10)} ACK` });
        break;
      case 'To': {
        const to = res.headers.find((r) => r.name === 'To');
        headers.push(to ?? h);
        break;
      }
    }
  }
  headers.push({ name: 'Content-Length', value: '0' });
  return {
    kind: 'request',
    method: 'ACK',
    uri: invite.uri,
    version: 'SIP/2.0',
    headers,
    body: Buffer.alloc(0),
  };
}

function firstListElement(value: string): string {
  const comma = value.indexOf(',');
  return comma < 0 ? value : value.slice(0, comma).trim();
}
