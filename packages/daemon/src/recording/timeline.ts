/**
 * Puts frames from independent, unevenly clocked sources on one sample timeline and
 * interleaves them. Positions are in samples since the recording started (the caller
 * converts wall-clock ms into positions); nothing here reads a clock.
 *
 * Two placement rules, matching how audio reaches a call recorder:
 *
 * - **live** (`placeLive`, the caller's side): a frame handed over at position `pos` was
 *   just played out, so it belongs at `[pos - len, pos)`. Consecutive frames are laid
 *   end to end while the channel stays within `toleranceMs` of that. A lag beyond
 *   `gapMs` (a pause: silence suppression, lost packets, hold) is filled with silence at
 *   once; a smaller lag only when it persists for `persistFrames` frames, because after
 *   an event-loop stall the media clock delivers the overdue frames in a burst that
 *   closes it. A channel running more than `maxLeadMs` ahead of the wall clock drops
 *   frames, and a lead beyond the tolerance that persists drops one frame to resync.
 * - **queued** (`placeQueued`, the assistant's side): a frame handed over at `pos` joins a
 *   paced send queue, so it starts at `pos` if the queue is empty, or right after the
 *   previously queued frame. `clearQueued(pos)` (barge-in) drops what was not sent yet.
 *
 * `take(until)` emits interleaved samples for `[committed, until)` with silence wherever
 * a channel has nothing, and forgets them; frames that arrive later for an emitted span
 * are trimmed (counted as late).
 */

/** Counters of timeline corrections, for the sidecar and logs. */
export interface TimelineStats {
  /** Gaps filled with silence (a channel fell behind by more than the tolerance). */
  gaps: number;
  /** Frames dropped because their channel ran ahead of the wall clock (or the queue was full). */
  overrunFrames: number;
  /** Frames (partly) trimmed because they arrived after their span was written. */
  lateFrames: number;
  /** Queued frames dropped by `clearQueued` (barge-in). */
  clearedFrames: number;
}

export interface TimelineOptions {
  /** Samples per second per channel. */
  readonly sampleRate: number;
  /** Interleaved channels, default 2. */
  readonly channels?: number;
  /** Lag or lead (ms) of a channel that is never corrected; default 60. */
  readonly toleranceMs?: number;
  /** Lag (ms) of a live channel filled with silence at once (a pause); default 250. */
  readonly gapMs?: number;
  /** Consecutive frames a smaller lag/lead beyond the tolerance must last to be corrected; default 5. */
  readonly persistFrames?: number;
  /** Lead (ms) of a live channel over the wall clock beyond which frames are dropped; default 100. */
  readonly maxLeadMs?: number;
  /** Longest send queue (ms) of a queued channel; frames beyond are dropped; default 300000. */
  readonly maxQueueMs?: number;
}

interface Segment {
  start: number;
  data: Int16Array;
}

/** See the module comment. */
export class StereoTimeline {
  readonly channels: number;
  readonly stats: TimelineStats = { gaps: 0, overrunFrames: 0, lateFrames: 0, clearedFrames: 0 };
  /** Samples per channel already emitted by `take`. */
  committed = 0;
  private readonly segs: Segment[][];
  private readonly tol: number;
  private readonly gap: number;
  private readonly persist: number;
  /** Per channel: consecutive frames placed behind (> 0) or ahead (< 0) beyond the tolerance. */
  private readonly off: number[];
  private readonly maxLead: number;
  private readonly maxQueue: number;

  constructor(opts: TimelineOptions) {
    this.channels = opts.channels ?? 2;
    const perMs = opts.sampleRate / 1000;
    this.tol = Math.round((opts.toleranceMs ?? 60) * perMs);
    this.gap = Math.round((opts.gapMs ?? 250) * perMs);
    this.persist = opts.persistFrames ?? 5;
    this.off = new Array<number>(this.channels).fill(0);
    this.maxLead = Math.round((opts.maxLeadMs ?? 100) * perMs);
    this.maxQueue = Math.round((opts.maxQueueMs ?? 300_000) * perMs);
    this.segs = Array.from({ length: this.channels }, () => []);
  }

  /** End position (samples) of everything placed on channel `ch`, at least `committed`. */
  end(ch: number): number {
    const list = this.segs[ch] ?? [];
    const last = list[list.length - 1];
    return Math.max(this.committed, last ? last.start + last.data.length : 0);
  }

  /** Places a frame that was just played out at `pos` (see the module comment). */
  placeLive(ch: number, pcm: Int16Array, pos: number): void {
    const len = pcm.length;
    if (len === 0) return;
    const nominal = pos - len;
    const end = this.end(ch);
    const lag = nominal - end; // > 0: the channel is behind the wall clock
    let start = end;
    if (lag > this.tol) {
      this.off[ch] = Math.max(0, this.off[ch] ?? 0) + 1;
      if (lag > this.gap || (this.off[ch] ?? 0) >= this.persist) {
        start = nominal;
        this.stats.gaps++;
        this.off[ch] = 0;
      }
    } else if (-lag > this.tol) {
      this.off[ch] = Math.min(0, this.off[ch] ?? 0) - 1;
      if (-lag > this.maxLead || -(this.off[ch] ?? 0) >= this.persist) {
        this.stats.overrunFrames++;
        this.off[ch] = 0;
        return;
      }
    } else this.off[ch] = 0;
    this.push(ch, pcm, start);
  }

  /** Places a frame queued for paced sending at `pos` (see the module comment). */
  placeQueued(ch: number, pcm: Int16Array, pos: number): void {
    if (pcm.length === 0) return;
    const end = this.end(ch);
    let start = end;
    if (end < pos - this.tol) {
      start = Math.max(pos, this.committed);
      this.stats.gaps++;
    } else if (end > pos + this.maxQueue) {
      this.stats.overrunFrames++;
      return;
    }
    this.push(ch, pcm, start);
  }

  /** Drops frames of channel `ch` that start after `pos` (queued, not sent yet). */
  clearQueued(ch: number, pos: number): void {
    const list = this.segs[ch];
    if (!list) return;
    while (list.length > 0 && (list[list.length - 1] as Segment).start > pos) {
      list.pop();
      this.stats.clearedFrames++;
    }
  }

  /** Drops everything placed on any channel at or after `pos` (e.g. unsent frames at hang-up). */
  truncate(pos: number): void {
    for (const list of this.segs) {
      while (list.length > 0 && (list[list.length - 1] as Segment).start >= pos) list.pop();
    }
  }

  /** The furthest end position over all channels. */
  maxEnd(): number {
    let m = this.committed;
    for (let ch = 0; ch < this.channels; ch++) m = Math.max(m, this.end(ch));
    return m;
  }

  /** Emits interleaved samples for `[committed, until)` and advances `committed`. */
  take(until: number): Int16Array {
    const from = this.committed;
    const n = Math.max(0, Math.floor(until) - from);
    const out = new Int16Array(n * this.channels);
    if (n === 0) return out;
    const to = from + n;
    for (let ch = 0; ch < this.channels; ch++) {
      const list = this.segs[ch] as Segment[];
      let consumed = 0;
      for (const seg of list) {
        if (seg.start >= to) break;
        const segEnd = seg.start + seg.data.length;
        const a = Math.max(seg.start, from);
        const b = Math.min(segEnd, to);
        for (let p = a; p < b; p++) out[(p - from) * this.channels + ch] = seg.data[p - seg.start] as number;
        if (segEnd <= to) consumed++;
        else break;
      }
      if (consumed > 0) list.splice(0, consumed);
    }
    this.committed = to;
    return out;
  }

  private push(ch: number, pcm: Int16Array, start: number): void {
    const list = this.segs[ch];
    if (!list) return;
    let data = pcm;
    if (start < this.committed) {
      // Its span was already written: keep only the part after it.
      this.stats.lateFrames++;
      const skip = this.committed - start;
      if (skip >= pcm.length) return;
      data = pcm.subarray(skip);
      start = this.committed;
    }
    list.push({ start, data: data.slice() });
  }
}

/** Linear-interpolation resampler (for frames at a rate other than the recording's). */
export function resampleLinear(pcm: Int16Array, fromRate: number, toRate: number): Int16Array {
  if (fromRate === toRate || pcm.length === 0) return pcm;
  const n = Math.max(1, Math.round((pcm.length * toRate) / fromRate));
  const out = new Int16Array(n);
  const step = fromRate / toRate;
  for (let i = 0; i < n; i++) {
    const x = i * step;
    const i0 = Math.floor(x);
    const a = pcm[Math.min(i0, pcm.length - 1)] as number;
    const b = pcm[Math.min(i0 + 1, pcm.length - 1)] as number;
    out[i] = Math.round(a + (b - a) * (x - i0));
  }
  return out;
}
