import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ACCOUNT_ENV, GLOBAL_ENV, SECRET_FIELDS } from './env.js';
import type {
  AccountConfig,
  ConfigProblem,
  DaemonConfig,
  LogLevel,
  AccountTransportName,
  SipTransportName,
  SrtpPolicyName,
  MediaEncryptionName,
  WebhookToolConfig,
} from './schema.js';

type Raw = Record<string, unknown>;

/** Result of resolving the configuration: the config when valid, and every problem found. */
export interface LoadResult {
  readonly config?: DaemonConfig | undefined;
  readonly problems: readonly ConfigProblem[];
  /** Where the YAML came from, if any. */
  readonly source?: string | undefined;
}

export const DEFAULT_SYSTEM_PROMPT =
  'You are a friendly, concise voice assistant answering a phone call. Keep answers short: ' +
  'one or two sentences, no lists, no markdown. If the caller asks for a human, transfer the call.';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TRANSPORTS: readonly SipTransportName[] = ['udp', 'tcp', 'tls'];
const ACCOUNT_TRANSPORTS: readonly AccountTransportName[] = [...TRANSPORTS, 'ws', 'wss'];
/** Default registrar port per account transport (WS/WSS: Asterisk's HTTP/HTTPS ports). */
const DEFAULT_PORTS: Readonly<Record<AccountTransportName, number>> = {
  udp: 5060,
  tcp: 5060,
  tls: 5061,
  ws: 8088,
  wss: 8089,
};
const SRTP: readonly SrtpPolicyName[] = ['off', 'optional', 'mandatory'];
const MEDIA_ENCRYPTION: readonly MediaEncryptionName[] = ['sdes', 'dtls-srtp'];
const KNOWN_CODECS = ['PCMU', 'PCMA', 'OPUS', 'G722'];

/**
 * Resolves the configuration: defaults < YAML (`yamlText`) < environment (`env`).
 * Never throws on bad input: every problem is returned, naming the field, the bad value
 * (secrets masked) and the expected form.
 */
export function resolveConfig(
  yamlText: string | undefined,
  env: NodeJS.ProcessEnv,
  source?: string,
): LoadResult {
  const problems: ConfigProblem[] = [];
  let raw: Raw = {};
  if (yamlText !== undefined && yamlText.trim() !== '') {
    try {
      const doc: unknown = parseYaml(yamlText);
      if (doc !== null && doc !== undefined) {
        if (!isObject(doc))
          problems.push({ field: source ?? 'config', value: typeof doc, expected: 'a YAML mapping' });
        else raw = doc;
      }
    } catch (err) {
      const where = err instanceof YAMLParseError ? ` at line ${err.linePos?.[0].line ?? '?'}` : '';
      problems.push({
        field: source ?? 'config',
        value: `unparsable YAML${where}`,
        expected: (err as Error).message,
      });
      return { problems, source };
    }
  }
  applyEnv(raw, env, problems);
  const config = validate(raw, problems);
  return { config: problems.length === 0 ? config : undefined, problems, source };
}

/** Reads `path` (if given) and resolves it with `env`. A missing file is a problem, not a crash. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv): LoadResult {
  if (path === undefined) return resolveConfig(undefined, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return {
      problems: [
        { field: '--config', value: path, expected: `a readable YAML file (${(err as Error).message})` },
      ],
      source: path,
    };
  }
  return resolveConfig(text, env, path);
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(obj: Raw, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (!isObject(next)) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[path[path.length - 1] as string] = value;
}

function applyEnv(raw: Raw, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): void {
  for (const [name, path] of Object.entries(GLOBAL_ENV)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(raw, path, v);
  }
  if (!isObject(raw.sip)) raw.sip = {};
  const sip = raw.sip as Raw;
  const accountsEnv = env.SIP_ACCOUNTS;
  if (accountsEnv !== undefined && accountsEnv.trim() !== '') {
    try {
      const list: unknown = parseYaml(accountsEnv);
      if (!Array.isArray(list))
        problems.push({ field: 'SIP_ACCOUNTS', value: typeof list, expected: 'a YAML list of accounts' });
      else sip.accounts = list;
    } catch (err) {
      problems.push({ field: 'SIP_ACCOUNTS', value: 'unparsable YAML', expected: (err as Error).message });
    }
  }
  const accountEnv = Object.entries(ACCOUNT_ENV).filter(([name]) => (env[name] ?? '') !== '');
  if (accountEnv.length === 0) return;
  if (!Array.isArray(sip.accounts)) sip.accounts = [];
  const accounts = sip.accounts as unknown[];
  if (accountsEnv !== undefined && accountsEnv.trim() !== '') {
    for (const acc of accounts) {
      if (!isObject(acc)) continue;
      for (const [name, { field, shared }] of accountEnv)
        if (shared && acc[field] === undefined) acc[field] = env[name];
    }
    return;
  }
  if (!isObject(accounts[0])) accounts[0] = {};
  for (const [name, { field }] of accountEnv) (accounts[0] as Raw)[field] = env[name];
}

/** Validates the raw tree into a frozen `DaemonConfig`, pushing a problem per bad field. */
function validate(raw: Raw, problems: ConfigProblem[]): DaemonConfig {
  const r = new Reader(problems);
  const sipRaw = r.obj(raw, 'sip');
  const rtpRaw = r.obj(raw, 'rtp');
  const httpRaw = r.obj(raw, 'http');
  const recRaw = r.obj(raw, 'recording');
  const aiRaw = r.obj(raw, 'ai');
  const tlsRaw = r.obj(sipRaw, 'tls', 'sip.');
  const telRaw = r.obj(raw, 'telephony');
  const tls = {
    certFile: r.str(tlsRaw, 'cert_file', 'sip.tls.'),
    keyFile: r.str(tlsRaw, 'key_file', 'sip.tls.'),
    caFile: r.str(tlsRaw, 'ca_file', 'sip.tls.'),
    verifyServer: r.bool(tlsRaw, 'verify_server', 'sip.tls.', true),
  };
  const defaultTransports: SipTransportName[] =
    tls.certFile && tls.keyFile ? ['udp', 'tcp', 'tls'] : ['udp', 'tcp'];
  const accountsRaw = sipRaw.accounts;
  const accounts: AccountConfig[] = [];
  if (accountsRaw !== undefined && !Array.isArray(accountsRaw)) {
    problems.push({ field: 'sip.accounts', value: typeof accountsRaw, expected: 'a list of accounts' });
  } else {
    (accountsRaw ?? []).forEach((a: unknown, i: number) => {
      const acc = readAccount(r, a, `sip.accounts[${i}].`, i);
      if (acc) accounts.push(acc);
    });
  }
  checkDuplicateNames(accounts, problems);
  checkOneWsUrl(accounts, problems);
  if (accounts.length === 0) accounts.push(readAccount(r, {}, 'sip.accounts[0].', 0) as AccountConfig);
  const rtp = {
    portMin: r.int(rtpRaw, 'port_min', 'rtp.', 10000, 1024, 65534),
    portMax: r.int(rtpRaw, 'port_max', 'rtp.', 20000, 1025, 65535),
    mediaTimeoutMs: r.int(rtpRaw, 'media_timeout_sec', 'rtp.', 30, 0, 3600) * 1000,
  };
  if (rtp.portMax - rtp.portMin < 1)
    problems.push({
      field: 'rtp.port_max',
      value: String(rtp.portMax),
      expected: `greater than rtp.port_min (${rtp.portMin})`,
    });
  const oa = r.obj(aiRaw, 'openai', 'ai.');
  const dg = r.obj(aiRaw, 'deepgram', 'ai.');
  const el = r.obj(aiRaw, 'elevenlabs', 'ai.');
  const tw = r.obj(raw, 'twilio');
  const config: DaemonConfig = {
    telephony: {
      provider: r.enumOf(telRaw, 'provider', 'telephony.', ['sip', 'twilio'] as const, 'sip'),
      fallback: r.enumOpt(telRaw, 'fallback', 'telephony.', ['twilio'] as const),
    },
    sip: {
      listenAddress: r.str(sipRaw, 'listen_address', 'sip.') ?? '0.0.0.0',
      listenPort: r.int(sipRaw, 'listen_port', 'sip.', 5060, 0, 65535),
      listenTransports: r.list(sipRaw, 'listen_transports', 'sip.', TRANSPORTS, defaultTransports),
      tlsListenPort: r.int(sipRaw, 'tls_listen_port', 'sip.', 5061, 0, 65535),
      publicAddress: r.str(sipRaw, 'public_address', 'sip.'),
      stunServer: r.str(sipRaw, 'stun_server', 'sip.'),
      turnServer: r.str(sipRaw, 'turn_server', 'sip.'),
      turnUsername: r.str(sipRaw, 'turn_username', 'sip.'),
      turnPassword: r.str(sipRaw, 'turn_password', 'sip.'),
      tls,
      userAgent: r.str(sipRaw, 'user_agent', 'sip.') ?? 'voice-assistant',
      maxConcurrentCalls: r.int(sipRaw, 'max_concurrent_calls', 'sip.', 100, 1, 100000),
      answerDelayMs: r.int(sipRaw, 'answer_delay_ms', 'sip.', 0, 0, 60000),
      t1Ms: r.int(sipRaw, 't1_ms', 'sip.', 500, 50, 10000),
      accounts,
    },
    rtp,
    http: {
      listenAddress: r.str(httpRaw, 'listen_address', 'http.') ?? '0.0.0.0',
      port: r.int(httpRaw, 'port', 'http.', 8080, 0, 65535),
    },
    log: { level: r.enumOf(r.obj(raw, 'log'), 'level', 'log.', LOG_LEVELS, 'info') },
    recording: {
      enabled: r.bool(recRaw, 'enabled', 'recording.', false),
      path: r.str(recRaw, 'path', 'recording.') ?? './recordings',
      retentionDays: r.int(recRaw, 'retention_days', 'recording.', 0, 0, 36500),
    },
    ai: {
      openai: {
        apiKey: r.str(oa, 'api_key', 'ai.openai.'),
        baseUrl: r.url(oa, 'base_url', 'ai.openai.'),
        model: r.str(oa, 'model', 'ai.openai.') ?? 'gpt-4o-mini',
      },
      deepgram: {
        apiKey: r.str(dg, 'api_key', 'ai.deepgram.'),
        baseUrl: r.url(dg, 'base_url', 'ai.deepgram.'),
        model: r.str(dg, 'model', 'ai.deepgram.') ?? 'nova-2',
      },
      elevenlabs: {
        apiKey: r.str(el, 'api_key', 'ai.elevenlabs.'),
        baseUrl: r.url(el, 'base_url', 'ai.elevenlabs.'),
        voiceId: r.str(el, 'voice_id', 'ai.elevenlabs.'),
      },
    },
    twilio: {
      accountSid: r.str(tw, 'account_sid', 'twilio.'),
      authToken: r.str(tw, 'auth_token', 'twilio.'),
      apiBaseUrl: r.url(tw, 'api_base_url', 'twilio.') ?? 'https://api.twilio.com',
      publicUrl: r.url(tw, 'public_url', 'twilio.'),
      phoneNumber: r.str(tw, 'phone_number', 'twilio.'),
    },
    shutdownDrainMs: r.int(raw, 'shutdown_drain_sec', '', 30, 0, 86400) * 1000,
  };
  return deepFreeze(config);
}

function readAccount(r: Reader, a: unknown, p: string, index: number): AccountConfig | undefined {
  if (!isObject(a)) {
    r.problems.push({
      field: p.slice(0, -1),
      value: String(a),
      expected: 'an account mapping (server, username, password, ...)',
    });
    return undefined;
  }
  const transport = r.enumOf(a, 'transport', p, ACCOUNT_TRANSPORTS, 'udp');
  const ws = readWsUrl(r, a, p, transport);
  const server = r.host(a, 'server', p) ?? ws.host;
  const port = r.int(a, 'port', p, DEFAULT_PORTS[transport], 1, 65535);
  const username = r.str(a, 'username', p);
  const password = r.str(a, 'password', p);
  if (server !== undefined && username === undefined)
    r.problems.push({
      field: `${p}username`,
      value: '(missing)',
      expected: 'the SIP username (SIP_USERNAME) when a server is set',
    });
  if (server !== undefined && password === undefined)
    r.problems.push({
      field: `${p}password`,
      value: '(missing)',
      expected: 'the SIP password (SIP_PASSWORD) when a server is set',
    });
  const asst = r.obj(a, 'assistant', p);
  const retryInitialMs = r.int(a, 'retry_initial_ms', p, 2000, 100, 3_600_000);
  return {
    name: r.str(a, 'name', p) ?? (index === 0 ? 'default' : `account${index + 1}`),
    server,
    port,
    transport,
    wsUrl: ws.url ?? defaultWsUrl(transport, server, port),
    username,
    authUsername: r.str(a, 'auth_username', p),
    password,
    domain: r.host(a, 'domain', p),
    extension: r.str(a, 'extension', p),
    expiresSec: r.int(a, 'expires', p, 300, 10, 86400),
    retryInitialMs,
    retryMaxMs: Math.max(retryInitialMs, r.int(a, 'retry_max_ms', p, 60000, 100, 3_600_000)),
    codecs: r
      .list(a, 'codecs', p, KNOWN_CODECS, ['OPUS', 'G722', 'PCMU', 'PCMA'], (s) => s.toUpperCase())
      .map((c) => (c === 'OPUS' ? 'opus' : c)),
    srtp: r.enumOf(a, 'srtp', p, SRTP, 'optional'),
    mediaEncryption: r.enumOf(a, 'media_encryption', p, MEDIA_ENCRYPTION, 'sdes'),
    recordCalls: a.record_calls === undefined ? undefined : r.bool(a, 'record_calls', p, false),
    assistant: {
      systemPrompt: r.str(asst, 'system_prompt', `${p}assistant.`) ?? DEFAULT_SYSTEM_PROMPT,
      greeting: r.str(asst, 'greeting', `${p}assistant.`) ?? 'Hello! How can I help you today?',
      voiceId: r.str(asst, 'voice_id', `${p}assistant.`),
      language: r.str(asst, 'language', `${p}assistant.`) ?? 'en-US',
      transferTarget: r.str(asst, 'transfer_target', `${p}assistant.`),
      allowInterruptions: r.bool(asst, 'allow_interruptions', `${p}assistant.`, true),
      maxCallSec: r.int(asst, 'max_call_sec', `${p}assistant.`, 1800, 10, 86400),
      tools: readTools(r, asst.tools, `${p}assistant.tools`),
      model: r.str(asst, 'model', `${p}assistant.`),
      temperature: readTemperature(r, asst.temperature, `${p}assistant.temperature`),
    },
  };
}

function readTemperature(r: Reader, raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (Number.isFinite(n) && n >= 0 && n <= 2) return n;
  r.problems.push({ field, value: String(raw), expected: 'a number 0..2' });
  return undefined;
}

function readTools(r: Reader, raw: unknown, field: string): WebhookToolConfig[] {
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

/** `ws_url` (RFC 7118): a ws:// or wss:// URL; its host stands in for a missing `server`. */
function readWsUrl(
  r: Reader,
  a: Raw,
  p: string,
  transport: AccountTransportName,
): { url?: string; host?: string } {
  const url = r.str(a, 'ws_url', p);
  if (url === undefined) return {};
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:')) {
    const expected = 'a ws:// or wss:// URL such as wss://pbx.example.com:8089/ws';
    r.problems.push({ field: `${p}ws_url`, value: JSON.stringify(url), expected });
    return {};
  }
  if (transport !== 'ws' && transport !== 'wss') return {}; // ignored for UDP/TCP/TLS accounts
  return { url, host: parsed.hostname.replace(/^\[|\]$/g, '') };
}

/** Without `ws_url`: `<transport>://<server>:<port>/ws` (Asterisk's path) for ws/wss accounts. */
function defaultWsUrl(
  transport: AccountTransportName,
  server: string | undefined,
  port: number,
): string | undefined {
  if ((transport !== 'ws' && transport !== 'wss') || server === undefined) return undefined;
  return `${transport}://${server.includes(':') ? `[${server}]` : server}:${port}/ws`;
}

/** The stack keeps one WebSocket connection per daemon: every ws/wss account must share it. */
function checkOneWsUrl(accounts: AccountConfig[], problems: ConfigProblem[]): void {
  const urls = [...new Set(accounts.flatMap((a) => (a.wsUrl === undefined ? [] : [a.wsUrl])))];
  if (urls.length > 1)
    problems.push({
      field: 'sip.accounts[].ws_url',
      value: urls.join(', '),
      expected: 'one WebSocket URL shared by every ws/wss account',
    });
}

function checkDuplicateNames(accounts: AccountConfig[], problems: ConfigProblem[]): void {
  const seen = new Set<string>();
  accounts.forEach((a, i) => {
    if (seen.has(a.name))
      problems.push({ field: `sip.accounts[${i}].name`, value: a.name, expected: 'a unique account name' });
    seen.add(a.name);
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Typed field readers that record problems instead of throwing. */
class Reader {
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
