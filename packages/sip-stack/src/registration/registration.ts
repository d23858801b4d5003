/**
 * Registration of one AOR with a registrar (RFC 3261 §10.2): digest authentication
 * (401/407, RFC 3261 §22, RFC 8760), 423 Min-Expires, refresh before expiry, retries
 * with exponential backoff and jitter, and unregistration (Expires: 0).
 *
 * ```
 *  unregistered --start--> registering --2xx--> registered --refresh 2xx--> registered
 *                              |  ^                 |
 *          failure (auth,      |  | retry timer     | refresh failure
 *          timeout, rejected)  V  |                 V
 *                             failed <--------------+
 *  any --unregister()--> unregistered
 * ```
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { createRequest, generateCallId } from '../message/builders.js';
import { getHeader } from '../message/headers.js';
import type { TimerConfig } from '../transaction/timers.js';
import { isSynthetic } from '../transaction/synthetic-response.js';
import type { Endpoint, Target, TransportProtocol } from '../transport/transport.js';
import { isWebSocketProtocol } from '../transport/transport.js';
import { parseNameAddrList } from '../message/name-addr.js';
import type { RetryOptions } from './backoff.js';
import { retryDelayMs } from './backoff.js';
import { grantedExpiresSec } from './granted-expires.js';
import type { DigestSession } from './digest-session.js';
import { createDigestSession } from './digest-session.js';
import type { KeepaliveOptions } from './keepalive.js';
import { Keepalive } from './keepalive.js';
import { stunBindingRequest, stunMappedAddress } from './stun-binding.js';

/**
 * Where a registration's requests went last: the target that answered (RFC 3263 §4.3
 * failover remembers it, so refreshes and keep-alives stay on the registration's flow).
 */
export interface FlowMemo {
  target?: Target | undefined;
}

/** Options of `RegistrationHost.send`. */
export interface SendOptions {
  /** Try `flow.target` first; set it to the target that gave the final response. */
  readonly flow?: FlowMemo;
}

/** Listeners on a registration flow (see `RegistrationHost.watchFlow`). */
export interface FlowListeners {
  /** A CRLF pong arrived over the flow's TCP/TLS connection (RFC 5626 §4.4.1). */
  pong?(): void;
  /** A STUN message arrived from the flow's remote (RFC 5626 §4.4.2). */
  stun?(data: Buffer): void;
}

/** Options of {@link Registration}. */
export interface RegistrationOptions {
  /** Registrar URI, e.g. `sip:pbx.example.com:5060;transport=udp` (host may be a DNS name). */
  readonly registrar: string;
  /** Address of record for To/From, e.g. `sip:100@pbx.example.com`. */
  readonly aor: string;
  /** Contact user part (the extension). */
  readonly username: string;
  /** Digest username when it differs (3CX "Authentication ID"). Default `username`. */
  readonly authUsername?: string;
  readonly password: string;
  /** Requested binding lifetime. Default 300 s. */
  readonly expiresSec?: number;
  /** Refresh at ratio * granted expiry (never later than expiry - 5 s). Default 0.8. */
  readonly refreshRatio?: number;
  /** Retry backoff after failures. Defaults 2000 ms initial, 60 000 ms max, 0.2 jitter. */
  readonly retry?: RetryOptions;
  /** Transport towards the registrar when the URI has no `transport` parameter. Default UDP. */
  readonly transport?: TransportProtocol;
  /** RFC 5626 instance id (`urn:uuid:...`): adds `+sip.instance` and `reg-id=1` to the Contact. */
  readonly instanceId?: string;
  /** How long `unregister()` waits for the final response. Default 5000 ms. */
  readonly unregisterTimeoutMs?: number;
  /**
   * Keep-alive toward the registrar once registered (RFC 5626 §4.4): `crlf`, `options`,
   * `stun` or `off` every `intervalMs`. A failed keep-alive re-REGISTERs at once. Default off.
   * Not used over WebSocket (the WebSocket transport pings by itself).
   */
  readonly keepalive?: KeepaliveOptions;
  /**
   * Outbound proxy URI (`sip:proxy.example.com;lr`): REGISTER and the AOR's later
   * out-of-dialog requests are sent there with a preloaded `Route` (RFC 3261 §8.1.2).
   */
  readonly outboundProxy?: string;
}

/** Registration states. */
export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

/** Why the last attempt failed. */
export interface RegistrationError {
  readonly reason: 'auth' | 'timeout' | 'rejected' | 'transport';
  readonly status?: number;
  readonly message: string;
}

/** What a registration needs from the UA core. */
export interface RegistrationHost {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /**
   * Send statefully, failing over across the RFC 3263 targets of `nextHopUri`; resolves
   * with the final (maybe synthetic) response. Never rejects.
   */
  send(
    req: SipRequest,
    nextHopUri: string,
    preferred?: TransportProtocol,
    opts?: SendOptions,
  ): Promise<SipResponse>;
  /** Send statefully to exactly `target` (no failover). Never rejects. */
  sendTo?(req: SipRequest, target: Target): Promise<SipResponse>;
  /** Send raw bytes (a keep-alive) to `target`; rejects on a transport error. */
  sendBytes?(bytes: Buffer, target: Target): Promise<void>;
  /** Listen on the flow to `target`; returns the remover. */
  watchFlow?(target: Target, listeners: FlowListeners): () => void;
  /** Close the connection of a failed flow (TCP/TLS), so the next request dials anew. */
  closeFlow?(target: Target): void;
  /**
   * The preloaded route set of the AOR's out-of-dialog requests (outbound proxy, then the
   * Service-Route of the last 2xx, RFC 3608 §6) and the flow it registered over; `routes`
   * undefined when the AOR is no longer registered.
   */
  setAorRoutes?(aor: string, routes: readonly string[] | undefined, flow: Target | undefined): void;
  /** Our Contact (`<sip:user@host:port;transport=x>`) for a protocol. */
  contact(protocol: string, user?: string): string;
  commonHeaders(kind: 'request' | 'response'): readonly SipHeader[];
  newTag(): string;
}

/** Events of {@link Registration}. */
export interface RegistrationEvents {
  state: [state: RegistrationState];
  registered: [info: { expiresSec: number }];
  failed: [error: RegistrationError];
  unregistered: [];
  disposed: [];
}

/** Most challenge/423 rounds in one attempt before it counts as a failure. */
const MAX_ROUNDS = 4;

/**
 * One registration binding kept alive. Events: `state` (state), `registered`
 * ({ expiresSec }), `failed` (RegistrationError; a retry follows with backoff),
 * `unregistered` (), `disposed` ().
 */
export class Registration extends EventEmitter<RegistrationEvents> {
  private stateValue: RegistrationState = 'unregistered';
  private granted: number | undefined;
  private error: RegistrationError | undefined;
  private readonly callId: string;
  private readonly fromTag: string;
  private cseq = 0;
  private requestedSec: number;
  private timer: TimerHandle | undefined;
  private failures = 0;
  private stopped = false;
  private inFlight = false;
  private readonly digest: DigestSession;
  private readonly protocol: TransportProtocol;
  /** The target that answered last (RFC 3263 §4.3): refreshes and keep-alives use it first. */
  private readonly flow: FlowMemo = {};
  private readonly keepalive: Keepalive | undefined;
  private unwatch: (() => void) | undefined;
  private stunTransaction: Buffer | undefined;
  private serviceRoute: string[] = [];

  constructor(
    private readonly host: RegistrationHost,
    readonly opts: RegistrationOptions,
  ) {
    super();
    this.callId = generateCallId(); // RFC 3261 §10.2: the same Call-ID for every refresh
    this.fromTag = host.newTag();
    this.requestedSec = opts.expiresSec ?? 300;
    const fromUri = registrarTransport(opts.registrar);
    // RFC 7118 §5.2: `transport=ws` in a URI names WS and WSS alike; keep a configured `wss`.
    this.protocol =
      fromUri === 'ws' && opts.transport === 'wss' ? 'wss' : (fromUri ?? opts.transport ?? 'udp');
    this.digest = createDigestSession(opts.authUsername ?? opts.username, opts.password);
    const ka = opts.keepalive;
    if (ka && ka.mode !== 'off' && !isWebSocketProtocol(this.protocol)) {
      this.keepalive = new Keepalive(
        host.clock,
        ka,
        {
          reliable: this.protocol !== 'udp',
          sendPing: () => this.sendKeepaliveBytes(Buffer.from('\r\n\r\n')),
          sendOptions: () => this.sendKeepaliveOptions(),
          sendStun: () => {
            const { bytes, transactionId } = stunBindingRequest();
            this.stunTransaction = transactionId;
            return this.sendKeepaliveBytes(bytes);
          },
        },
        (reason) => this.keepaliveFailed(reason),
      );
    }
  }

  /** The target the registration's requests go to (the last one that answered), if known. */
  get flowTarget(): Target | undefined {
    return this.flow.target;
  }

  /**
   * The preloaded route set of this AOR's out-of-dialog requests: the outbound proxy
   * (RFC 3261 §8.1.2), then the Service-Route of the last 2xx (RFC 3608 §6), as Route
   * header values (`<uri>`).
   */
  get routeSet(): readonly string[] {
    const proxy = this.opts.outboundProxy ? [`<${this.opts.outboundProxy}>`] : [];
    return [...proxy, ...this.serviceRoute];
  }

  /** Current state. */
  get state(): RegistrationState {
    return this.stateValue;
  }

  /** Binding lifetime granted by the registrar, in seconds. */
  get expiresSec(): number | undefined {
    return this.granted;
  }

  /** The last failure, if any. */
  get lastError(): RegistrationError | undefined {
    return this.error;
  }

  /** Begin registering (called by `UserAgent.register`). */
  start(): void {
    this.setState('registering');
    void this.attempt(this.requestedSec);
  }

  /**
   * Remove the binding (REGISTER with Expires: 0) and stop refreshing. Resolves when
   * the registrar answered or after `unregisterTimeoutMs`.
   */
  async unregister(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    this.stopKeepalive();
    this.host.setAorRoutes?.(this.opts.aor, undefined, undefined);
    const wasBound = this.stateValue === 'registered' || this.stateValue === 'registering';
    if (wasBound) {
      await new Promise<void>((resolve) => {
        const t = this.host.clock.setTimer(resolve, this.opts.unregisterTimeoutMs ?? 5000);
        void this.exchange(0).then(() => {
          this.host.clock.clearTimer(t);
          resolve();
        });
      });
    }
    this.granted = undefined;
    this.setState('unregistered');
    this.emit('unregistered');
  }

  /**
   * The connection under this binding was (re)opened (a WebSocket reconnect, RFC 7118):
   * the registrar forgot the binding with the old connection (RFC 5626 §4.4.1: a flow's
   * bindings die with it), so re-REGISTER now instead of at the next refresh, unless an
   * attempt is already under way. Other protocols' flows are ignored.
   */
  flowReady(protocol: TransportProtocol): void {
    if (this.stopped || this.inFlight || !sameFamily(protocol, this.protocol)) return;
    if (this.stateValue === 'unregistered') return; // not started
    this.clearTimer();
    if (this.stateValue !== 'registered') this.setState('registering');
    void this.attempt(this.requestedSec);
  }

  /**
   * The connection under this binding closed (RFC 7118 WebSocket): nothing reaches us
   * through the registrar until the transport reconnects, so report the binding as failed
   * (reason `transport`) now rather than at the next refresh. A retry stays scheduled with
   * backoff in case the reconnect never comes; `flowReady` re-REGISTERs at once when it does.
   */
  flowLost(protocol: TransportProtocol): void {
    if (this.stopped || this.stateValue !== 'registered' || !sameFamily(protocol, this.protocol)) return;
    this.stopKeepalive();
    this.failures++;
    this.error = { reason: 'transport', message: 'connection to the registrar lost' };
    this.granted = undefined;
    this.setState('failed');
    this.emit('failed', this.error);
    this.schedule(retryDelayMs(this.failures, this.opts.retry));
  }

  /** Stop timers without unregistering (UA shutdown). */
  dispose(): void {
    this.stopped = true;
    this.clearTimer();
    this.stopKeepalive();
    this.host.setAorRoutes?.(this.opts.aor, undefined, undefined);
    this.emit('disposed');
  }

  /**
   * The keep-alive found the flow dead (RFC 5626 §4.4.1: no pong; an OPTIONS timeout or
   * 503; a NAT rebinding, §4.4.2): report it, drop the connection and re-REGISTER at once
   * (every DNS target again, RFC 3263 §4.3), backing off only if that fails too.
   */
  private keepaliveFailed(reason: string): void {
    if (this.stopped || this.inFlight) return;
    this.stopKeepalive();
    const dead = this.flow.target;
    if (dead && this.protocol !== 'udp') this.host.closeFlow?.(dead);
    this.flow.target = undefined;
    this.failures++;
    this.error = { reason: 'transport', message: `keep-alive failed: ${reason}` };
    this.granted = undefined;
    this.setState('failed');
    this.emit('failed', this.error);
    this.clearTimer();
    this.setState('registering');
    void this.attempt(this.requestedSec);
  }

  private stopKeepalive(): void {
    this.keepalive?.stop();
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private startKeepalive(): void {
    const ka = this.keepalive;
    const target = this.flow.target;
    if (!ka || !target) return;
    this.unwatch?.();
    this.unwatch = this.host.watchFlow?.(target, {
      pong: () => ka.pong(),
      stun: (data) => {
        const id = this.stunTransaction;
        const mapped: Endpoint | undefined = id ? stunMappedAddress(data, id) : undefined;
        if (mapped) ka.stunMapped(mapped);
      },
    });
    ka.start();
  }

  private sendKeepaliveBytes(bytes: Buffer): Promise<void> {
    const target = this.flow.target;
    if (!target || !this.host.sendBytes) return Promise.reject(new Error('no flow'));
    return this.host.sendBytes(bytes, target);
  }

  /** RFC 3261 §11: an out-of-dialog OPTIONS to the registrar over the registration's flow. */
  private async sendKeepaliveOptions(): Promise<number> {
    const uri = registrarRequestUri(this.opts.registrar);
    const headers: SipHeader[] = [
      { name: 'From', value: `<${this.opts.aor}>;tag=${this.host.newTag()}` },
      { name: 'To', value: `<${uri}>` },
      { name: 'Call-ID', value: generateCallId() },
      { name: 'CSeq', value: '1 OPTIONS' },
      ...this.routeSet.map((value) => ({ name: 'Route', value })),
      ...this.host.commonHeaders('request'),
    ];
    const req = createRequest({ method: 'OPTIONS', uri, headers });
    const target = this.flow.target;
    const res =
      target && this.host.sendTo
        ? await this.host.sendTo(req, target)
        : await this.host.send(req, this.nextHopUri(), this.protocol);
    return res.status;
  }

  /** The URI the REGISTER is sent towards: the outbound proxy when set (RFC 3261 §8.1.2), else the registrar. */
  private nextHopUri(): string {
    return this.opts.outboundProxy ?? this.opts.registrar;
  }

  /** One registration attempt with its challenge / 423 rounds, then schedule what follows. */
  private async attempt(expiresSec: number): Promise<void> {
    this.inFlight = true;
    const res = await this.exchange(expiresSec).finally(() => (this.inFlight = false));
    if (this.stopped) return;
    if (res.status >= 200 && res.status < 300) return this.onRegistered(res);
    this.onFailure(res);
  }

  /** Send REGISTER, answering up to MAX_ROUNDS challenges / 423s; returns the last response. */
  private async exchange(expiresSec: number): Promise<SipResponse> {
    let res: SipResponse | undefined;
    let freshChallenge = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const req = this.buildRegister(expiresSec);
      res = await this.host.send(req, this.nextHopUri(), this.protocol, { flow: this.flow });
      if (this.stopped && expiresSec !== 0) return res;
      if (res.status === 401 || res.status === 407) {
        const verdict = this.digest.onChallenge(res);
        // RFC 3261 §22.2: a non-stale challenge to credentials built from a fresh challenge = wrong password.
        if (verdict === 'none' || (verdict === 'new' && freshChallenge)) return res;
        freshChallenge = true; // the next request answers a nonce the registrar just issued
        continue;
      }
      if (res.status === 423 && expiresSec !== 0) {
        // RFC 3261 §10.2.8: retry with at least Min-Expires.
        const min = Number(getHeader(res, 'Min-Expires'));
        if (!Number.isInteger(min) || min <= expiresSec) return res;
        expiresSec = min;
        this.requestedSec = min;
        continue;
      }
      return res;
    }
    return res as SipResponse;
  }

  private buildRegister(expiresSec: number): SipRequest {
    const contactUri = this.contactUri();
    let contact = `<${contactUri}>`;
    if (this.opts.instanceId) contact += `;+sip.instance="<${this.opts.instanceId}>";reg-id=1`;
    const headers: SipHeader[] = [
      { name: 'From', value: `<${this.opts.aor}>;tag=${this.fromTag}` },
      { name: 'To', value: `<${this.opts.aor}>` },
      { name: 'Call-ID', value: this.callId },
      { name: 'CSeq', value: `${++this.cseq} REGISTER` }, // RFC 3261 §10.2: incremented per request
      { name: 'Contact', value: contact },
      { name: 'Expires', value: String(expiresSec) },
      ...(this.opts.outboundProxy ? [{ name: 'Route', value: `<${this.opts.outboundProxy}>` }] : []),
      ...withPathSupported(this.host.commonHeaders('request')),
    ];
    const uri = registrarRequestUri(this.opts.registrar);
    headers.push(...this.digest.authorization('REGISTER', uri));
    return createRequest({ method: 'REGISTER', uri, headers });
  }

  private contactUri(): string {
    const c = this.host.contact(this.protocol, this.opts.username);
    return c.slice(1, -1);
  }

  private onRegistered(res: SipResponse): void {
    const granted = grantedExpiresSec(res, this.contactUri(), this.requestedSec);
    this.granted = granted;
    this.error = undefined;
    this.failures = 0;
    // RFC 3608 §6: the Service-Route of each 2xx replaces the stored one (none: empty).
    this.serviceRoute = serviceRouteOf(res);
    this.host.setAorRoutes?.(this.opts.aor, this.routeSet, this.flow.target);
    this.setState('registered');
    this.emit('registered', { expiresSec: granted });
    // RFC 5626 §4.2.1: `outbound` in the 2xx says the registrar answers CRLF pings.
    if (
      /(^|,)\s*outbound\s*(,|$)/i.test(
        `${getHeader(res, 'Require') ?? ''},${getHeader(res, 'Supported') ?? ''}`,
      )
    )
      this.keepalive?.expectPongs();
    this.startKeepalive();
    // Refresh at ratio * expires, never later than expires - 5 s, never sooner than 1 s.
    const ratio = this.opts.refreshRatio ?? 0.8;
    const refreshSec = Math.max(1, Math.min(granted * ratio, granted - 5));
    this.schedule(refreshSec * 1000);
  }

  private onFailure(res: SipResponse): void {
    this.stopKeepalive();
    this.host.setAorRoutes?.(this.opts.aor, undefined, undefined);
    this.failures++;
    this.error = classify(res);
    this.granted = undefined;
    this.setState('failed');
    this.emit('failed', this.error);
    const retryAfter = Number(getHeader(res, 'Retry-After')?.split(/[;(\s]/)[0]);
    const delay =
      Number.isInteger(retryAfter) && retryAfter > 0
        ? retryAfter * 1000
        : retryDelayMs(this.failures, this.opts.retry);
    this.schedule(delay);
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    this.timer = this.host.clock.setTimer(() => {
      this.timer = undefined;
      if (this.stopped) return;
      if (this.stateValue !== 'registered') this.setState('registering');
      void this.attempt(this.requestedSec);
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.host.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private setState(s: RegistrationState): void {
    if (this.stateValue === s) return;
    this.stateValue = s;
    this.emit('state', s);
  }
}

function classify(res: SipResponse): RegistrationError {
  const status = res.status;
  if (isSynthetic(res)) {
    return status === 408
      ? { reason: 'timeout', status, message: 'no response from the registrar' }
      : { reason: 'transport', status, message: `transport error: ${res.reason}` };
  }
  if (status === 401 || status === 407 || status === 403) {
    return { reason: 'auth', status, message: `authentication failed (${status} ${res.reason})` };
  }
  return { reason: 'rejected', status, message: `registrar answered ${status} ${res.reason}` };
}

/** Same protocol, counting `ws` and `wss` as one (RFC 7118 §5.2). */
function sameFamily(a: TransportProtocol, b: TransportProtocol): boolean {
  return a === b || (a.startsWith('ws') && b.startsWith('ws'));
}

/** The `transport` parameter of the registrar URI, if it names one we speak. */
function registrarTransport(registrar: string): TransportProtocol | undefined {
  const m = /;\s*transport=(udp|tcp|tls|wss|ws)/i.exec(registrar);
  if (m) return m[1]!.toLowerCase() as TransportProtocol;
  return /^sips:/i.test(registrar) ? 'tls' : undefined;
}

/** RFC 3261 §10.2: the Request-URI names the domain: registrar URI without user part. */
function registrarRequestUri(registrar: string): string {
  return registrar.replace(/^(sips?:)[^@;?]*@/i, '$1');
}

/** RFC 3327 §5: a UA that registers says `Supported: path`, added to the common Supported line. */
function withPathSupported(common: readonly SipHeader[]): SipHeader[] {
  const at = common.findIndex((h) => h.name.toLowerCase() === 'supported');
  if (at < 0) return [...common, { name: 'Supported', value: 'path' }];
  const h = common[at]!;
  if (/(^|,)\s*path\s*(,|$)/i.test(h.value)) return [...common];
  const out = [...common];
  out[at] = { name: h.name, value: `${h.value}, path` };
  return out;
}

/** RFC 3608 §6: the Service-Route entries of a REGISTER 2xx, in order, as `<uri>` values. */
function serviceRouteOf(res: SipResponse): string[] {
  const out: string[] = [];
  for (const h of res.headers) {
    if (h.name.toLowerCase() !== 'service-route') continue;
    for (const na of parseNameAddrList(h.value) ?? []) out.push(`<${na.uri}>`);
  }
  return out;
}
