/**
 * RFC 4733 §2.5.2 receiver: turns a stream of telephone-event packets into one
 * notification per key press. Pure state machine; time is passed in.
 *
 *   idle --(new timestamp)--> active --(E bit)--> ended(ts) --(new timestamp)--> active
 *                               |  ^ duration updates        (same ts: ignored,
 *                               |  | (same timestamp)         e.g. the 3 redundant ends)
 *                               +--(new timestamp, no E seen, or stall)--> emit previous
 */
import { MAX_EVENT_DURATION, eventToDigit, parseTelephoneEvent } from './telephone-event.js';
import type { DtmfDigit } from './telephone-event.js';

/** A completed key press. */
export interface DtmfDigitEvent {
  readonly digit: DtmfDigit;
  /** Raw event code (0..16). */
  readonly event: number;
  /** Duration in ms, from the RTP ticks and the telephone-event clock rate. */
  readonly durationMs: number;
  /** Power level, -dBm0 (0..63). */
  readonly volume: number;
  /** RTP timestamp of the event start. */
  readonly rtpTimestamp: number;
  /** Arrival time (ms, caller's clock) of the first packet of the event. */
  readonly startedAtMs: number;
  /** True when no E-bit packet was seen (emitted on stall or on the next event). */
  readonly endInferred: boolean;
}

/** Receiver options. */
export interface DtmfReceiverOptions {
  /** telephone-event RTP clock rate in Hz (SDP rtpmap). Default 8000. */
  readonly clockRate?: number;
  /** Emit an event without E bit after this long without updates (via {@link DtmfReceiver.poll}). Default 1000 ms. */
  readonly stallTimeoutMs?: number;
}

interface Active {
  event: number;
  volume: number;
  rtpTimestamp: number;
  /** Ticks from previous segments of a long event (RFC 4733 §2.5.1.3). */
  baseTicks: number;
  segmentTimestamp: number;
  duration: number;
  startedAtMs: number;
  lastAtMs: number;
}

/** How many finished (timestamp, event) pairs to remember for de-duplication. */
const RECENT = 8;

/** De-duplicating RFC 4733 receiver for one RTP stream. */
export class DtmfReceiver {
  private readonly clockRate: number;
  private readonly stallTimeoutMs: number;
  private active: Active | undefined;
  private readonly recent: number[] = [];
  private pending: DtmfDigitEvent | undefined;

  constructor(options: DtmfReceiverOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 1000;
  }

  /**
   * Feed one telephone-event packet.
   * @param payload - the RTP payload.
   * @param rtpTimestamp - the packet's RTP timestamp (event start, RFC 4733 §2.3.1).
   * @param marker - RTP marker bit (set on the first packet of an event).
   * @param arrivalMs - arrival time in ms.
   * @returns the completed digit when this packet completes (or supersedes) one, once.
   */
  receive(
    payload: Uint8Array,
    rtpTimestamp: number,
    marker: boolean,
    arrivalMs: number,
  ): DtmfDigitEvent | undefined {
    const parsed = parseTelephoneEvent(payload);
    if (!parsed.ok) return undefined;
    const ev = parsed.event;
    const ts = rtpTimestamp >>> 0;
    if (eventToDigit(ev.event) === undefined) return undefined;
    // Key on (timestamp, event): some senders reuse the timestamp for back-to-back digits.
    const key = ts * 256 + ev.event;
    if (this.recent.includes(key)) return undefined; // redundant end / late update (§2.5.1.4)

    const cur = this.active;
    if (cur !== undefined && cur.segmentTimestamp === ts && cur.event === ev.event) {
      // Duration update for the ongoing event (§2.5.2.2); ignore reordered shorter ones.
      if (ev.duration > cur.duration) cur.duration = ev.duration;
      cur.lastAtMs = arrivalMs;
      return ev.end ? this.finish(false) : undefined;
    }
    if (
      cur !== undefined &&
      !marker &&
      cur.event === ev.event &&
      cur.duration >= MAX_EVENT_DURATION - 1 &&
      (ts - cur.segmentTimestamp) >>> 0 <= cur.duration + 1
    ) {
      // §2.5.1.3 long-duration event: a new segment continues the same key press.
      cur.baseTicks += cur.duration;
      cur.segmentTimestamp = ts;
      cur.duration = ev.duration;
      cur.lastAtMs = arrivalMs;
      return ev.end ? this.finish(false) : undefined;
    }
    // A new event. If the previous one never saw its E bit, report it now (§2.5.2.2).
    const superseded = cur === undefined ? undefined : this.finish(true);
    this.active = {
      event: ev.event,
      volume: ev.volume,
      rtpTimestamp: ts,
      baseTicks: 0,
      segmentTimestamp: ts,
      duration: ev.duration,
      startedAtMs: arrivalMs,
      lastAtMs: arrivalMs,
    };
    if (ev.end) {
      // Start lost or a very short event: the first packet we see is an end packet.
      const done = this.finish(false);
      if (superseded === undefined) return done;
      this.pending = done; // two completions at once: the second is returned by poll()
      return superseded;
    }
    return superseded;
  }

  /**
   * Report an event whose end packets were all lost once it has had no update for
   * `stallTimeoutMs`. Call periodically (e.g. each 20 ms tick). Also returns a digit left
   * over when one packet completed two events (lost end of the previous one).
   */
  poll(nowMs: number): DtmfDigitEvent | undefined {
    if (this.pending !== undefined) {
      const p = this.pending;
      this.pending = undefined;
      return p;
    }
    if (this.active !== undefined && nowMs - this.active.lastAtMs >= this.stallTimeoutMs)
      return this.finish(true);
    return undefined;
  }

  /** A key is currently held (start seen, no end yet). Useful for barge-in. */
  get inProgress(): boolean {
    return this.active !== undefined;
  }

  private finish(inferred: boolean): DtmfDigitEvent | undefined {
    const a = this.active;
    if (a === undefined) return undefined;
    this.active = undefined;
    this.recent.push(a.segmentTimestamp * 256 + a.event);
    if (this.recent.length > RECENT) this.recent.shift();
    return {
      digit: eventToDigit(a.event)!,
      event: a.event,
      durationMs: ((a.baseTicks + a.duration) * 1000) / this.clockRate,
      volume: a.volume,
      rtpTimestamp: a.rtpTimestamp,
      startedAtMs: a.startedAtMs,
      endInferred: inferred,
    };
  }
}
