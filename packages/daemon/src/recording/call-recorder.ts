/**
 * One call's recording: a stereo WAV (left = caller, right = assistant) and a JSON
 * sidecar (metadata, timestamped transcript, events), both written while the call runs
 * so that a crash (`kill -9`) leaves a WAV readable up to about the last second and the
 * transcript up to the last line.
 *
 * Files: `<dir>/<YYYY-MM-DD>/<ISO time>_<account>_<call id>.wav` and `.json` (UTC date and
 * start time, `:` replaced by `-`; account and call id reduced to `[A-Za-z0-9._-]`, so a
 * hostile Call-ID cannot leave the directory).
 *
 * Never throws into the call: I/O errors are logged (first one at warn) and counted.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { resampleLinear, StereoTimeline } from './timeline.js';
import { WavWriter } from './wav-writer.js';

/** The logger methods the recorder uses (a pino `Logger` fits). */
export interface RecorderLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Timer functions, injectable for tests. */
export interface RecorderTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface CallRecorderOptions {
  /** Recording root (`recording.path`). */
  readonly dir: string;
  /** SIP Call-ID (sanitised for the file name; kept verbatim in the sidecar). */
  readonly callId: string;
  /** Account name. */
  readonly account: string;
  /** From URI. */
  readonly from: string;
  /** To URI. */
  readonly to: string;
  /** Sample rate of the frames (and of the WAV), Hz, e.g. 8000. */
  readonly sampleRate: number;
  /** Time origin of the recording (the answer), epoch ms or a Date. */
  readonly startedAt: number | Date;
  readonly logger?: RecorderLogger;
  /** `inbound` / `outbound`, written to the sidecar when given. */
  readonly direction?: string;
  /**
   * Clock, epoch ms. Default: `Date.now()` at construction advanced by the monotonic
   * `performance.now()`, so a wall-clock step (NTP) neither stretches nor folds the WAV.
   */
  readonly now?: () => number;
  /** Write the WAV this often, ms, also when no frames arrive; default 1000; 0: only as frames arrive. */
  readonly flushIntervalMs?: number;
  /** Audio younger than this (ms) stays in memory so late caller frames still land; default 200. */
  readonly holdbackMs?: number;
  /** `fdatasync` policy of the WAV, ms; default 10000 (see `WavWriter`). */
  readonly syncIntervalMs?: number;
  /** Default: the global `setInterval`/`clearInterval` (unref'd). */
  readonly timers?: RecorderTimers;
}

/** One transcript line. */
export interface TranscriptLine {
  /** Who spoke: `caller` or `assistant`. */
  readonly role: string;
  readonly text: string;
  /** When, ms since the recording started (the WAV's time origin); epoch ms also accepted; default now. */
  readonly atMs?: number;
}

/** How the call ended, for the sidecar. */
export interface RecordingSummary {
  /** E.g. `remote-bye`, `local-hangup`, `media-timeout`. */
  readonly endReason?: string;
  /** End time, epoch ms or Date; default now. */
  readonly endedAt?: number | Date;
  /** RTP statistics (`session.stats()`), copied verbatim. */
  readonly rtpStats?: unknown;
}

/** What a finished recording wrote. */
export interface RecordingResult {
  readonly wav: string;
  readonly json: string;
  /** Seconds of audio in the WAV. */
  readonly durationSec: number;
  /** I/O errors during the recording (0 when all went well). */
  readonly errors: number;
}

/** Paths of one recording (exported for tests and tools). */
export function recordingPaths(
  dir: string,
  startedAt: number,
  account: string,
  callId: string,
): { dayDir: string; wav: string; json: string } {
  const iso = new Date(startedAt).toISOString();
  const dayDir = join(resolve(dir), iso.slice(0, 10));
  const base = `${iso.replace(/:/g, '-')}_${safeName(account)}_${safeName(callId)}`;
  return { dayDir, wav: join(dayDir, `${base}.wav`), json: join(dayDir, `${base}.json`) };
}

/** Reduces `s` to a file-name-safe token: `[A-Za-z0-9._-]`, no leading dot, at most 80 chars. */
export function safeName(s: string): string {
  const t = s
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 80);
  return t === '' ? 'unknown' : t;
}

/** Epoch ms that never jumps: `Date.now()` now, then advanced by `performance.now()`. */
function monotonicWallClock(): () => number {
  const wall = Date.now();
  const mono = performance.now();
  return () => wall + (performance.now() - mono);
}

const EPOCH_MS_THRESHOLD = 1e11; // ~1973: atMs above this is an absolute time

/** Records one call; see the module comment. */
export class CallRecorder {
  readonly wavPath: string;
  readonly jsonPath: string;
  readonly sampleRate: number;
  private readonly startMs: number;
  private readonly now: () => number;
  private readonly log?: RecorderLogger;
  private readonly timeline: StereoTimeline;
  private readonly writer?: WavWriter;
  private readonly holdback: number;
  private readonly flushSamples: number;
  private readonly timers: RecorderTimers;
  private readonly timer: unknown;
  private readonly ready: Promise<boolean>;
  private readonly meta: Record<string, unknown>;
  private readonly transcriptLines: Array<Record<string, unknown>> = [];
  private readonly events: Array<Record<string, unknown>> = [];
  private end?: { endedAt: number; reason: string | null; rtpStats?: unknown };
  private sidecarChain: Promise<void> = Promise.resolve();
  private sidecarQueued = false;
  private closing?: Promise<RecordingResult>;
  private sidecarErrors = 0;
  private warned = false;

  constructor(opts: CallRecorderOptions) {
    this.now = opts.now ?? monotonicWallClock();
    this.log = opts.logger;
    this.sampleRate = opts.sampleRate;
    this.startMs = typeof opts.startedAt === 'number' ? opts.startedAt : opts.startedAt.getTime();
    const p = recordingPaths(opts.dir, this.startMs, opts.account, opts.callId);
    this.wavPath = p.wav;
    this.jsonPath = p.json;
    this.timeline = new StereoTimeline({ sampleRate: opts.sampleRate, channels: 2 });
    this.holdback = Math.round(((opts.holdbackMs ?? 200) * opts.sampleRate) / 1000);
    const flushMs = opts.flushIntervalMs ?? 1000;
    this.flushSamples = Math.round(((flushMs > 0 ? flushMs : 1000) * opts.sampleRate) / 1000);
    this.meta = {
      call_id: opts.callId,
      account: opts.account,
      ...(opts.direction ? { direction: opts.direction } : {}),
      from: opts.from,
      to: opts.to,
      started_at: new Date(this.startMs).toISOString(),
      sample_rate: opts.sampleRate,
      channels: ['caller', 'assistant'],
      wav: basename(p.wav),
    };
    // Defence in depth: safeName() already makes traversal impossible.
    const inside = p.wav.startsWith(p.dayDir + sep) && p.json.startsWith(p.dayDir + sep);
    if (!inside) this.report(new Error(`recording path escapes ${p.dayDir}`), 'path');
    this.ready = inside
      ? mkdir(p.dayDir, { recursive: true }).then(
          () => true,
          (err: unknown) => (this.report(err, 'mkdir'), false),
        )
      : Promise.resolve(false);
    if (inside) {
      this.writer = new WavWriter({
        path: p.wav,
        sampleRate: opts.sampleRate,
        channels: 2,
        syncIntervalMs: opts.syncIntervalMs,
        now: this.now,
        // The recorder flushes once per interval; the writer's own threshold is a backstop.
        flushBytes: this.flushSamples * 4 * 2,
        onError: (err, op) => this.report(err, `wav ${op}`),
      });
    }
    this.timers = opts.timers ?? {
      setInterval: (fn, ms) => setInterval(fn, ms).unref(),
      clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
    };
    this.timer = flushMs > 0 ? this.timers.setInterval(() => this.flush(), flushMs) : undefined;
    this.saveSidecar();
  }

  /** True once `close()` was called (later frames and lines are ignored). */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** Timeline corrections so far (gaps filled, frames dropped or trimmed). */
  get stats(): Readonly<StereoTimeline['stats']> {
    return this.timeline.stats;
  }

  /**
   * A frame received from the caller (after the jitter buffer), just played out. Any
   * length; `rate` (Hz) when it differs from `sampleRate` (resampled). Never throws.
   */
  caller(pcm: Int16Array, rate?: number): void {
    if (this.closing) return;
    const pos = this.pos();
    this.timeline.placeLive(0, this.toRate(pcm, rate), pos);
    this.maybeCommit(pos);
  }

  /**
   * A frame the assistant queued for sending (`MediaPort.sendFrame`): it plays right after
   * the frames queued before it. Any length; `rate` as for `caller`. Never throws.
   */
  assistant(pcm: Int16Array, rate?: number): void {
    if (this.closing) return;
    const pos = this.pos();
    this.timeline.placeQueued(1, this.toRate(pcm, rate), pos);
    this.maybeCommit(pos);
  }

  /** The send queue was cleared (barge-in): forget assistant frames that were not sent yet. */
  clearAssistant(): void {
    if (this.closing) return;
    this.timeline.clearQueued(1, this.pos());
  }

  /** Appends a transcript line and rewrites the sidecar (atomically). Never throws. */
  transcript(line: TranscriptLine): void {
    if (this.closing) return;
    const atMs = this.relMs(line.atMs);
    this.transcriptLines.push({
      role: String(line.role),
      text: String(line.text),
      at_ms: atMs,
      at: new Date(this.startMs + atMs).toISOString(),
    });
    this.saveSidecar();
  }

  /** Records a call event (`dtmf`, `hold`, `transfer`, ...) with optional data. Never throws. */
  event(name: string, data?: unknown, atMs?: number): void {
    if (this.closing) return;
    const rel = this.relMs(atMs);
    this.events.push({
      name: String(name),
      at_ms: rel,
      at: new Date(this.startMs + rel).toISOString(),
      ...(data === undefined ? {} : { data }),
    });
    this.saveSidecar();
  }

  /** Writes the audio up to now (minus the hold-back) to the file. Called by the timer. */
  flush(): void {
    if (this.closing) return;
    this.commit(this.pos() - this.holdback);
    void this.writer?.flush();
  }

  /** Resolves once every WAV and sidecar write issued so far has reached the file. Never rejects. */
  async idle(): Promise<void> {
    await Promise.all([this.writer?.flush(), this.sidecarChain]);
  }

  /**
   * Ends the recording: writes the remaining audio (queued assistant frames that were
   * never sent are dropped), finalises the WAV header, syncs, and writes the final
   * sidecar. Idempotent; never rejects.
   */
  close(summary: RecordingSummary = {}): Promise<RecordingResult> {
    if (this.closing) return this.closing;
    if (this.timer !== undefined) this.timers.clearInterval(this.timer);
    const endedAt =
      summary.endedAt === undefined
        ? this.now()
        : typeof summary.endedAt === 'number'
          ? summary.endedAt
          : summary.endedAt.getTime();
    const pos = Math.max(0, this.posAt(endedAt));
    this.timeline.truncate(pos + 1);
    this.commit(Math.max(pos, this.timeline.maxEnd()));
    this.end = { endedAt, reason: summary.endReason ?? null, rtpStats: summary.rtpStats };
    this.closing = (async () => {
      const res = this.writer ? await this.writer.close() : undefined;
      this.saveSidecar();
      await this.sidecarChain;
      return {
        wav: this.wavPath,
        json: this.jsonPath,
        durationSec: res?.durationSec ?? 0,
        errors: (res?.errors ?? 0) + this.sidecarErrors + (this.writer ? 0 : 1),
      };
    })();
    return this.closing;
  }

  /** The sidecar as it would be written now. */
  sidecar(): Record<string, unknown> {
    const end = this.end;
    const w = this.writer;
    return {
      ...this.meta,
      ended_at: end ? new Date(end.endedAt).toISOString() : null,
      duration_sec: Math.round((this.timeline.committed / this.sampleRate) * 100) / 100,
      complete: end !== undefined,
      end_reason: end?.reason ?? null,
      ...(end?.rtpStats !== undefined ? { rtp_stats: end.rtpStats } : {}),
      transcript: this.transcriptLines,
      events: this.events,
      recording_stats: {
        gaps: this.timeline.stats.gaps,
        overrun_frames: this.timeline.stats.overrunFrames,
        late_frames: this.timeline.stats.lateFrames,
        cleared_frames: this.timeline.stats.clearedFrames,
        dropped_bytes: w?.droppedBytes ?? 0,
        write_errors: (w?.errors ?? 0) + this.sidecarErrors,
      },
    };
  }

  private pos(): number {
    return this.posAt(this.now());
  }

  private posAt(ms: number): number {
    return Math.floor(((ms - this.startMs) * this.sampleRate) / 1000);
  }

  private relMs(atMs: number | undefined): number {
    if (atMs === undefined || !Number.isFinite(atMs)) return Math.max(0, this.now() - this.startMs);
    return Math.round(atMs > EPOCH_MS_THRESHOLD ? atMs - this.startMs : atMs);
  }

  private toRate(pcm: Int16Array, rate: number | undefined): Int16Array {
    return rate === undefined || rate === this.sampleRate ? pcm : resampleLinear(pcm, rate, this.sampleRate);
  }

  private maybeCommit(pos: number): void {
    if (pos - this.holdback - this.timeline.committed >= this.flushSamples) {
      this.commit(pos - this.holdback);
      void this.writer?.flush();
    }
  }

  private commit(until: number): void {
    // In blocks of at most 10 s: a long stall must not allocate one huge buffer.
    const block = this.sampleRate * 10;
    while (until > this.timeline.committed) {
      this.writer?.write(this.timeline.take(Math.min(until, this.timeline.committed + block)));
    }
  }

  /** Queues a rewrite of the sidecar (temp file + rename); coalesces bursts. */
  private saveSidecar(): void {
    if (this.sidecarQueued) return;
    this.sidecarQueued = true;
    this.sidecarChain = this.sidecarChain.then(async () => {
      this.sidecarQueued = false;
      if (!(await this.ready)) return;
      const tmp = `${this.jsonPath}.tmp`;
      try {
        await writeFile(tmp, `${JSON.stringify(this.sidecar(), null, 2)}\n`);
        await rename(tmp, this.jsonPath);
      } catch (err) {
        this.sidecarErrors++;
        this.report(err, 'sidecar');
      }
    });
  }

  private report(err: unknown, op: string): void {
    const e = err instanceof Error ? err : new Error(String(err));
    const fields = { err: e, op, file: this.wavPath };
    if (!this.warned) {
      this.warned = true;
      this.log?.warn(fields, 'call recording: write failed');
    } else this.log?.debug(fields, 'call recording: write failed');
  }
}
