import type { Registration, UserAgent } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';

/** A configured account and, when it has a registrar, its live registration. */
export interface AccountRuntime {
  readonly config: AccountConfig;
  readonly registration?: Registration;
  registeredAt?: number;
}

/** What an account registration needs from the daemon. */
export interface AccountRegistrationDeps {
  readonly ua: UserAgent | undefined;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** RFC 5626 instance URN (`urn:uuid:...`), already resolved from `sip.instance_id`. */
  readonly instanceId?: string | undefined;
  readonly countError: (type: string, account: string) => void;
}

/**
 * Starts registering `account` (when it has a server and credentials) and wires its events
 * to the metrics and the log. Without a registrar the account only answers direct calls.
 */
export function startAccountRegistration(
  deps: AccountRegistrationDeps,
  account: AccountConfig,
): AccountRuntime {
  const { ua, metrics } = deps;
  if (!ua || !account.server || !account.username || !account.password) return { config: account };
  const domain = account.domain ?? account.server;
  const host = account.server.includes(':') ? `[${account.server}]` : account.server;
  const overWs = account.transport === 'ws' || account.transport === 'wss';
  const registration = ua.register({
    registrar: registrarUri(account, host, overWs),
    aor: `sip:${account.username}@${domain}`,
    username: account.username,
    authUsername: account.authUsername,
    password: account.password,
    expiresSec: account.expiresSec,
    retry: { initialDelayMs: account.retryInitialMs, maxDelayMs: account.retryMaxMs, jitter: 0.2 },
    transport: account.transport,
    ...(deps.instanceId ? { instanceId: deps.instanceId } : {}),
    ...(account.outboundProxy ? { outboundProxy: account.outboundProxy } : {}),
    // RFC 5626 §4.4: `auto` is the CRLF ping (a pong expected on TCP/TLS).
    keepalive: {
      mode: account.keepalive === 'auto' ? 'crlf' : account.keepalive,
      intervalMs: account.keepaliveIntervalSec * 1000,
    },
  });
  const rt: AccountRuntime = { config: account, registration };
  const log = deps.log.child({ account: account.name, server: account.server, username: account.username });
  metrics.registered.set({ account: account.name }, 0);
  registration.on('registered', (e: { expiresSec: number }) => {
    const first = rt.registeredAt === undefined;
    rt.registeredAt = Date.now();
    metrics.registered.set({ account: account.name }, 1);
    metrics.registrationsTotal.inc({ account: account.name, result: 'success' });
    if (first) log.info({ expiresSec: e.expiresSec }, 'SIP registration successful');
    else log.debug({ expiresSec: e.expiresSec }, 'SIP registration refreshed');
  });
  registration.on('failed', (e: { reason: string; status?: number; message: string }) => {
    rt.registeredAt = undefined;
    metrics.registered.set({ account: account.name }, 0);
    metrics.registrationsTotal.inc({ account: account.name, result: 'failed' });
    deps.countError('registration', account.name);
    log.warn({ cause: e.reason, status: e.status }, `SIP registration failed: ${e.message}`);
  });
  return rt;
}

/**
 * The registrar URI of an account. Over WebSocket the request goes over the one connection
 * (RFC 7118): the domain only. With `dnsSrv` (a host name, no configured port) no port and
 * no transport parameter, so that RFC 3263 NAPTR and SRV locate the servers (§4.1, §4.2),
 * the account's transport being the one allowed; otherwise host, port and transport.
 */
function registrarUri(account: AccountConfig, host: string, overWs: boolean): string {
  if (overWs) return `sip:${host}`;
  if (account.dnsSrv) return account.transport === 'tls' ? `sips:${host}` : `sip:${host}`;
  return `sip:${host}:${account.port};transport=${account.transport}`;
}
