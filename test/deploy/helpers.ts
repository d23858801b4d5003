/**
 * Shared helpers of the deployment checks (test/deploy): repository paths, a YAML parser
 * (the daemon's own `yaml` dependency), a parser for Asterisk's .conf files, a KEY=value
 * env-file reader, and the policy for external validators (systemd-analyze,
 * docker-compose): run them when installed; when missing, skip with a message, except
 * under CI=true where a missing validator fails the suite.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function readRepoFile(rel: string): string {
  return readFileSync(join(ROOT, rel), 'utf8');
}

interface YamlModule {
  parse(src: string): unknown;
  parseAllDocuments(src: string): { errors: unknown[]; toJS(): unknown }[];
}
// `yaml` is a dependency of the daemon, not of the root: resolve it from there.
const yaml = createRequire(join(ROOT, 'packages/daemon/package.json'))('yaml') as YamlModule;

/** Parses every document of a YAML file (comments-only documents dropped); throws on errors. */
export function yamlDocs(rel: string): Record<string, unknown>[] {
  const docs = yaml.parseAllDocuments(readRepoFile(rel));
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${rel}: ${String(d.errors[0])}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v as Record<string, unknown>);
  }
  return out;
}

export function yamlDoc(rel: string): Record<string, unknown> {
  const docs = yamlDocs(rel);
  if (docs.length !== 1) throw new Error(`${rel}: expected one YAML document, found ${docs.length}`);
  return docs[0] as Record<string, unknown>;
}

/** One `[name]` section of an Asterisk config file, in file order (names repeat in pjsip.conf). */
export interface IniSection {
  readonly name: string;
  /** `key = value` and `key => value` lines, in order; keys repeat (allow, exten, same). */
  readonly entries: { key: string; value: string }[];
  /** `#exec` / `#include` directives inside the section. */
  readonly directives: string[];
}

/** Parses Asterisk's config syntax: `;` comments, `[name](options)`, `k = v`, `k => v`, `#directives`. */
export function parseAsteriskConf(text: string): IniSection[] {
  const sections: IniSection[] = [];
  let cur: IniSection | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#')) {
      if (!cur) throw new Error(`line ${i + 1}: directive outside a section`);
      cur.directives.push(line);
      return;
    }
    const body = line.replace(/;.*$/, '').trim();
    if (body === '') return;
    const sec = /^\[([^\]]+)\](\([^)]*\))?$/.exec(body);
    if (sec) {
      cur = { name: sec[1] as string, entries: [], directives: [] };
      sections.push(cur);
      return;
    }
    const kv = /^([A-Za-z0-9_.-]+)\s*=>?\s*(.*)$/.exec(body);
    if (!kv || !cur) throw new Error(`line ${i + 1}: cannot parse "${raw}"`);
    cur.entries.push({ key: kv[1] as string, value: (kv[2] as string).trim() });
  });
  return sections;
}

/** Values of `key` in a section. */
export function values(section: IniSection, key: string): string[] {
  return section.entries.filter((e) => e.key === key).map((e) => e.value);
}

/** The only value of `key` in a section (throws when absent or repeated). */
export function value(section: IniSection, key: string): string {
  const v = values(section, key);
  if (v.length !== 1) throw new Error(`[${section.name}] ${key}: expected one value, found ${v.length}`);
  return v[0] as string;
}

/** The section `name` whose `type` is `type` (pjsip.conf), or the only section `name`. */
export function section(sections: IniSection[], name: string, type?: string): IniSection {
  const hits = sections.filter(
    (s) => s.name === name && (type === undefined || values(s, 'type')[0] === type),
  );
  if (hits.length !== 1) throw new Error(`[${name}]${type ? ` type=${type}` : ''}: found ${hits.length}`);
  return hits[0] as IniSection;
}

/** Reads a KEY=value env file (systemd EnvironmentFile syntax); `#` lines are comments. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not KEY=value: "${raw}"`);
    env[m[1] as string] = m[2] as string;
  });
  return env;
}

/** Absolute path of an executable on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a validator binary may be missing: on a developer machine the dependent test is
 * skipped (with `hint` printed); under CI=true it must be installed and the test runs (and fails).
 */
export function toolMissing(cmd: string, hint: string): boolean {
  if (which(cmd) !== undefined) return false;
  if (process.env.CI === 'true') return false;
  console.warn(`test/deploy: ${cmd} not installed, its check is skipped (${hint})`);
  return true;
}
