import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes `text` as speech (flite, voice kal16) converted to `rate` Hz mono 16-bit WAV,
 * repeated (then cut) to last exactly `totalSec` seconds; returns the path. Made at test time so no
 * audio fixtures need committing.
 */
export function speechWav(dir: string, name: string, text: string, rate: number, totalSec: number): string {
  const raw = join(dir, `${name}-flite.wav`);
  const out = join(dir, `${name}.wav`);
  execFileSync('flite', ['-voice', 'kal16', '-t', text, '-o', raw]);
  execFileSync('sox', [
    raw,
    '-r',
    String(rate),
    '-c',
    '1',
    '-b',
    '16',
    out,
    'repeat',
    String(Math.ceil(totalSec)), // any utterance lasts >= 1 s: enough copies to fill totalSec
    'trim',
    '0',
    String(totalSec),
  ]);
  return out;
}
