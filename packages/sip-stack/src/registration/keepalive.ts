/**
 * Keep-alive of a registration's flow toward the registrar: a pure state machine on the
 * injected Clock (ARCHITECTURE.md habits 3 and 4). The I/O is the driver's.
 *
 * - `crlf` (RFC 5626 §4.4.1): a CRLFCRLF ping every interval. Over TCP/TLS a CRLF pong
 *   must come back within `pongTimeoutMs` (10 s, §4.4.1), else the flow has failed, once
 *   the registrar has shown it pongs (one pong seen, or `outbound` in its 2xx). Over UDP
 *   the ping only keeps NAT bindings open (no pong is expected).
 * - `options`: an out-of-dialog OPTIONS to the registrar every interval; any final response
 *   proves the path (even 404/405), a timeout (408) or a 503 means the flow has failed.
 * - `stun` (RFC 5626 §4.4.2): a STUN Binding request on the SIP UDP socket every interval;
 *   a changed XOR-MAPPED-ADDRESS (NAT rebinding) means the registered Contact is stale.
 *
 * ```
 *  stopped --start--> waiting --interval--> probing --pong / response--> waiting
 *                        ^                     |
 *                        +----- (no answer expected: UDP CRLF, STUN sent)
 *  probing --pong timeout / 408 / 503 / mapped address changed--> stopped (onFailed)
 *  any --stop--> stopped
 * ```
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { Endpoint } from '../transport/transport.js';

/** Keep-alive mechanisms (see the module comment). */
export type KeepaliveMode = 'off' | 'crlf' | 'options' | 'stun';

/** Keep-alive configuration of a registration. */
export interface KeepaliveOptions {
  /** Mechanism. `off` sends nothing. */
  readonly mode: KeepaliveMode;
  /** Period between keep-alives in ms (RFC 5626 §4.4.1 suggests 95-120 s on TCP; UDP NATs need ~30 s). */
  readonly intervalMs: number;
  /** `crlf` over TCP/TLS: how long to wait for the CRLF pong. Default 10 000 ms (RFC 5626 §4.4.1). */
  readonly pongTimeoutMs?: number;
}

/** What the keep-alive does on the wire; supplied by the registration. */
export interface KeepaliveDriver {
  /** True when the flow is TCP/TLS (a CRLF ping must be answered with a pong). */
  readonly reliable: boolean;
  /** Send CRLFCRLF on the flow; rejects on a transport error. */
  sendPing(): Promise<void>;
  /** Send OPTIONS to the registrar over the flow; resolves with the final status (408 on timeout, 503 on transport error). */
  sendOptions(): Promise<number>;
  /** Send a STUN Binding request on the flow. Rejects on a transport error. */
  sendStun(): Promise<void>;
}

/** Keep-alive states. */
export type KeepaliveState = 'stopped' | 'waiting' | 'probing';

/** Default pong timeout: 10 s (RFC 5626 §4.4.1). */
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;

/** One keep-alive loop; `onFailed(reason)` is called once per failure, after which it is stopped. */
export class Keepalive {
  private stateValue: KeepaliveState = 'stopped';
  private timer: TimerHandle | undefined;
  private pongTimer: TimerHandle | undefined;
  /** Incremented at every start/stop so late answers of an old probe are ignored. */
  private generation = 0;
  private mapped: Endpoint | undefined;
  /** A pong came on this flow, or the registrar said it supports outbound: pongs are then required. */
  private pongProven = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: KeepaliveOptions,
    private readonly driver: KeepaliveDriver,
    private readonly onFailed: (reason: string) => void,
  ) {}

  /** Current state. */
  get state(): KeepaliveState {
    return this.stateValue;
  }

  /** Begin (or restart) the interval; a no-op for mode `off` or a non-positive interval. */
  start(): void {
    this.stop();
    if (this.opts.mode === 'off' || !(this.opts.intervalMs > 0)) return;
    this.stateValue = 'waiting';
    this.arm();
  }

  /** Stop every timer. */
  stop(): void {
    this.generation++;
    this.clear();
    this.stateValue = 'stopped';
  }

  /**
   * The registrar supports RFC 5626 keep-alives (`outbound` in the 2xx's Require or
   * Supported, §4.2.1), so a missing pong means a dead flow from the first ping on.
   */
  expectPongs(): void {
    this.pongProven = true;
  }

  /** A CRLF pong arrived on the flow (RFC 5626 §4.4.1). */
  pong(): void {
    this.pongProven = true;
    if (this.stateValue !== 'probing' || this.opts.mode !== 'crlf') return;
    this.clearPong();
    this.stateValue = 'waiting';
    this.arm();
  }

  /**
   * A STUN Binding success response's mapped address (RFC 5626 §4.4.2). The first one is
   * remembered; a different one later means the NAT rebound the flow: failure.
   */
  stunMapped(address: Endpoint): void {
    if (this.stateValue === 'stopped' || this.opts.mode !== 'stun') return;
    const before = this.mapped;
    this.mapped = address;
    if (before && (before.address !== address.address || before.port !== address.port)) {
      this.fail(
        `NAT binding changed from ${before.address}:${before.port} to ${address.address}:${address.port}`,
      );
    }
  }

  private arm(): void {
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.probe();
    }, this.opts.intervalMs);
  }

  private probe(): void {
    const gen = this.generation;
    const current = (): boolean => gen === this.generation;
    switch (this.opts.mode) {
      case 'crlf':
        this.stateValue = 'probing';
        this.driver.sendPing().catch(() => current() && this.fail('CRLF keep-alive could not be sent'));
        if (this.driver.reliable) {
          // RFC 5626 §4.4.1: no pong within 10 s -> the flow has failed.
          // A registrar that never answered a ping and did not announce outbound may simply
          // not implement pongs (many PBXs): the pings still keep NAT bindings open, and the
          // loop goes on instead of re-registering every interval.
          this.pongTimer = this.clock.setTimer(() => {
            this.pongTimer = undefined;
            if (!current()) return;
            if (this.pongProven) return this.fail(`no CRLF pong within ${this.pongTimeoutMs} ms`);
            this.stateValue = 'waiting';
            this.arm();
          }, this.pongTimeoutMs);
        } else {
          this.stateValue = 'waiting';
          this.arm();
        }
        return;
      case 'options':
        this.stateValue = 'probing';
        void this.driver.sendOptions().then(
          (status) => {
            if (!current()) return;
            // Any final response proves the path, except a timeout or 503 (RFC 3261 §8.1.3.1).
            if (status === 408 || status === 503) return this.fail(`OPTIONS keep-alive got ${status}`);
            this.stateValue = 'waiting';
            this.arm();
          },
          () => current() && this.fail('OPTIONS keep-alive failed'),
        );
        return;
      case 'stun':
        this.driver.sendStun().catch(() => current() && this.fail('STUN keep-alive could not be sent'));
        this.arm();
        return;
      default:
        return;
    }
  }

  private get pongTimeoutMs(): number {
    return this.opts.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
  }

  private fail(reason: string): void {
    this.stop();
    this.mapped = undefined;
    this.onFailed(reason);
  }

  private clearPong(): void {
    if (this.pongTimer !== undefined) this.clock.clearTimer(this.pongTimer);
    this.pongTimer = undefined;
  }

  private clear(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.clearPong();
  }
}
