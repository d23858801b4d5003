/**
 * Shared shapes of the four transaction state machines (RFC 3261 §17): their
 * dependencies, their users (the TU, §17), and the state-table helper.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { TimerConfig } from './timers.js';
import { ownString } from './transaction-keys.js';

/** What a transaction needs from its layer: time, timer values, and a way to send. */
export interface TransactionDeps {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /** True over TCP/TLS: no retransmissions, Timers D/I/J/K are 0 (RFC 3261 §17). */
  readonly reliable: boolean;
  /** Send serialized bytes to the transaction's fixed destination; rejects on a transport error. */
  send(bytes: Buffer): Promise<void>;
  /** Called once when the transaction reaches Terminated (the layer forgets it). */
  onTerminated(tx: { readonly key: string }): void;
}

/** Why a client transaction produced a synthetic final response. */
export type SyntheticCause = 'timeout' | 'transport';

/** The transaction user of a client transaction (UAC core, dialog, registration). */
export interface ClientTransactionUser {
  /**
   * Every response passed up: provisional, final, 2xx retransmissions in Accepted
   * (RFC 6026), and synthetic 408 on timeout / 503 on transport error (RFC 3261 §8.1.3.1),
   * in which case `synthetic` says why.
   */
  onResponse(res: SipResponse, synthetic?: SyntheticCause): void;
}

/** Notified when a server transaction fails (no ACK: Timer H; transport error). */
export interface ServerTransactionUser {
  onTimeout?(): void;
  onTransportError?(err: Error): void;
}

/** Raised on an illegal state transition: a bug in the stack, never caused by input. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

/** Check `from -> to` against a transition table (ARCHITECTURE.md habit 4). */
export function assertTransition<S extends string>(
  table: Readonly<Record<S, readonly S[]>>,
  machine: string,
  from: S,
  to: S,
): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(`${machine}: ${from} -> ${to}`);
}

/** A single named timer slot that replaces its previous handle. */
export class TimerSlot {
  private handle: TimerHandle | undefined;
  constructor(private readonly clock: Clock) {}

  /** (Re)arm the slot. */
  set(fn: () => void, delayMs: number): void {
    this.clear();
    this.handle = this.clock.setTimer(() => {
      this.handle = undefined;
      fn();
    }, delayMs);
  }

  /** Disarm the slot (no-op when idle). */
  clear(): void {
    if (this.handle !== undefined) {
      this.clock.clearTimer(this.handle);
      this.handle = undefined;
    }
  }

  /** True while armed. */
  get armed(): boolean {
    return this.handle !== undefined;
  }
}

/** Either server transaction, as handed to the TU. */
export interface ServerTransaction {
  readonly key: string;
  readonly request: SipRequest;
  /** Send a response (the transaction retransmits finals as its state machine requires). */
  respond(res: SipResponse): void;
  /** True once a final response was sent. */
  readonly finalSent: boolean;
}

/** The headers a response copies from its request (RFC 3261 §8.2.6.2). */
const RESPONSE_HEADERS = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
const NO_BODY = Buffer.alloc(0);

/**
 * The request reduced to what building a response needs (Via, From, To, Call-ID, CSeq;
 * no body): what a server transaction keeps after its final response, while it lives on
 * for up to 64*T1 to absorb retransmissions (RFC 3261 §17.2, RFC 6026 Timer L). At
 * thousands of calls per second, keeping every parsed INVITE and BYE for 32 s held
 * hundreds of megabytes and made every young-generation GC copy them.
 */
export function slimRequest(req: SipRequest): SipRequest {
  return {
    kind: 'request',
    method: req.method,
    uri: ownString(req.uri),
    version: req.version,
    headers: req.headers
      .filter((h) => RESPONSE_HEADERS.has(h.name))
      .map((h) => ({ name: h.name, value: ownString(h.value) })),
    body: NO_BODY,
  };
}

/** A copy of `b` in memory of its own (not a slice of a shared allocation pool). */
export function ownBytes(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
}
