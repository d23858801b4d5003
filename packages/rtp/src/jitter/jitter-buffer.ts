/**
 * Adaptive jitter buffer: a pure core fed with `(packet, arrivalMs)` and pulled once per
 * frame on the playout clock. No timers, no sockets; the session decodes and conceals.
 *
 * Model (one packet = one frame; its duration starts at `frameMs`, the negotiated ptime,
 * and is learned from the timestamp steps of consecutive packets, so a peer that ignores
 * our ptime still plays correctly; the caller pulls whenever it needs the next frame):
 * - Playout follows a timestamp pointer `playTs` that advances one frame per pull, so
 *   sender silence (timestamp gaps, RFC 3551 §4.1) keeps its real duration.
 * - The buffering delay D = now - playTs(ms) - min relative delay, i.e. how long the
 *   fastest packet would wait. The target delay is a percentile of the measured excess
 *   delay (see {@link DelayEstimator}), clamped to [minDelayMs, maxDelayMs].
 * - D is steered toward the target:
 *   - in silence (before a talkspurt, marker bit, or a timestamp gap) by moving the
 *     pointer freely: the talkspurt starts at exactly the target delay;
 *   - on underrun (nothing buffered) by concealing without advancing (the delay grows,
 *     like NetEq "expand"); after `maxConcealMs` the buffer reports silence and re-primes;
 *   - mid-talkspurt by dropping one frame (delay over target + 2 frames) or inserting one
 *     concealment frame (delay under target - 1 frame), at most once per `adjustIntervalMs`. This also absorbs
 *     sender clock drift: +0.1% needs one frame every 20 s.
 *   Frame drop/insert is the simplest time-scale choice for G.711/Opus at 20 ms; a
 *   WSOLA stretcher could replace it later behind the same decision points.
 */
import type { RtpPacket } from '../packet/types.js';
import { DelayEstimator } from './delay-estimator.js';
import { PacketDurationLearner } from './packet-duration.js';
import { StreamTracker } from './stream-tracker.js';

/** Options of {@link JitterBuffer}; durations in ms. */
export interface JitterBufferOptions {
  /** RTP clock rate in Hz (8000 for G.711, 48000 for Opus). */
  clockRate: number;
  /** Frame (packet) duration. Default 20 ms. */
  frameMs?: number;
  /** Lower bound of the target delay. Default 20 ms. */
  minDelayMs?: number;
  /** Upper bound of the target delay. Default 300 ms. */
  maxDelayMs?: number;
  /** Target delay until enough samples are measured. Default 40 ms. */
  initialDelayMs?: number;
  /** Longest run of concealment on an empty buffer before reporting silence. Default 100 ms. */
  maxConcealMs?: number;
  /** Minimum spacing of mid-talkspurt drop/insert adjustments. Default 250 ms. */
  adjustIntervalMs?: number;
  /** Percentile of the excess network delay the target covers. Default 0.98. */
  percentile?: number;
  /** Ring capacity in packets, a power of two. Default 64. */
  capacity?: number;
}

/** What the playout clock gets for one frame slot. */
export type JitterSlot =
  | { readonly kind: 'packet'; readonly packet: RtpPacket }
  | {
      readonly kind: 'lost';
      readonly nextPayload?: Buffer;
      /** Duration of the missing frame in RTP ticks (conceal this much audio). */
      readonly durationTicks: number;
    }
  | { readonly kind: 'empty' };

/** Outcome of {@link JitterBuffer.push}. */
export type JitterPushResult = 'buffered' | 'duplicate' | 'late' | 'discarded';

/** Jitter buffer counters; delays in ms. */
export interface JitterBufferStats {
  /** Buffering delay measured at the last played packet. */
  currentDelayMs: number;
  /** Delay the buffer steers toward (percentile of the excess delay, clamped). */
  targetDelayMs: number;
  /** RFC 3550 §6.4.1 interarrival jitter. */
  jitterMs: number;
  /** Packets waiting in the buffer. */
  bufferedPackets: number;
  /** Audio packets accepted from the network (before duplicate/late checks). */
  received: number;
  /** Packets handed to the decoder. */
  played: number;
  /** Arrived after their playout slot; dropped. */
  late: number;
  /** Sequence numbers skipped at playout because they never arrived in time. */
  lost: number;
  /**
   * Lost slots (`kind: 'lost'`) synthesised by concealment (PLC), including frames
   * inserted to grow the delay. Slots the decoder rebuilt from in-band FEC are counted in
   * {@link fecRecovered} instead (see {@link JitterBuffer.noteFecRecovered}).
   */
  concealed: number;
  /** Lost slots rebuilt from the next packet's in-band FEC (Opus LBRR, RFC 6716 §2.1.7). */
  fecRecovered: number;
  duplicates: number;
  reordered: number;
  /** Frames dropped to shrink the delay (time-scale) or on overflow. */
  dropped: number;
  /** Concealment frames inserted to grow the delay mid-talkspurt. */
  inserted: number;
  /** Sequence jumps confirmed, SSRC changes, timestamp rebases. */
  resyncs: number;
  /** Packet duration in use (the negotiated ptime until learned otherwise). */
  packetDurationMs: number;
  /** Packets held back by sequence probation (RFC 3550 §A.1). */
  discarded: number;
}

/** A ring slot, made on its first use and reused after (no allocation per packet); empty when `packet` is undefined. */
interface Entry {
  packet: RtpPacket | undefined;
  extSeq: number;
  tsExt: number;
}

const EMPTY: JitterSlot = Object.freeze({ kind: 'empty' });

/** The adaptive jitter buffer. */
export class JitterBuffer {
  private readonly ring: (Entry | undefined)[];
  private readonly seen: Float64Array;
  private readonly nonAudio: Float64Array;
  private readonly mask: number;
  private readonly tracker: StreamTracker;
  private readonly estimator: DelayEstimator;
  private readonly clockRate: number;
  /** Current packet duration (learned), ms and ticks. */
  private frameMs: number;
  private frameTicks: number;
  private readonly durationLearner: PacketDurationLearner;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly initialDelayMs: number;
  private readonly maxConcealMs: number;
  private readonly adjustIntervalMs: number;
  private nextSeq = -1;
  private highestSeq = -1;
  private buffered = 0;
  private started = false;
  private inSilence = false;
  private playTs = 0;
  private consecutiveConceal = 0;
  private lastAdjustMs = -Infinity;
  private readonly s: JitterBufferStats;

  constructor(opts: JitterBufferOptions) {
    const capacity = opts.capacity ?? 64;
    if (capacity & (capacity - 1)) throw new RangeError('capacity must be a power of two');
    this.ring = new Array<Entry | undefined>(capacity);
    this.seen = new Float64Array(capacity).fill(-1);
    this.nonAudio = new Float64Array(capacity).fill(-1);
    this.mask = capacity - 1;
    this.clockRate = opts.clockRate;
    this.frameMs = opts.frameMs ?? 20;
    this.frameTicks = Math.round((this.clockRate * this.frameMs) / 1000);
    this.durationLearner = new PacketDurationLearner(this.clockRate, this.frameTicks);
    this.minDelayMs = opts.minDelayMs ?? 20;
    this.maxDelayMs = opts.maxDelayMs ?? 300;
    this.initialDelayMs = opts.initialDelayMs ?? 40;
    this.maxConcealMs = opts.maxConcealMs ?? 100;
    this.adjustIntervalMs = opts.adjustIntervalMs ?? 250;
    this.tracker = new StreamTracker(this.frameTicks, this.clockRate);
    this.estimator = new DelayEstimator({ percentile: opts.percentile ?? 0.98 });
    this.s = {
      currentDelayMs: 0,
      targetDelayMs: this.initialDelayMs,
      jitterMs: 0,
      bufferedPackets: 0,
      received: 0,
      played: 0,
      late: 0,
      lost: 0,
      concealed: 0,
      fecRecovered: 0,
      duplicates: 0,
      reordered: 0,
      dropped: 0,
      inserted: 0,
      resyncs: 0,
      discarded: 0,
      packetDurationMs: this.frameMs,
    };
  }

  /** Target delay in ms: the excess-delay percentile clamped to [min, max]. */
  get targetDelayMs(): number {
    if (this.estimator.samples < 20) return this.initialDelayMs;
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, this.estimator.excessDelayMs));
  }

  /** Snapshot of the counters. */
  stats(): JitterBufferStats {
    return {
      ...this.s,
      targetDelayMs: this.targetDelayMs,
      jitterMs: this.estimator.jitterMs,
      bufferedPackets: this.buffered,
      resyncs: this.tracker.resyncs,
      packetDurationMs: this.frameMs,
    };
  }

  /** Insert one received audio packet. `arrivalMs` is the local receive time. */
  push(packet: RtpPacket, arrivalMs: number): JitterPushResult {
    const r = this.tracker.track(packet, arrivalMs);
    if (!r.ok) {
      if (r.reason === 'stale-ssrc') this.s.late++;
      else this.s.discarded++;
      return r.reason === 'stale-ssrc' ? 'late' : 'discarded';
    }
    this.s.received++;
    if (r.reordered) this.s.reordered++;
    this.estimator.add(arrivalMs - this.tsToMs(r.tsExt));
    const { extSeq, tsExt } = r;
    const ticks = this.durationLearner.observe(extSeq, tsExt, r.resync);
    if (ticks !== this.frameTicks) {
      this.frameTicks = ticks;
      this.frameMs = (ticks * 1000) / this.clockRate;
    }
    const idx = extSeq & this.mask;
    if (this.seen[idx] === extSeq) {
      this.s.duplicates++;
      return 'duplicate';
    }
    if (this.nextSeq < 0) this.nextSeq = extSeq;
    if (extSeq < this.nextSeq) {
      if (this.started || this.nextSeq - extSeq > this.mask - this.buffered) {
        this.s.late++;
        return 'late';
      }
      this.nextSeq = extSeq; // reordered before playout started
    }
    if (this.started && tsExt < this.playTs - this.frameTicks / 2) {
      this.s.late++; // RFC 3550 §6.4.1 jitter beyond the buffer: its slot has passed
      return 'late';
    }
    if (extSeq - this.nextSeq > this.mask) this.evictBefore(extSeq - this.mask);
    const slot = this.ring[idx];
    if (slot === undefined) this.ring[idx] = { packet, extSeq, tsExt };
    else {
      slot.packet = packet;
      slot.extSeq = extSeq;
      slot.tsExt = tsExt;
    }
    this.seen[idx] = extSeq;
    this.buffered++;
    if (extSeq > this.highestSeq) this.highestSeq = extSeq;
    return 'buffered';
  }

  /**
   * Note a packet of the same RTP stream that is not audio (an RFC 4733 event, which
   * replaces the audio while a key is held, or comfort noise): its sequence number is a
   * gap in the audio that plays as silence instead of counting as loss.
   */
  noteNonAudio(packet: RtpPacket): void {
    const ext = this.tracker.peek(packet);
    if (ext !== undefined) this.nonAudio[ext & this.mask] = ext;
  }

  /**
   * Take the next frame at `nowMs`. Call once per packet duration: every ptime tick when
   * the peer honours our ptime, otherwise whenever the caller's PCM queue runs short.
   */
  pull(nowMs: number): JitterSlot {
    if (!this.started) {
      const c = this.first();
      // Start within half a frame of the target (the pull phase is arbitrary).
      if (!c || this.delayFor(nowMs, c.tsExt) < this.targetDelayMs - this.frameMs / 2) return EMPTY;
      this.started = true;
      this.inSilence = false;
      this.playTs = c.tsExt;
    }
    let c = this.first();
    const half = this.frameTicks / 2;
    while (c && c.tsExt < this.playTs - half) {
      this.remove(c); // its slot passed while the pointer moved: late
      this.s.late++;
      c = this.first();
    }
    if (c && c.tsExt - this.playTs <= half) return this.playDue(c, nowMs);
    const concealLimit = this.consecutiveConceal * this.frameMs >= this.maxConcealMs;
    if (this.inSilence || concealLimit || (c && this.onlyNonAudioBefore(c.extSeq))) {
      return this.silenceSlot(c, nowMs);
    }
    this.consecutiveConceal++;
    this.s.concealed++;
    if (c) {
      // A hole in the sequence with later packets buffered: the frame is lost.
      const next = c.tsExt - this.playTs <= this.frameTicks + half ? c.packet!.payload : undefined;
      this.playTs += this.frameTicks;
      return next ? { kind: 'lost', nextPayload: next, durationTicks: this.frameTicks } : this.lostSlot();
    }
    // Underrun: conceal without advancing, so the delay grows by one frame.
    return this.lostSlot();
  }

  /**
   * The decoder rebuilt the last `lost` slot from its `nextPayload` (in-band FEC) instead
   * of concealing it: move it from `concealed` to `fecRecovered`.
   */
  noteFecRecovered(): void {
    this.s.concealed--;
    this.s.fecRecovered++;
  }

  /** Drop everything and start over as if no packet had been received. */
  reset(): void {
    for (const e of this.ring) if (e) e.packet = undefined;
    this.seen.fill(-1);
    this.nonAudio.fill(-1);
    this.nextSeq = -1;
    this.highestSeq = -1;
    this.buffered = 0;
    this.started = false;
    this.inSilence = false;
    this.consecutiveConceal = 0;
  }

  private playDue(entry: Entry, nowMs: number): JitterSlot {
    let c = entry;
    const delay = this.delayFor(nowMs, this.playTs);
    const target = this.targetDelayMs;
    this.s.currentDelayMs = delay;
    if (!this.inSilence && nowMs - this.lastAdjustMs >= this.adjustIntervalMs) {
      if (delay > target + 2 * this.frameMs) {
        const n = this.ring[(c.extSeq + 1) & this.mask];
        if (n?.packet && n.extSeq === c.extSeq + 1 && n.tsExt - c.tsExt === this.frameTicks) {
          this.remove(c); // time-scale: drop one frame to shrink the delay
          this.skipTo(c.extSeq);
          this.s.dropped++;
          this.lastAdjustMs = nowMs;
          this.s.currentDelayMs = delay - this.frameMs;
          c = n;
        }
      } else if (delay < target - this.frameMs) {
        this.lastAdjustMs = nowMs;
        this.s.inserted++;
        this.s.concealed++;
        return this.lostSlot(); // time-scale: insert one frame to grow the delay
      }
    }
    const packet = c.packet!;
    this.remove(c);
    this.skipTo(c.extSeq);
    this.playTs = c.tsExt + this.frameTicks;
    this.consecutiveConceal = 0;
    this.inSilence = false;
    this.s.played++;
    return { kind: 'packet', packet };
  }

  /** Silence (no packet for this slot and none missing): re-align to the target delay. */
  private silenceSlot(c: Entry | undefined, nowMs: number): JitterSlot {
    this.inSilence = true;
    this.consecutiveConceal = 0;
    if (c) {
      // Place the pointer k whole frames before the next talkspurt so that it starts at
      // the target delay (RFC 3551 §4.1: adjust playout at talkspurt starts).
      const idealMs = nowMs - this.estimator.minRelativeDelayMs - this.targetDelayMs;
      const idealTs = (idealMs * this.clockRate) / 1000;
      const k = Math.max(0, Math.round((c.tsExt - idealTs) / this.frameTicks));
      this.playTs = c.tsExt - k * this.frameTicks;
      if (k === 0) return this.playDue(c, nowMs);
    }
    this.playTs += this.frameTicks;
    return EMPTY;
  }

  private lostSlot(): JitterSlot {
    return { kind: 'lost', durationTicks: this.frameTicks };
  }

  private delayFor(nowMs: number, tsExt: number): number {
    return nowMs - this.tsToMs(tsExt) - this.estimator.minRelativeDelayMs;
  }

  private tsToMs(tsExt: number): number {
    return (tsExt * 1000) / this.clockRate;
  }

  private first(): Entry | undefined {
    if (this.buffered === 0) return undefined;
    const end = Math.min(this.highestSeq, this.nextSeq + this.mask);
    for (let seq = this.nextSeq; seq <= end; seq++) {
      const e = this.ring[seq & this.mask];
      if (e?.packet && e.extSeq === seq) return e;
    }
    return undefined;
  }

  private remove(e: Entry): void {
    e.packet = undefined;
    this.buffered--;
  }

  /** Advance `nextSeq` past `seq`, counting never-received sequence numbers as lost. */
  private skipTo(seq: number): void {
    for (let s = this.nextSeq; s < seq; s++) if (this.nonAudio[s & this.mask] !== s) this.s.lost++;
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
  }

  /** True when every sequence number before `seq` still to play belonged to a non-audio packet. */
  private onlyNonAudioBefore(seq: number): boolean {
    for (let s = this.nextSeq; s < seq; s++) if (this.nonAudio[s & this.mask] !== s) return false;
    return true;
  }

  private evictBefore(seq: number): void {
    for (let s = this.nextSeq; s < seq; s++) {
      const e = this.ring[s & this.mask];
      if (e?.packet && e.extSeq === s) {
        this.remove(e);
        this.s.dropped++;
      }
    }
    this.nextSeq = seq;
  }
}
