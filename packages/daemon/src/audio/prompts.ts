import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from './wav.js';

/** Where the committed prompt WAVs live: `packages/daemon/prompts/<rate>/<name>.wav`. */
export const PROMPTS_DIR = resolve(fileURLToPath(new URL('../../prompts', import.meta.url)));

/** Sample rates the prompts are committed at. */
export const PROMPT_RATES = [8000, 16000] as const;

/**
 * Loads the echo-test prompts once per sample rate and serves them as ptime frames.
 * Prompts are made offline (scripts/make-prompts.sh) and committed; nothing is fetched
 * or synthesised at run time.
 */
export class PromptLibrary {
  private readonly cache = new Map<string, Int16Array>();
  /** Framed prompts per `rate/samplesPerFrame/name`: cut once, not on every call. */
  private readonly framed = new Map<string, readonly Int16Array[]>();

  constructor(
    private readonly dir: string = PROMPTS_DIR,
    /** Converts PCM from one rate to another, for codec rates without committed prompts. */
    private readonly resample?: (pcm: Int16Array, fromRate: number, toRate: number) => Int16Array,
  ) {}

  /** PCM of prompt `name` at `rate`, or undefined when the prompt does not exist. */
  pcm(name: string, rate: number): Int16Array | undefined {
    const key = `${rate}/${name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let pcm = this.read(name, rate);
    if (!pcm && this.resample) {
      const src = this.read(name, 16000);
      if (src) pcm = this.resample(src, 16000, rate);
    }
    if (pcm) this.cache.set(key, pcm);
    return pcm;
  }

  /**
   * Prompt `name` cut into frames of `samplesPerFrame`: views into the cached audio (no
   * copy per call), the last one zero-padded. The list is cut once per (name, rate, frame
   * size) and shared: callers must not modify it or write to the frames.
   */
  frames(name: string, rate: number, samplesPerFrame: number): readonly Int16Array[] {
    const key = `${rate}/${samplesPerFrame}/${name}`;
    const hit = this.framed.get(key);
    if (hit) return hit;
    const pcm = this.pcm(name, rate);
    if (!pcm) return [];
    const out = this.cut(pcm, samplesPerFrame);
    this.framed.set(key, out);
    return out;
  }

  private cut(pcm: Int16Array, samplesPerFrame: number): readonly Int16Array[] {
    const out: Int16Array[] = [];
    for (let off = 0; off < pcm.length; off += samplesPerFrame) {
      if (off + samplesPerFrame <= pcm.length) {
        out.push(pcm.subarray(off, off + samplesPerFrame));
        continue;
      }
      const last = new Int16Array(samplesPerFrame);
      last.set(pcm.subarray(off));
      out.push(last);
    }
    return out;
  }

  /** Throws when the committed prompts are missing (a broken install), checked at start-up. */
  verify(names: readonly string[]): void {
    for (const n of names) {
      const f = join(this.dir, '8000', `${n}.wav`);
      if (!existsSync(f)) throw new Error(`prompt file missing: ${f}`);
    }
  }

  private read(name: string, rate: number): Int16Array | undefined {
    const f = join(this.dir, String(rate), `${name}.wav`);
    if (!existsSync(f)) return undefined;
    const r = parseWav(readFileSync(f));
    if (!r.ok || r.audio.channels !== 1 || r.audio.sampleRate !== rate) return undefined;
    return r.audio.samples;
  }
}
