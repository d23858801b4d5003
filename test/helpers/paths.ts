import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The shared folder beside the repository (peer configs, conformance data). */
export const SHARED = resolve(ROOT, '..', 'shared');
/** Built daemon entry point (run `pnpm build` first). */
export const DAEMON_CLI = join(ROOT, 'packages/daemon/dist/cli.js');
export const PROMPTS = join(ROOT, 'packages/daemon/prompts');

/** A fresh scratch directory under test/.run for one suite's peers and logs. */
export function runDir(name: string): string {
  const dir = join(ROOT, 'test/.run', `${name}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
