import type { WebhookToolConfig } from './schema.js';
import { isObject, type Reader } from './reader.js';

export function readTemperature(r: Reader, raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (Number.isFinite(n) && n >= 0 && n <= 2) return n;
  r.problems.push({ field, value: String(raw), expected: 'a number 0..2' });
  return undefined;
}

/** `assistant.tools`: webhook tools the LLM may call. */
export function readTools(r: Reader, raw: unknown, field: string): WebhookToolConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    r.problems.push({ field, value: typeof raw, expected: 'a list of webhook tools' });
    return [];
  }
  const out: WebhookToolConfig[] = [];
  raw.forEach((t: unknown, i: number) => {
    const p = `${field}[${i}].`;
    if (!isObject(t)) {
      r.problems.push({
        field: p.slice(0, -1),
        value: String(t),
        expected: 'a tool mapping (name, description, url, parameters)',
      });
      return;
    }
    const name = r.str(t, 'name', p);
    const url = r.url(t, 'url', p);
    const params = t.parameters ?? { type: 'object', properties: {} };
    if (!name || !/^[A-Za-z0-9_-]{1,64}$/.test(name))
      r.problems.push({
        field: `${p}name`,
        value: String(name),
        expected: 'letters, digits, _ or - (at most 64)',
      });
    if (t.url === undefined)
      r.problems.push({
        field: `${p}url`,
        value: '(missing)',
        expected: 'the http(s) URL to POST the arguments to',
      });
    if (!isObject(params) || params.type !== 'object')
      r.problems.push({
        field: `${p}parameters`,
        value: JSON.stringify(params),
        expected: 'a JSON schema with type: object',
      });
    const headers = r.obj(t, 'headers', p);
    if (!name || !url || !isObject(params)) return;
    out.push({
      name,
      description: r.str(t, 'description', p) ?? name,
      parameters: params,
      url,
      headers:
        Object.keys(headers).length > 0
          ? (Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])) as Record<
              string,
              string
            >)
          : undefined,
      timeoutMs: r.int(t, 'timeout_ms', p, 5000, 100, 60000),
    });
  });
  return out;
}
