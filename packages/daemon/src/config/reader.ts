import { SECRET_FIELDS } from './env.js';
import type { ConfigProblem } from './schema.js';

/** A YAML mapping before validation (snake_case keys). */
export type Raw = Record<string, unknown>;

export function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Typed field readers that record problems instead of throwing. */
export class Reader {
  constructor(readonly problems: ConfigProblem[]) {}

  private bad(field: string, value: unknown, expected: string): void {
    const key = field.split('.').pop() ?? field;
    const shown = SECRET_FIELDS.has(key)
      ? '***'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value);
    this.problems.push({ field, value: shown, expected });
  }

  obj(o: Raw, key: string, prefix = ''): Raw {
    const v = o[key];
    if (v === undefined || v === null) return {};
    if (isObject(v)) return v;
    this.bad(prefix + key, v, 'a mapping');
    return {};
  }

  str(o: Raw, key: string, prefix: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v); // e.g. `username: 100`
    this.bad(prefix + key, v, 'a string');
    return undefined;
  }

  host(o: Raw, key: string, prefix: string): string | undefined {
    const v = this.str(o, key, prefix);
    if (v === undefined) return undefined;
    if (/^[A-Za-z0-9._-]+$/.test(v) || /^\[?[0-9A-Fa-f:.]+\]?$/.test(v)) return v.replace(/^\[|\]$/g, '');
    this.bad(prefix + key, v, 'a host name or IP address (no scheme, no port: use the port field)');
    return undefined;
  }

  /** A string that `valid` accepts (trimmed), else a problem naming the `expected` form. */
  checked(
    o: Raw,
    key: string,
    prefix: string,
    valid: (v: string) => boolean,
    expected: string,
  ): string | undefined {
    const v = this.str(o, key, prefix)?.trim();
    if (v === undefined || v === '' || valid(v)) return v || undefined;
    this.bad(prefix + key, v, expected);
    return undefined;
  }

  url(o: Raw, key: string, prefix: string): string | undefined {
    const v = this.str(o, key, prefix);
    if (v === undefined) return undefined;
    try {
      new URL(v);
      return v;
    } catch {
      this.bad(prefix + key, v, 'an absolute URL such as http://127.0.0.1:8000/v1');
      return undefined;
    }
  }

  int(o: Raw, key: string, prefix: string, def: number, min: number, max: number): number {
    const v = o[key];
    if (v === undefined || v === null || v === '') return def;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.bad(prefix + key, v, `an integer ${min}..${max}`);
    return def;
  }

  bool(o: Raw, key: string, prefix: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined || v === null || v === '') return def;
    if (typeof v === 'boolean') return v;
    const s = String(v).trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'no', 'off'].includes(s)) return false;
    this.bad(prefix + key, v, 'true or false');
    return def;
  }

  enumOf<T extends string>(o: Raw, key: string, prefix: string, allowed: readonly T[], def: T): T {
    return this.enumOpt(o, key, prefix, allowed) ?? def;
  }

  enumOpt<T extends string>(o: Raw, key: string, prefix: string, allowed: readonly T[]): T | undefined {
    const v = o[key];
    if (v === undefined || v === null || v === '' || v === 'none') return undefined;
    const s = String(v).trim().toLowerCase();
    const hit = allowed.find((a) => a.toLowerCase() === s);
    if (hit !== undefined) return hit;
    this.bad(prefix + key, v, `one of ${allowed.join(', ')}`);
    return undefined;
  }

  list<T extends string>(
    o: Raw,
    key: string,
    prefix: string,
    allowed: readonly T[],
    def: readonly T[],
    norm: (s: string) => string = (s) => s.toLowerCase(),
  ): T[] {
    const v = o[key];
    if (v === undefined || v === null || v === '') return [...def];
    const items = Array.isArray(v) ? v.map(String) : String(v).split(',');
    const out: T[] = [];
    for (const item of items.map((s) => norm(s.trim())).filter((s) => s !== '')) {
      const hit = allowed.find((a) => a === item);
      if (hit === undefined) this.bad(prefix + key, item, `items from ${allowed.join(', ')}`);
      else if (!out.includes(hit)) out.push(hit);
    }
    return out.length > 0 ? out : [...def];
  }
}
