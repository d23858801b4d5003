import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import {
  TRANSPORTS,
  checkDuplicateNames,
  checkOneWsUrl,
  readAccount,
  type AccountDefaults,
  DEFAULT_SYSTEM_PROMPT,
} from './account.js';
import { ACCOUNT_ENV, GLOBAL_ENV } from './env.js';
import { readIceServers } from './ice-servers.js';
import { isObject, Reader, type Raw } from './reader.js';
import type { AccountConfig, ConfigProblem, DaemonConfig, LogLevel, SipTransportName } from './schema.js';

export { DEFAULT_SYSTEM_PROMPT };

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Result of resolving the configuration: the config when valid, and every problem found. */
export interface LoadResult {
  readonly config?: DaemonConfig | undefined;
  readonly problems: readonly ConfigProblem[];
  /** Where the YAML came from, if any. */
  readonly source?: string | undefined;
}

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
  const heartbeatIntervalSec = r.int(sipRaw, 'heartbeat_interval', 'sip.', 30, 5, 3600);
  const registrationRetrySec = r.int(sipRaw, 'registration_retry', 'sip.', 0, 0, 3600);
  const accountDefaults: AccountDefaults = {
    keepaliveIntervalSec: heartbeatIntervalSec,
    retryInitialMs: registrationRetrySec > 0 ? registrationRetrySec * 1000 : 2000,
  };
  const minSeSec = r.int(sipRaw, 'min_se_sec', 'sip.', 90, 90, 86400);
  const sessionExpiresRaw = r.int(sipRaw, 'session_expires_sec', 'sip.', 1800, 0, 86400);
  if (sessionExpiresRaw > 0 && sessionExpiresRaw < minSeSec)
    problems.push({
      field: 'sip.session_expires_sec',
      value: String(sessionExpiresRaw),
      expected: `0 (off) or at least sip.min_se_sec (${minSeSec}) (RFC 4028 §4)`,
    });
  const accountsRaw = sipRaw.accounts;
  const accounts: AccountConfig[] = [];
  if (accountsRaw !== undefined && !Array.isArray(accountsRaw)) {
    problems.push({ field: 'sip.accounts', value: typeof accountsRaw, expected: 'a list of accounts' });
  } else {
    (accountsRaw ?? []).forEach((a: unknown, i: number) => {
      const acc = readAccount(r, a, `sip.accounts[${i}].`, i, accountDefaults);
      if (acc) accounts.push(acc);
    });
  }
  checkDuplicateNames(accounts, problems);
  checkOneWsUrl(accounts, problems);
  if (accounts.length === 0)
    accounts.push(readAccount(r, {}, 'sip.accounts[0].', 0, accountDefaults) as AccountConfig);
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
      ...readIceServers(r, sipRaw),
      tls,
      userAgent: r.str(sipRaw, 'user_agent', 'sip.') ?? 'voice-assistant',
      maxConcurrentCalls: r.int(sipRaw, 'max_concurrent_calls', 'sip.', 100, 1, 100000),
      answerDelayMs: r.int(sipRaw, 'answer_delay_ms', 'sip.', 0, 0, 60000),
      t1Ms: r.int(sipRaw, 't1_ms', 'sip.', 500, 50, 10000),
      sessionExpiresSec: sessionExpiresRaw,
      minSeSec,
      instanceId: readInstanceId(r, sipRaw),
      heartbeatIntervalSec,
      pathMtu: r.int(sipRaw, 'path_mtu', 'sip.', 1500, 576, 65535),
      dnsServers: readDnsServers(r, sipRaw),
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

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** `sip.instance_id`: `auto`, a UUID (becomes `urn:uuid:<uuid>`) or any `urn:` (RFC 5626 §4.1). */
/**
 * `sip.dns_servers`: a list (or comma-separated string) of `ip`, `ip:port` or `[v6]:port`,
 * as node:dns `Resolver#setServers` takes them.
 */
function readDnsServers(r: Reader, sipRaw: Raw): string[] {
  const v = sipRaw.dns_servers;
  if (v === undefined || v === null || v === '') return [];
  const items = (Array.isArray(v) ? v.map(String) : String(v).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const item of items) {
    const m =
      /^(?:(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?|\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?|([0-9A-Fa-f:]*:[0-9A-Fa-f:.]*))$/.exec(
        item,
      );
    const ip = m?.[1] ?? m?.[3] ?? m?.[5];
    const port = Number(m?.[2] ?? m?.[4] ?? 53);
    if (!ip || !isIP(ip) || !(port >= 1 && port <= 65535)) {
      r.problems.push({
        field: 'sip.dns_servers',
        value: JSON.stringify(item),
        expected: 'IP addresses with an optional port, such as 10.0.0.53 or 127.0.0.1:5353 or [::1]:53',
      });
      continue;
    }
    out.push(item);
  }
  return out;
}

function readInstanceId(r: Reader, sipRaw: Raw): string | undefined {
  const v = r.str(sipRaw, 'instance_id', 'sip.');
  if (v === undefined) return undefined;
  const s = v.trim();
  if (s.toLowerCase() === 'auto') return 'auto';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s))
    return `urn:uuid:${s.toLowerCase()}`;
  if (/^urn:[a-z0-9][a-z0-9-]{0,31}:[^\s"<>]+$/i.test(s)) return s;
  r.problems.push({
    field: 'sip.instance_id',
    value: JSON.stringify(v),
    expected: 'auto, a UUID or a urn: (e.g. urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6)',
  });
  return undefined;
}
