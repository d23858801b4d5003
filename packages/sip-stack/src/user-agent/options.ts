/** User agent configuration (ARCHITECTURE.md habit 8: one typed object, resolved and frozen once). */
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { TimerConfig } from '../transaction/timers.js';
import { resolveTimers } from '../transaction/timers.js';
import type { Logger } from '../transport/logger.js';
import { silentLogger } from '../transport/logger.js';
import type { Resolver } from '../transport/resolve-target.js';
import { createResolver, systemResolver } from '../transport/resolve-target.js';
import type { Transport } from '../transport/transport.js';
import { DEFAULT_MAX_MESSAGE_SIZE } from '../transport/transport.js';
import type { SessionTimerConfig } from '../dialog/session-timer.js';
import { resolveSessionTimers } from '../dialog/session-timer.js';

/** One transport to bind (or, for `ws`/`wss`, one WebSocket server to connect to). */
export interface TransportConfig {
  readonly protocol: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  /**
   * `ws`/`wss` only (RFC 7118, outbound only): the server's WebSocket URL, e.g.
   * `wss://pbx.example.com:8089/ws`. `tls.ca`, `tls.rejectUnauthorized` and
   * `tls.servername` verify a `wss` server; `keepAliveIntervalMs` is the WebSocket ping
   * interval (default 30 000 ms).
   */
  readonly url?: string;
  /** Bind address. Default `0.0.0.0`. */
  readonly host?: string;
  /** Bind port; 0 = ephemeral. Default 5060 (5061 for TLS). */
  readonly port?: number;
  /** TCP/TLS: CRLFCRLF keep-alive interval on connections we open (RFC 5626 §4.4.1); 0 = off. Default 0. WS/WSS: ping interval, default 30 000 ms. */
  readonly keepAliveIntervalMs?: number;
  /** TCP/TLS: idle timeout of inbound connections. Default 300 000 ms. */
  readonly idleTimeoutMs?: number;
  /** TLS material and verification. `rejectUnauthorized` defaults to true. */
  readonly tls?: {
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
    readonly ca?: string | Buffer;
    readonly rejectUnauthorized?: boolean;
    readonly servername?: string;
  };
}

/** Options of {@link UserAgent}. */
export interface UserAgentOptions {
  /** Transports to bind (at least one). */
  readonly transports: readonly TransportConfig[];
  /** Time source. Default `systemClock`. */
  readonly clock?: Clock;
  /** T1/T2/T4 in ms. Defaults 500 / 4000 / 5000. */
  readonly timers?: Partial<TimerConfig>;
  /** User-Agent / Server header value, e.g. `voice-assistant/0.1.0`. Default none. */
  readonly userAgent?: string;
  /** Host put in Via sent-by and Contact instead of the bound address. */
  readonly publicAddress?: string;
  /** pino-compatible logger; per-message events go to debug only. Default silent. */
  readonly logger?: Logger;
  /** Largest accepted message in bytes. Default 65 535. */
  readonly maxMessageSize?: number;
  /** Option tags we support (Supported header, Require check). Default `[]`. */
  readonly supported?: readonly string[];
  /** User part of our Contact outside registrations. Default `voice-assistant`. */
  readonly contactUser?: string;
  /**
   * DNS for RFC 3263 server location (NAPTR, SRV, A/AAAA): tests inject one; a deployment
   * pointing at given DNS servers passes `createResolver(['10.0.0.53'])`. Default Node's
   * system resolver.
   */
  readonly resolver?: Resolver;
  /**
   * DNS servers (`ip`, `ip:port`, `[v6]:port`) the default resolver queries instead of the
   * system's (node:dns `Resolver#setServers`); ignored when `resolver` is given. Default none.
   */
  readonly dnsServers?: readonly string[];
  /**
   * Path MTU toward peers in bytes (RFC 3261 §18.1.1): a request over UDP larger than
   * `pathMtu - 200` goes over TCP when a TCP transport is configured (falling back to UDP
   * when the connection fails). Default 1500 (so 1300 bytes).
   */
  readonly pathMtu?: number;
  /** Pre-built transports (tests: FakeTransport); replaces `transports` when given. */
  readonly transportInstances?: readonly Transport[];
  /**
   * RFC 4028 session timers: `enabled` (default true; adds `timer` to Supported),
   * `expiresSec` (the interval we offer or choose, default 1800), `minSeSec` (our Min-SE,
   * default 90; smaller Session-Expires values are refused with 422, §9).
   */
  readonly sessionTimers?: {
    readonly enabled?: boolean;
    readonly expiresSec?: number;
    readonly minSeSec?: number;
  };
}

/** Options with every default applied. */
export interface ResolvedUserAgentOptions {
  readonly transports: readonly TransportConfig[];
  readonly clock: Clock;
  readonly timers: TimerConfig;
  readonly userAgent: string | undefined;
  readonly publicAddress: string | undefined;
  readonly logger: Logger;
  readonly maxMessageSize: number;
  readonly supported: readonly string[];
  readonly contactUser: string;
  readonly resolver: Resolver;
  readonly pathMtu: number;
  readonly transportInstances: readonly Transport[] | undefined;
  readonly sessionTimers: SessionTimerConfig;
}

/** Apply defaults and freeze. */
export function resolveUserAgentOptions(opts: UserAgentOptions): ResolvedUserAgentOptions {
  const sessionTimers = resolveSessionTimers(opts.sessionTimers);
  const supported = [...(opts.supported ?? [])];
  // RFC 4028 §7.1/§9: a UA supporting session timers lists `timer` in Supported.
  if (sessionTimers.enabled && !supported.some((t) => t.toLowerCase() === 'timer')) supported.push('timer');
  return Object.freeze({
    transports: opts.transports,
    clock: opts.clock ?? systemClock,
    timers: resolveTimers(opts.timers),
    userAgent: opts.userAgent,
    publicAddress: opts.publicAddress,
    logger: opts.logger ?? silentLogger,
    maxMessageSize: opts.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE,
    supported: Object.freeze(supported),
    contactUser: opts.contactUser ?? 'voice-assistant',
    resolver: opts.resolver ?? (opts.dnsServers?.length ? createResolver(opts.dnsServers) : systemResolver),
    pathMtu: opts.pathMtu ?? 1500,
    transportInstances: opts.transportInstances,
    sessionTimers,
  });
}
