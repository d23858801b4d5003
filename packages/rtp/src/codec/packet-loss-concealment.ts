/**
 * Waveform-substitution packet loss concealment for sample-domain codecs (G.711, G.722),
 * in the spirit of ITU-T G.711 Appendix I:
 * - on the first lost frame, estimate the pitch period (5..15 ms) by normalised
 *   cross-correlation over the last 20 ms of history (App. I §I.2.2);
 * - synthesise by repeating the last pitch period, widening to 2 then 3 periods after
 *   10 and 20 ms of loss so the repetition does not sound buzzy (§I.2.3);
 * - attenuate linearly by 20 % per 10 ms after the first 10 ms, reaching silence after
 *   60 ms (§I.2.4);
 * - cross-fade the first good frame with the synthetic continuation (§I.2.5, 1/4 pitch
 *   period, at least 1 ms).
 * Unlike Appendix I we do not delay the output by 3.75 ms, so the loss onset is not
 * overlap-added; history is continuous only if the pitch estimate is.
 */

/** Concealment state for one decoded stream. Pure: no timers, no I/O. */
export class WaveformConcealer {
  /** PCM rate in Hz. */
  readonly sampleRate: number;
  private readonly history: Float32Array;
  private readonly minPitch: number;
  private readonly maxPitch: number;
  private readonly corrLen: number;
  /** Samples of loss synthesised so far in the current burst (0 = not in a loss). */
  private lostSamples = 0;
  private pitch = 0;
  /** Read offset into the repeated pitch segment. */
  private cursor = 0;
  /** Samples written to history since creation (caps at history length). */
  private filled = 0;

  /** @param sampleRate - PCM rate in Hz (8000 for G.711). */
  constructor(sampleRate: number) {
    this.sampleRate = sampleRate;
    const ms = sampleRate / 1000;
    this.minPitch = Math.round(5 * ms);
    this.maxPitch = Math.round(15 * ms);
    this.corrLen = Math.round(20 * ms);
    // 3 pitch periods + correlation window (App. I keeps 48.75 ms at 8 kHz).
    this.history = new Float32Array(Math.max(3 * this.maxPitch, this.maxPitch + this.corrLen) + 8);
  }

  /** True while a loss burst is being concealed (until the next {@link observe}). */
  get concealing(): boolean {
    return this.lostSamples > 0;
  }

  /**
   * Feed a correctly decoded frame. When it follows concealed frames, the first
   * 1/4 pitch period (>= 1 ms) is cross-faded in place with the synthetic continuation.
   * @param pcm - decoded samples; modified in place on recovery.
   */
  observe(pcm: Int16Array): void {
    if (this.lostSamples > 0) {
      const fadeLen = Math.min(pcm.length, Math.max(Math.round(this.sampleRate / 1000), this.pitch >> 2));
      const synthetic = this.synthesize(fadeLen);
      for (let i = 0; i < fadeLen; i++) {
        const w = (i + 1) / (fadeLen + 1);
        pcm[i] = Math.round(synthetic[i]! * (1 - w) + pcm[i]! * w);
      }
      this.lostSamples = 0;
    }
    this.push(pcm);
  }

  /**
   * Produce `samples` samples of concealment for a lost frame.
   * @returns synthetic PCM (silence after 60 ms of continuous loss).
   */
  conceal(samples: number): Int16Array {
    if (this.lostSamples === 0) this.startLoss();
    // History stays frozen at the pre-loss signal: synthetic output is not fed back.
    return this.synthesize(samples);
  }

  /** Forget all history (e.g. new SSRC). */
  reset(): void {
    this.history.fill(0);
    this.lostSamples = 0;
    this.filled = 0;
  }

  private push(pcm: Int16Array): void {
    const h = this.history;
    const n = pcm.length;
    if (n >= h.length) {
      for (let i = 0; i < h.length; i++) h[i] = pcm[n - h.length + i]!;
    } else {
      h.copyWithin(0, n);
      for (let i = 0; i < n; i++) h[h.length - n + i] = pcm[i]!;
    }
    this.filled = Math.min(h.length, this.filled + n);
  }

  private startLoss(): void {
    this.pitch = this.estimatePitch();
    this.cursor = 0;
  }

  /** App. I §I.2.2: lag maximising normalised correlation of the last `corrLen` samples. */
  private estimatePitch(): number {
    const h = this.history;
    const end = h.length;
    const start = end - this.corrLen;
    let bestLag = this.maxPitch;
    let best = -Infinity;
    for (let lag = this.minPitch; lag <= this.maxPitch; lag++) {
      let cross = 0;
      let energy = 0;
      for (let i = start; i < end; i++) {
        const past = h[i - lag]!;
        cross += h[i]! * past;
        energy += past * past;
      }
      const score = energy > 0 ? cross / Math.sqrt(energy) : 0;
      if (score > best) {
        best = score;
        bestLag = lag;
      }
    }
    return bestLag;
  }

  private synthesize(samples: number): Int16Array {
    const out = new Int16Array(samples);
    const h = this.history;
    const tenMs = this.sampleRate / 100;
    const silenceAt = 6 * tenMs; // App. I §I.2.4: silence after 60 ms
    for (let i = 0; i < samples; i++) {
      const t = this.lostSamples + i;
      if (t >= silenceAt || this.filled === 0) break; // remaining samples stay 0
      // §I.2.3: 1 period for the first 10 ms, 2 for the next 10 ms, then 3.
      const periods = t < tenMs ? 1 : t < 2 * tenMs ? 2 : 3;
      const span = this.pitch * periods;
      const idx = h.length - span + (this.cursor % span);
      // Gain: 1 for the first 10 ms, then -20 % per 10 ms (linear ramp).
      const gain = t < tenMs ? 1 : Math.max(0, 1 - (0.2 * (t - tenMs)) / tenMs);
      out[i] = Math.round(h[idx]! * gain);
      this.cursor++;
    }
    this.lostSamples += samples;
    return out;
  }
}
