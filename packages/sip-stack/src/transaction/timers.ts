/**
 * Transaction timer values (RFC 3261 §17 Table 4, RFC 6026 §8.4), derived per instance
 * from T1/T2/T4; never module globals (ARCHITECTURE.md habit 3).
 */

/** Base timer configuration. */
export interface TimerConfig {
  /** RTT estimate. Default 500 ms (RFC 3261 §17.1.1.1). */
  readonly t1Ms: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses. Default 4000 ms. */
  readonly t2Ms: number;
  /** Maximum time a message remains in the network. Default 5000 ms. */
  readonly t4Ms: number;
}

/** Default T1/T2/T4: 500 ms, 4 s, 5 s. */
export const DEFAULT_TIMERS: TimerConfig = Object.freeze({ t1Ms: 500, t2Ms: 4000, t4Ms: 5000 });

/** Resolve a partial config against the defaults (frozen). */
export function resolveTimers(partial: Partial<TimerConfig> = {}): TimerConfig {
  return Object.freeze({
    t1Ms: partial.t1Ms ?? DEFAULT_TIMERS.t1Ms,
    t2Ms: partial.t2Ms ?? DEFAULT_TIMERS.t2Ms,
    t4Ms: partial.t4Ms ?? DEFAULT_TIMERS.t4Ms,
  });
}

/**
 * How long an INVITE server transaction waits for the TU's own response before sending
 * 100 (Trying) (RFC 3261 §17.2.1: not needed when the TU responds within 200 ms): T1/5,
 * at most 100 ms, so the 100 is out before the client's first retransmission (Timer A =
 * T1) and well within the 200 ms of the RFC.
 */
export const tryingDelay = (c: TimerConfig): number => Math.min(100, Math.floor(c.t1Ms / 5));
/** Timer A initial value: T1 (INVITE request retransmit, unreliable only). */
export const timerA = (c: TimerConfig): number => c.t1Ms;
/** Timer B: 64*T1 (INVITE transaction timeout). */
export const timerB = (c: TimerConfig): number => 64 * c.t1Ms;
/** Timer D: > 32 s for unreliable transports, 0 for reliable (wait for response retransmits). */
export const timerD = (_c: TimerConfig, reliable: boolean): number => (reliable ? 0 : 32_000);
/** Timer E initial value: T1 (non-INVITE request retransmit, unreliable only). */
export const timerE = (c: TimerConfig): number => c.t1Ms;
/** Timer F: 64*T1 (non-INVITE transaction timeout). */
export const timerF = (c: TimerConfig): number => 64 * c.t1Ms;
/** Timer G initial value: T1 (INVITE final response retransmit, unreliable only). */
export const timerG = (c: TimerConfig): number => c.t1Ms;
/** Timer H: 64*T1 (wait time for ACK receipt). */
export const timerH = (c: TimerConfig): number => 64 * c.t1Ms;
/** Timer I: T4 for unreliable, 0 for reliable (wait time for ACK retransmits). */
export const timerI = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : c.t4Ms);
/** Timer J: 64*T1 for unreliable, 0 for reliable (wait time for non-INVITE request retransmits). */
export const timerJ = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : 64 * c.t1Ms);
/** Timer K: T4 for unreliable, 0 for reliable (wait time for response retransmits). */
export const timerK = (c: TimerConfig, reliable: boolean): number => (reliable ? 0 : c.t4Ms);
/** Timer L (RFC 6026): 64*T1, wait time for accepted 2xx/ACK retransmits at the server. */
export const timerL = (c: TimerConfig): number => 64 * c.t1Ms;
/** Timer M (RFC 6026): 64*T1, wait time for retransmitted 2xx at the client. */
export const timerM = (c: TimerConfig): number => 64 * c.t1Ms;

/** Next retransmit interval: double, capped at `capMs` (RFC 3261 §17.1.2.2 / §17.2.1). */
export function backoff(currentMs: number, capMs: number): number {
  return Math.min(currentMs * 2, capMs);
}
