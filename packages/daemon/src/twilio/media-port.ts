import { decodeMuLaw, encodeMuLaw } from '@voice-assistant/rtp';
import type { MediaPort } from '../apps/types.js';

/** Twilio Media Streams audio: G.711 mu-law (ITU-T G.711), 8000 Hz, mono, base64 in JSON. */
export const TWILIO_SAMPLE_RATE = 8000;
/** One 20 ms frame: 160 samples = 160 mu-law bytes. */
export const TWILIO_FRAME_SAMPLES = 160;
/** Frame duration in milliseconds. */
export const FRAME_MS = 20;

/** What the port sends on the stream (`media`, `mark`, `clear` messages to Twilio). */
export interface TwilioOutbound {
  /** One `media` message with this mu-law payload. */
  media(mulaw: Buffer): void;
  /** One `mark` message; Twilio echoes it once the audio sent before it has played (or was cleared). */
  mark(name: string): void;
  /** One `clear` message: Twilio drops the audio it has buffered and returns the pending marks. */
  clear(): void;
}

export interface TwilioMediaPortOptions {
  /**
   * Most audio kept unplayed at Twilio, in frames (default 10 = 200 ms): enough to ride out
   * network jitter, small enough that barge-in (`clear`) and the end of a turn stay crisp.
   */
  readonly maxAheadFrames?: number;
  /** Most frames waiting locally before the oldest are dropped (default 3000 = 60 s). */
  readonly maxLocalFrames?: number;
  /** Monotonic clock in ms (default `performance.now`), injectable for tests. */
  readonly now?: () => number;
  /** Called by `hangup()`. */
  readonly onHangup: (reason: string) => void;
}

interface PendingMark {
  /** Frames sent up to and including the frame this mark follows. */
  readonly frames: number;
  /** When, by our clock, that frame finishes playing if Twilio plays in real time. */
  readonly doneAt: number;
  cleared: boolean;
}

/** RTT samples kept (one per acknowledged mark, 50 = the last second of speech). */
const RTT_WINDOW = 50;

/**
 * `MediaPort` over a Twilio Media Stream. Frames the app queues wait here and are paced
 * to Twilio once per tick (`pump()`), each `media` message followed by a `mark`, so the
 * acknowledgements tell exactly how far playback got.
 *
 * `queuedFrames` is the audio the caller has not started to hear: frames waiting here
 * plus frames at Twilio not yet played. The latter is `sent - acknowledged`, except that
 * a frame's mark comes back only once it has finished playing and after one more network
 * trip; so once marks have come back, the frames whose marks are presumably in flight
 * (smallest recent mark round trip, plus the frame playing now) are not counted, and the
 * real-time playout clock bounds the result from below.
 */
export class TwilioMediaPort implements MediaPort {
  readonly sampleRate = TWILIO_SAMPLE_RATE;
  readonly samplesPerFrame = TWILIO_FRAME_SAMPLES;
  private readonly local: Buffer[] = [];
  private partial: Int16Array | undefined;
  private readonly marks = new Map<string, PendingMark>();
  private readonly rttSamples: number[] = [];
  private readonly maxAhead: number;
  private readonly maxLocal: number;
  private readonly now: () => number;
  private readonly onHangup: (reason: string) => void;
  private markSeq = 0;
  private sent = 0;
  private acked = 0;
  private playoutEnd = 0;
  /** Frames sent in all (statistics). */
  framesSent = 0;
  /** Frames dropped by `clearSendQueue` or the local cap (statistics). */
  framesDropped = 0;
  /** `clear` messages sent (statistics). */
  clears = 0;

  constructor(
    private readonly out: TwilioOutbound,
    opts: TwilioMediaPortOptions,
  ) {
    this.maxAhead = Math.max(1, opts.maxAheadFrames ?? 10);
    this.maxLocal = Math.max(1, opts.maxLocalFrames ?? 3000);
    this.now = opts.now ?? (() => performance.now());
    this.onHangup = opts.onHangup;
  }

  /** Queues PCM for paced sending; any length (re-cut into 20 ms frames). */
  sendFrame(pcm: Int16Array): void {
    let data = pcm;
    if (this.partial) {
      data = new Int16Array(this.partial.length + pcm.length);
      data.set(this.partial);
      data.set(pcm, this.partial.length);
      this.partial = undefined;
    }
    let off = 0;
    for (; off + TWILIO_FRAME_SAMPLES <= data.length; off += TWILIO_FRAME_SAMPLES)
      this.pushLocal(encodeMuLaw(data.subarray(off, off + TWILIO_FRAME_SAMPLES)));
    if (off < data.length) this.partial = data.slice(off);
  }

  /** Barge-in: drops the local queue and, when Twilio still holds unplayed audio, sends `clear`. */
  clearSendQueue(): void {
    this.framesDropped += this.local.length;
    this.local.length = 0;
    this.partial = undefined;
    if (this.sent > this.acked) {
      this.out.clear();
      this.clears++;
      // Twilio answers a clear with every pending mark: those frames were dropped, not played.
      for (const m of this.marks.values()) m.cleared = true;
      this.acked = this.sent;
    }
    this.playoutEnd = this.now();
  }

  /** Frames the caller has not heard yet: waiting here plus unplayed at Twilio. */
  get queuedFrames(): number {
    return this.local.length + this.backlog();
  }

  /** Frames waiting here, not yet sent to Twilio. */
  get localFrames(): number {
    return this.local.length;
  }

  /** Frames sent to Twilio and not yet acknowledged by a mark (upper bound of its unplayed audio). */
  get unacknowledgedFrames(): number {
    return this.sent - this.acked;
  }

  /** Smallest recent mark round-trip time in ms (0 until a mark came back). */
  get markRttMs(): number {
    return this.rttSamples.length === 0 ? 0 : Math.min(...this.rttSamples);
  }

  hangup(reason: string): void {
    this.onHangup(reason);
  }

  /**
   * Once per tick (after the app's `tick()`): sends queued frames while Twilio holds less
   * than `maxAheadFrames` unplayed, each followed by a mark.
   */
  pump(): void {
    let n = 0;
    while (this.local.length > 0 && n < this.maxAhead && this.backlog() < this.maxAhead) {
      const frame = this.local.shift() as Buffer;
      const now = this.now();
      this.playoutEnd = Math.max(this.playoutEnd, now) + FRAME_MS;
      this.out.media(frame);
      this.sent++;
      this.framesSent++;
      const name = `m${++this.markSeq}`;
      this.marks.set(name, { frames: this.sent, doneAt: this.playoutEnd, cleared: false });
      this.out.mark(name);
      n++;
    }
  }

  /** A `mark` came back from Twilio. Unknown names are ignored. */
  onMark(name: string): void {
    const m = this.marks.get(name);
    if (!m) return;
    this.marks.delete(name);
    if (m.cleared) return;
    // Marks come back in order; one acknowledges every frame sent before it.
    for (const [k, v] of this.marks) {
      if (v.frames >= m.frames) break;
      this.marks.delete(k);
    }
    this.acked = Math.max(this.acked, m.frames);
    this.rttSamples.push(Math.max(0, this.now() - m.doneAt));
    if (this.rttSamples.length > RTT_WINDOW) this.rttSamples.shift();
  }

  /**
   * Frames at Twilio the caller has not started to hear (see the class comment): without
   * a mark back yet, everything unacknowledged; then the unacknowledged frames minus those
   * whose mark is still on its way (one round trip, plus the frame playing now, whose mark
   * comes back only when it ends), never less than the real-time playout clock says.
   */
  private backlog(): number {
    const pending = this.sent - this.acked;
    if (pending <= 0) return 0;
    if (this.rttSamples.length === 0) return pending;
    const clock = Math.max(0, Math.floor((this.playoutEnd - this.now()) / FRAME_MS + 1e-6));
    const inFlight = Math.floor(this.markRttMs / FRAME_MS) + 1;
    return Math.min(pending, Math.max(clock, pending - inFlight));
  }

  private pushLocal(frame: Buffer): void {
    this.local.push(frame);
    if (this.local.length > this.maxLocal) {
      this.local.shift();
      this.framesDropped++;
    }
  }
}

/**
 * Cuts inbound mu-law of any chunk size into 20 ms PCM frames. Twilio sends 20 ms chunks,
 * but nothing in the protocol promises it, so odd sizes are buffered until a frame fills.
 */
export class MuLawFramer {
  private rest: Buffer = Buffer.alloc(0);

  /** Feeds `mulaw`; returns the whole frames now available, decoded to PCM. */
  push(mulaw: Buffer): Int16Array[] {
    const data = this.rest.length > 0 ? Buffer.concat([this.rest, mulaw]) : mulaw;
    const frames: Int16Array[] = [];
    let off = 0;
    for (; off + TWILIO_FRAME_SAMPLES <= data.length; off += TWILIO_FRAME_SAMPLES)
      frames.push(decodeMuLaw(data.subarray(off, off + TWILIO_FRAME_SAMPLES)));
    this.rest = Buffer.from(data.subarray(off));
    return frames;
  }
}
