import type {
  AccountConfig,
  AccountTransportName,
  ConfigProblem,
  KeepaliveModeName,
  AcceptReferName,
  MediaEncryptionName,
  SipTransportName,
  SrtpPolicyName,
} from './schema.js';
import { readTemperature, readTools } from './assistant.js';
import { isObject, type Raw, type Reader } from './reader.js';

/** Default assistant instructions. */
export const DEFAULT_SYSTEM_PROMPT =
  'You are a friendly, concise voice assistant answering a phone call. Keep answers short: ' +
  'one or two sentences, no lists, no markdown. If the caller asks for a human, transfer the call.';

export const TRANSPORTS: readonly SipTransportName[] = ['udp', 'tcp', 'tls'];
export const ACCOUNT_TRANSPORTS: readonly AccountTransportName[] = [...TRANSPORTS, 'ws', 'wss'];
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
const ACCEPT_REFER: readonly AcceptReferName[] = ['pbx', 'any', 'off'];
const KNOWN_CODECS = ['PCMU', 'PCMA', 'OPUS', 'G722'];

/** Account defaults that come from `sip.*` keys. */
export interface AccountDefaults {
  /** `sip.heartbeat_interval`, seconds. */
  readonly keepaliveIntervalSec: number;
  /** `sip.registration_retry` (seconds) as milliseconds, else 2000. */
  readonly retryInitialMs: number;
}

const KEEPALIVE: readonly KeepaliveModeName[] = ['auto', 'off', 'crlf', 'options', 'stun'];

/** One `sip.accounts[]` entry. */
export function readAccount(
  r: Reader,
  a: unknown,
  p: string,
  index: number,
  defaults: AccountDefaults,
): AccountConfig | undefined {
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
  const portSet = a.port !== undefined && a.port !== null && a.port !== '';
  // RFC 3263 §4.2: SRV only for a host name without an explicit port; WS URLs name their host and port.
  const srvPossible =
    server !== undefined && !portSet && !isIpLiteral(server) && transport !== 'ws' && transport !== 'wss';
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
  const retryInitialMs = r.int(a, 'retry_initial_ms', p, defaults.retryInitialMs, 100, 3_600_000);
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
    dnsSrv: r.bool(a, 'dns_srv', p, true) && srvPossible,
    outboundProxy: readOutboundProxy(r, a, p),
    keepalive: r.enumOf(a, 'keepalive', p, KEEPALIVE, 'auto'),
    keepaliveIntervalSec: r.int(a, 'keepalive_interval', p, defaults.keepaliveIntervalSec, 5, 3600),
    expiresSec: r.int(a, 'expires', p, 300, 10, 86400),
    retryInitialMs,
    retryMaxMs: Math.max(retryInitialMs, r.int(a, 'retry_max_ms', p, 60000, 100, 3_600_000)),
    codecs: r
      .list(a, 'codecs', p, KNOWN_CODECS, ['OPUS', 'G722', 'PCMU', 'PCMA'], (s) => s.toUpperCase())
      .map((c) => (c === 'OPUS' ? 'opus' : c)),
    srtp: r.enumOf(a, 'srtp', p, SRTP, 'optional'),
    mediaEncryption: r.enumOf(a, 'media_encryption', p, MEDIA_ENCRYPTION, 'sdes'),
    acceptRefer: r.enumOf(a, 'accept_refer', p, ACCEPT_REFER, 'pbx'),
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

function isIpLiteral(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * `outbound_proxy`: `host`, `host:port`, `[v6]:port` or a `sip:`/`sips:` URI, normalised to a
 * loose-routing URI (`;lr`, RFC 3261 §16.12.1.1) for the preloaded Route.
 */
function readOutboundProxy(r: Reader, a: Raw, p: string): string | undefined {
  const v = r.str(a, 'outbound_proxy', p);
  if (v === undefined) return undefined;
  const m =
    /^(sips?:)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?((?:;[A-Za-z0-9_.!~*'()%+-]+(?:=[A-Za-z0-9_.!~*'()%+-]+)?)*)$/i.exec(
      v.trim(),
    );
  const port = m?.[3] === undefined ? undefined : Number(m[3]);
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    r.problems.push({
      field: `${p}outbound_proxy`,
      value: JSON.stringify(v),
      expected: 'a host, host:port or SIP URI such as sip:proxy.example.com:5060;transport=tcp',
    });
    return undefined;
  }
  const params = m[4] ?? '';
  const lr = /;lr(=|;|$)/i.test(params) ? '' : ';lr';
  return `${(m[1] ?? 'sip:').toLowerCase()}${m[2]}${port === undefined ? '' : `:${port}`}${params}${lr}`;
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

/**
 * Several WebSocket URLs are fine: the daemon opens one connection per distinct URL (RFC
 * 7118). The stack sends an account's requests over the connection to its registrar host
 * (the account's `server`), so with more than one URL each ws/wss account's URL must be
 * the only one on its server's host: two URLs on one host (other port or path) could not
 * be told apart, nor could a server that is not its URL's host.
 */
export function checkWsUrls(accounts: AccountConfig[], problems: ConfigProblem[]): void {
  const ws = accounts.flatMap((a, i) =>
    (a.transport === 'ws' || a.transport === 'wss') && a.wsUrl !== undefined && a.server !== undefined
      ? [{ i, url: new URL(a.wsUrl), server: a.server.toLowerCase() }]
      : [],
  );
  const urls = [...new Map(ws.map((w) => [w.url.href, w.url])).values()];
  if (urls.length < 2) return;
  for (const w of ws) {
    const onHost = urls.filter((u) => u.hostname.replace(/^\[|\]$/g, '').toLowerCase() === w.server);
    if (onHost.length === 1 && onHost[0]?.href === w.url.href) continue;
    problems.push({
      field: `sip.accounts[${w.i}].ws_url`,
      value: w.url.href,
      expected:
        "with several WebSocket URLs, each on its own host, the account's server " +
        '(accounts of one WebSocket server share one URL)',
    });
  }
}

/** @deprecated Kept for `load.ts`: several URLs are allowed now; see {@link checkWsUrls}. */
export const checkOneWsUrl = checkWsUrls;

/** Account names label metrics and the API: each must be unique. */
export function checkDuplicateNames(accounts: AccountConfig[], problems: ConfigProblem[]): void {
  const seen = new Set<string>();
  accounts.forEach((a, i) => {
    if (seen.has(a.name))
      problems.push({ field: `sip.accounts[${i}].name`, value: a.name, expected: 'a unique account name' });
    seen.add(a.name);
  });
}
