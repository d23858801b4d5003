/**
 * A local voice activity detector: frame energy against an adaptive noise floor, with
 * a minimum-speech guard (coughs, clicks, short backchannels) and a hangover
 * (minimum silence) that serves as the endpointer.
 *
 * State machine (one string union, transitions in {@link EnergyVad.process}):
 *
 *     silence --voiced--> maybe-speech --voiced >= minSpeechMs--> speech  (emit speech-start)
 *     maybe-speech --unvoiced > maxGapMs--> silence
 *     speech --unvoiced--> maybe-silence --unvoiced >= minSilenceMs--> silence (emit speech-end)
 *     maybe-silence --voiced--> speech
 */

/** VAD state. */
export type VadState = 'silence' | 'maybe-speech' | 'speech' | 'maybe-silence';

/** Events produced by {@link EnergyVad.process}. */
export type VadEvent =
  | {
      readonly type: 'speech-start';
      /** Time the start was confirmed (ms, the frame's `atMs`). */
      readonly atMs: number;
      /** Estimated time the speech began (ms). */
      readonly onsetMs: number;
    }
  | {
      readonly type: 'speech-end';
      /** Time the end was confirmed, after `minSilenceMs` of silence (ms). */
      readonly atMs: number;
      /** Time the last voiced frame ended (ms): the caller actually stopped here. */
      readonly lastSpeechMs: number;
      /** Voiced duration from onset to last speech (ms). */
      readonly speechMs: number;
    };

/** Options of {@link EnergyVad}. */
export interface EnergyVadOptions {
  /** Input sample rate (Hz). Frames may be any length; 20 ms is typical. */
  readonly sampleRate: number;
  /** Voiced time needed before `speech-start` (ms). Default 200 ms. */
  readonly minSpeechMs?: number;
  /** Silence needed before `speech-end`: the endpointing delay (ms). Default 500 ms. */
  readonly minSilenceMs?: number;
  /** Unvoiced gap tolerated while confirming speech (ms). Default 60 ms. */
  readonly maxGapMs?: number;
  /** How far above the noise floor a frame must be to count as voiced (dB). Default 10 dB. */
  readonly thresholdDb?: number;
  /** Absolute minimum level for voice (dBFS). Default -50 dBFS. */
  readonly minLevelDbfs?: number;
  /** Initial noise floor estimate (dBFS). Default -70 dBFS. */
  readonly initialNoiseFloorDbfs?: number;
  /**
   * Calibration at the start: frames in the first `calibrationMs` only train the noise
   * floor (no speech is detected). Default 100 ms.
   */
  readonly calibrationMs?: number;
}

/** Root-mean-square level of a PCM frame in dBFS (full scale = 0 dB; silence = -100). */
export function levelDbfs(pcm: Int16Array): number {
  if (pcm.length === 0) return -100;
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) {
    const s = pcm[i] ?? 0;
    sum += s * s;
  }
  const rms = Math.sqrt(sum / pcm.length);
  if (rms < 1e-3) return -100;
  return Math.max(-100, 20 * Math.log10(rms / 32768));
}

/** Energy VAD with an adaptive noise floor. Pure: time is passed in with every frame. */
export class EnergyVad {
  private readonly opts: Required<EnergyVadOptions>;
  private stateValue: VadState = 'silence';
  private noiseFloorDb: number;
  private voicedMs = 0;
  private gapMs = 0;
  private silenceMs = 0;
  private onsetMs = 0;
  private lastSpeechMs = 0;
  private calibratedMs = 0;

  constructor(options: EnergyVadOptions) {
    this.opts = Object.freeze({
      minSpeechMs: 200,
      minSilenceMs: 500,
      maxGapMs: 60,
      thresholdDb: 10,
      minLevelDbfs: -50,
      initialNoiseFloorDbfs: -70,
      calibrationMs: 100,
      ...options,
    });
    this.noiseFloorDb = this.opts.initialNoiseFloorDbfs;
  }

  /** Current state. */
  get state(): VadState {
    return this.stateValue;
  }

  /** True while speech is confirmed (speech or maybe-silence). */
  get speaking(): boolean {
    return this.stateValue === 'speech' || this.stateValue === 'maybe-silence';
  }

  /** Current noise floor estimate (dBFS). */
  get noiseFloorDbfs(): number {
    return this.noiseFloorDb;
  }

  /**
   * Feeds one frame.
   * @param pcm mono 16-bit samples at `sampleRate`
   * @param atMs time the frame ended / was received (ms)
   * @returns the events this frame caused (zero or one)
   */
  process(pcm: Int16Array, atMs: number): VadEvent[] {
    const frameMs = (pcm.length * 1000) / this.opts.sampleRate;
    const db = levelDbfs(pcm);
    if (this.calibratedMs < this.opts.calibrationMs) {
      this.noiseFloorDb =
        this.calibratedMs === 0
          ? Math.min(-20, db)
          : this.noiseFloorDb + (Math.min(-20, db) - this.noiseFloorDb) * 0.5;
      this.calibratedMs += frameMs;
      return [];
    }
    const voiced = db >= Math.max(this.noiseFloorDb + this.opts.thresholdDb, this.opts.minLevelDbfs);
    if (!voiced && !this.speaking) this.adaptFloor(db);
    return this.step(voiced, frameMs, atMs);
  }

  /** Forgets any speech in progress (e.g. after a long pause in the input). */
  reset(): void {
    this.stateValue = 'silence';
    this.voicedMs = 0;
    this.gapMs = 0;
    this.silenceMs = 0;
  }

  private step(voiced: boolean, frameMs: number, atMs: number): VadEvent[] {
    switch (this.stateValue) {
      case 'silence':
        if (voiced) {
          this.stateValue = 'maybe-speech';
          this.onsetMs = atMs - frameMs;
          this.voicedMs = frameMs;
          this.gapMs = 0;
          return this.confirmStart(atMs);
        }
        return [];
      case 'maybe-speech':
        if (voiced) {
          this.voicedMs += frameMs;
          this.gapMs = 0;
          return this.confirmStart(atMs);
        }
        this.gapMs += frameMs;
        if (this.gapMs > this.opts.maxGapMs) this.reset();
        return [];
      case 'speech':
        if (!voiced) {
          this.stateValue = 'maybe-silence';
          this.lastSpeechMs = atMs - frameMs;
          this.silenceMs = frameMs;
          return this.confirmEnd(atMs);
        }
        return [];
      case 'maybe-silence':
        if (voiced) {
          this.stateValue = 'speech';
          return [];
        }
        this.silenceMs += frameMs;
        return this.confirmEnd(atMs);
    }
  }

  private confirmStart(atMs: number): VadEvent[] {
    if (this.voicedMs < this.opts.minSpeechMs) return [];
    this.stateValue = 'speech';
    return [{ type: 'speech-start', atMs, onsetMs: this.onsetMs }];
  }

  private confirmEnd(atMs: number): VadEvent[] {
    if (this.silenceMs < this.opts.minSilenceMs) return [];
    this.stateValue = 'silence';
    return [
      {
        type: 'speech-end',
        atMs,
        lastSpeechMs: this.lastSpeechMs,
        speechMs: this.lastSpeechMs - this.onsetMs,
      },
    ];
  }

  /** Falls quickly towards quieter frames, rises slowly towards louder ones. */
  private adaptFloor(db: number): void {
    const rate = db < this.noiseFloorDb ? 0.3 : 0.05;
    this.noiseFloorDb = Math.min(-20, this.noiseFloorDb + (db - this.noiseFloorDb) * rate);
  }
}
