/**
 * UAS side of RFC 3262 (reliable provisional responses, option tag `100rel`): RSeq
 * numbering, retransmission with T1 doubling until the PRACK, the 64*T1 give-up, one
 * outstanding reliable provisional at a time, and RAck matching for PRACK.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { getHeader, getHeaders } from '../message/headers.js';
import type { TimerConfig } from '../transaction/timers.js';

/** The option tag of RFC 3262 (§8.1). */
export const OPTION_100REL = '100rel';

/** The option tags we support as a UAS: the configured ones plus `100rel` (RFC 3262 §3). */
export function uasSupported(configured: readonly string[]): string[] {
  return [...new Set([...configured, OPTION_100REL])];
}

/** True when `tag` is listed in the request's `name` header (Require/Supported), case-insensitively. */
export function hasOptionTag(req: SipRequest, name: 'Require' | 'Supported', tag: string): boolean {
  return getHeaders(req, name).some((t) => t.trim().toLowerCase() === tag);
}

/**
 * Whether a 180/183 must (or, by our policy, should) be sent reliably (RFC 3262 §3):
 * always when the INVITE has `Require: 100rel`; with only `Supported: 100rel`, only for a
 * provisional response that carries a body (early media SDP), since that is the case
 * where losing it matters; a bodiless 180 then stays unreliable.
 */
export function wantsReliable(invite: SipRequest, hasBody: boolean): boolean {
  if (hasOptionTag(invite, 'Require', OPTION_100REL)) return true;
  return hasBody && hasOptionTag(invite, 'Supported', OPTION_100REL);
}

/** Parsed RAck header (RFC 3262 §7.2): `response-num CSeq-num Method`. */
export function parseRAck(
  value: string | undefined,
): { rseq: number; cseq: number; method: string } | undefined {
  const m = /^\s*(\d{1,10})\s+(\d{1,10})\s+([A-Za-z]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  return { rseq: Number(m[1]), cseq: Number(m[2]), method: m[3]! };
}

/** What the tracker needs from its call. */
export interface ReliableProvisionalsDeps {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /** Whether the transport is unreliable (UDP): only then are responses retransmitted (§3). */
  readonly unreliable: boolean;
  /** The INVITE's CSeq number (RAck must name it, §7.2). */
  readonly inviteCSeq: number;
  /** Hand a response to the INVITE server transaction. */
  send(res: SipResponse): void;
  /** 64*T1 passed without a PRACK (§3): the call rejects the INVITE with a 5xx. */
  onTimeout(): void;
}

interface Outstanding {
  readonly rseq: number;
  readonly res: SipResponse;
  interval: number;
  retransmit?: TimerHandle;
  giveUp?: TimerHandle;
}

/**
 * Reliable provisional responses of one INVITE server transaction (RFC 3262 §3).
 * `build(rseq)` callers get the RSeq to put in the response; sending is serialized: a
 * new reliable provisional is queued until the previous one is PRACKed.
 */
export class ReliableProvisionals {
  /** RFC 3262 §3: the first RSeq is random in 1..2^31-1, then +1 per reliable provisional. */
  private nextRSeq = 1 + Math.floor(Math.random() * 0x7ffffffe);
  private outstanding: Outstanding | undefined;
  private readonly queue: Array<(rseq: number) => SipResponse> = [];
  private waiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  private closed = false;

  constructor(private readonly deps: ReliableProvisionalsDeps) {}

  /** True while a reliable provisional is unacknowledged or queued. */
  get pending(): boolean {
    return this.outstanding !== undefined || this.queue.length > 0;
  }

  /** The RSeq of the unacknowledged reliable provisional, if any. */
  get outstandingRSeq(): number | undefined {
    return this.outstanding?.rseq;
  }

  /**
   * Send (or queue) a reliable provisional response; `build` receives its RSeq. RFC 3262
   * §3: "the UAS MUST NOT send a second reliable provisional response until the first is
   * acknowledged".
   */
  send(build: (rseq: number) => SipResponse): void {
    if (this.closed) return;
    if (this.outstanding) {
      this.queue.push(build);
      return;
    }
    const rseq = this.nextRSeq;
    this.nextRSeq = rseq >= 0x7fffffff ? 1 : rseq + 1;
    const res = build(rseq);
    const o: Outstanding = { rseq, res, interval: this.deps.timers.t1Ms };
    this.outstanding = o;
    this.deps.send(res);
    // RFC 3262 §3: retransmitted with an interval starting at T1 and doubling (unreliable
    // transports only), for at most 64*T1.
    if (this.deps.unreliable) this.scheduleRetransmit(o);
    o.giveUp = this.deps.clock.setTimer(() => {
      if (this.outstanding !== o) return;
      this.close(new Error('no PRACK within 64*T1'));
      this.deps.onTimeout();
    }, 64 * this.deps.timers.t1Ms);
  }

  /**
   * A PRACK arrived in the early dialog (RFC 3262 §3, §7.2). Returns the status to answer
   * it with: 200 when its RAck names the outstanding reliable provisional (retransmissions
   * stop, the next queued one is sent), 481 otherwise.
   */
  receivePrack(prack: SipRequest): 200 | 481 {
    const rack = parseRAck(getHeader(prack, 'RAck'));
    const o = this.outstanding;
    if (
      !rack ||
      !o ||
      rack.rseq !== o.rseq ||
      rack.cseq !== this.deps.inviteCSeq ||
      rack.method.toUpperCase() !== 'INVITE'
    )
      return 481;
    this.clearTimers(o);
    this.outstanding = undefined;
    const next = this.queue.shift();
    if (next) this.send(next);
    else this.settle();
    return 200;
  }

  /** Resolves once every reliable provisional was PRACKed; rejects if the call ends first. */
  whenAcknowledged(): Promise<void> {
    if (!this.pending) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * A final response was sent or the call ended: stop retransmitting (RFC 3262 §3: after
   * a final response the UAS "SHOULD NOT continue to retransmit the unacknowledged
   * reliable provisional responses"), drop the queue, reject waiters.
   */
  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    if (this.outstanding) this.clearTimers(this.outstanding);
    this.queue.length = 0;
    const waiters = this.waiters;
    if (waiters.length === 0) return; // every call closes this: no Error (and stack) to build
    this.waiters = [];
    const err = reason ?? new Error('the call ended before the PRACK');
    for (const w of waiters) w.reject(err);
  }

  private settle(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  private scheduleRetransmit(o: Outstanding): void {
    o.retransmit = this.deps.clock.setTimer(() => {
      if (this.outstanding !== o || this.closed) return;
      this.deps.send(o.res);
      o.interval *= 2;
      this.scheduleRetransmit(o);
    }, o.interval);
  }

  private clearTimers(o: Outstanding): void {
    if (o.retransmit) this.deps.clock.clearTimer(o.retransmit);
    if (o.giveUp) this.deps.clock.clearTimer(o.giveUp);
  }
}
