/**
 * RFC 4028 session timers: negotiation of the session interval and the refresher
 * (§7 UAC, §9 UAS), and the per-dialog timer that either refreshes the session at half
 * the interval (§10, refresher) or ends it with BYE when no refresh arrived in time
 * (§10, refreshee).
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { SipHeader, SipMessage, SipRequest, SipResponse } from '../message/types.js';
import { getHeader, getHeaders } from '../message/headers.js';

/** Session timer configuration (`UserAgentOptions.sessionTimers`). */
export interface SessionTimerConfig {
  /** Use session timers at all. Default true. */
  readonly enabled: boolean;
  /** Session interval we offer/choose, in seconds (RFC 4028 §4). Default 1800. */
  readonly expiresSec: number;
  /** Smallest interval we accept (our Min-SE, RFC 4028 §5). Default 90; never below 90. */
  readonly minSeSec: number;
}

/** Defaults of {@link SessionTimerConfig} (RFC 4028 §4: 1800 s recommended; §5: Min-SE 90 s). */
export const DEFAULT_SESSION_TIMERS: SessionTimerConfig = Object.freeze({
  enabled: true,
  expiresSec: 1800,
  minSeSec: 90,
});

/** Apply defaults; Min-SE is never below 90 s (RFC 4028 §4) and the interval never below Min-SE. */
export function resolveSessionTimers(opts: Partial<SessionTimerConfig> | undefined): SessionTimerConfig {
  const minSeSec = Math.max(90, Math.floor(opts?.minSeSec ?? DEFAULT_SESSION_TIMERS.minSeSec));
  const expiresSec = Math.max(minSeSec, Math.floor(opts?.expiresSec ?? DEFAULT_SESSION_TIMERS.expiresSec));
  return Object.freeze({ enabled: opts?.enabled ?? true, expiresSec, minSeSec });
}

/** A parsed Session-Expires value (RFC 4028 §4): `delta-seconds [;refresher=uac|uas]`. */
export interface SessionExpires {
  readonly deltaSec: number;
  readonly refresher: 'uac' | 'uas' | undefined;
}

/** Parse the Session-Expires (compact `x`) header of a message; undefined when absent or malformed. */
export function parseSessionExpires(msg: SipMessage): SessionExpires | undefined {
  const value = getHeader(msg, 'Session-Expires');
  if (value === undefined) return undefined;
  const [delta, ...params] = value.split(';');
  const deltaSec = Number.parseInt(delta?.trim() ?? '', 10);
  if (!Number.isFinite(deltaSec) || deltaSec <= 0) return undefined;
  let refresher: 'uac' | 'uas' | undefined;
  for (const p of params) {
    const [k, v] = p.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'refresher' && (v === 'uac' || v === 'uas')) refresher = v;
  }
  return { deltaSec, refresher };
}

/** The Min-SE value of a message in seconds (RFC 4028 §5), or undefined. */
export function parseMinSe(msg: SipMessage): number | undefined {
  const value = getHeader(msg, 'Min-SE');
  const n = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** True when the message lists option tag `tag` in header `name` (Supported, Require). */
export function hasOptionTag(msg: SipMessage, name: 'Supported' | 'Require', tag: string): boolean {
  return getHeaders(msg, name).some((v) => v.trim().toLowerCase() === tag);
}

/** True when the message's Allow header lists `method`. */
export function allowsMethod(msg: SipMessage, method: string): boolean {
  return getHeaders(msg, 'Allow').some((v) => v.trim().toUpperCase() === method);
}

/** Outcome of the UAS negotiation for a session refresh request (initial INVITE, re-INVITE, UPDATE). */
export type UasNegotiation =
  | { readonly kind: 'none' }
  | { readonly kind: 'reject'; readonly headers: SipHeader[] }
  | {
      readonly kind: 'accept';
      readonly intervalSec: number;
      /** True when we (the UAS of this transaction) refresh. */
      readonly weRefresh: boolean;
      /** Session-Expires (and Require: timer when the UAC supports it) for the 2xx. */
      readonly headers: SipHeader[];
    };

/**
 * UAS behaviour of RFC 4028 §9 for a request that may carry Session-Expires:
 * - Session-Expires below our Min-SE: 422 with Min-SE when the UAC supports timer,
 *   otherwise the interval is raised to Min-SE and we refresh;
 * - refresher: the UAC's choice when given, else `uac` when it supports timer, else `uas`;
 * - no Session-Expires: our configured interval when the UAC supports timer (or
 *   `current` for a refresh in a dialog with a running timer), else none.
 * The 2xx carries `Session-Expires: <delta>;refresher=...` and `Require: timer` when the
 * UAC supports timer (§9).
 */
export function negotiateAsUas(
  req: SipRequest,
  cfg: SessionTimerConfig,
  current?: { intervalSec: number; weRefresh: boolean },
): UasNegotiation {
  if (!cfg.enabled) return { kind: 'none' };
  const uacSupports = hasOptionTag(req, 'Supported', 'timer');
  const se = parseSessionExpires(req);
  let intervalSec: number;
  let refresher: 'uac' | 'uas';
  if (se) {
    intervalSec = se.deltaSec;
    if (intervalSec < cfg.minSeSec) {
      if (uacSupports) {
        return { kind: 'reject', headers: [{ name: 'Min-SE', value: String(cfg.minSeSec) }] };
      }
      intervalSec = cfg.minSeSec; // §9: the UAS may increase the value when the UAC can't handle 422
    }
    refresher = se.refresher ?? (uacSupports ? 'uac' : 'uas');
    if (!uacSupports) refresher = 'uas';
  } else if (current) {
    intervalSec = current.intervalSec;
    refresher = uacSupports && !current.weRefresh ? 'uac' : 'uas';
  } else if (uacSupports) {
    intervalSec = Math.max(cfg.expiresSec, parseMinSe(req) ?? 0);
    refresher = 'uac';
  } else {
    return { kind: 'none' };
  }
  const headers: SipHeader[] = [{ name: 'Session-Expires', value: `${intervalSec};refresher=${refresher}` }];
  if (uacSupports) headers.push({ name: 'Require', value: 'timer' });
  return { kind: 'accept', intervalSec, weRefresh: refresher === 'uas', headers };
}

/** What the session timer needs from its dialog. */
export interface SessionTimerDialog {
  readonly clock: Clock;
  /** Send a session refresh (re-INVITE or UPDATE) with these headers; resolves with the final response. */
  sendRefresh(method: 'INVITE' | 'UPDATE', headers: SipHeader[]): Promise<SipResponse | undefined>;
  /** Send BYE and end the dialog (`session-expired` or the refresh failure). */
  expire(reason: 'session-expired' | 'refresh-failed'): void;
  /** True once the dialog terminated. */
  isTerminated(): boolean;
  /** True when we own the Call-ID (we sent the dialog-creating INVITE): 491 back-off 2.1-4 s, else 0-2 s. */
  readonly callIdOwner: boolean;
  /** Random number in [0,1) (tests inject a fixed one). */
  readonly random?: () => number;
}

/**
 * The running session timer of one dialog (RFC 4028 §10). As refresher it sends a
 * refresh at half the interval (UPDATE when the peer allows it, else re-INVITE); as
 * refreshee it sends BYE when no refresh arrived `interval - min(32, interval/3)` seconds
 * after the last one.
 */
export class SessionTimer {
  private handle: TimerHandle | undefined;
  private stopped = false;

  constructor(
    private readonly dialog: SessionTimerDialog,
    private readonly cfg: SessionTimerConfig,
    /** Current session interval in seconds. */
    public intervalSec: number,
    /** True when we are the refresher. */
    public weRefresh: boolean,
    /** The peer listed UPDATE in Allow (§10: UPDATE is preferred for refreshes without a new offer). */
    public peerAllowsUpdate: boolean,
  ) {}

  /** (Re)start the timer from now (a 2xx to a session refresh was sent or received, §10). */
  start(): void {
    if (this.stopped) return;
    this.clear();
    const s = this.intervalSec;
    const delaySec = this.weRefresh ? s / 2 : s - Math.min(32, s / 3);
    this.handle = this.dialog.clock.setTimer(() => {
      this.handle = undefined;
      if (this.weRefresh) void this.refresh();
      else if (!this.dialog.isTerminated()) this.dialog.expire('session-expired');
    }, delaySec * 1000);
  }

  /** Stop for good (dialog terminated). */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** Apply a negotiation result and restart (a refresh we answered with 2xx, §9/§10). */
  update(intervalSec: number, weRefresh: boolean): void {
    this.intervalSec = intervalSec;
    this.weRefresh = weRefresh;
    this.start();
  }

  /**
   * Send one session refresh (§7.4/§10): Session-Expires with `refresher=uac` (we keep
   * refreshing), our Min-SE; on 2xx adopt its Session-Expires (§7.2), on 422 raise the
   * interval to its Min-SE and retry (§7.3), on 491 retry after the RFC 3261 §14.1 back-off;
   * 408/481 end the dialog with BYE (§10).
   */
  async refresh(retries = 0): Promise<void> {
    if (this.stopped || this.dialog.isTerminated()) return;
    const method = this.peerAllowsUpdate ? 'UPDATE' : 'INVITE';
    const headers: SipHeader[] = [
      { name: 'Session-Expires', value: `${this.intervalSec};refresher=uac` },
      { name: 'Min-SE', value: String(this.cfg.minSeSec) },
    ];
    const res = await this.dialog.sendRefresh(method, headers);
    if (this.stopped || this.dialog.isTerminated()) return;
    if (!res) {
      // Another INVITE transaction was in progress: it refreshes the session (§10); re-arm.
      this.start();
      return;
    }
    if (res.status >= 200 && res.status < 300) {
      const se = parseSessionExpires(res);
      if (!se) {
        // §7.2: no Session-Expires in the 2xx: the session no longer expires.
        this.stop();
        return;
      }
      this.intervalSec = se.deltaSec;
      this.weRefresh = se.refresher !== 'uas';
      this.start();
      return;
    }
    if (res.status === 422 && retries < 2) {
      const minSe = parseMinSe(res);
      if (minSe !== undefined && minSe > this.intervalSec) this.intervalSec = minSe;
      return this.refresh(retries + 1);
    }
    if (res.status === 491 && retries < 2) {
      // RFC 3261 §14.1: owner of the Call-ID waits 2.1-4 s, the other side 0-2 s.
      const r = (this.dialog.random ?? Math.random)();
      const waitMs = this.dialog.callIdOwner ? 2100 + r * 1900 : r * 2000;
      this.clear();
      this.handle = this.dialog.clock.setTimer(() => {
        this.handle = undefined;
        void this.refresh(retries + 1);
      }, waitMs);
      return;
    }
    if (res.status === 408 || res.status === 481) {
      this.dialog.expire('refresh-failed');
      return;
    }
    // Other failures: the session goes on; try again at the next half interval.
    this.start();
  }

  private clear(): void {
    if (this.handle !== undefined) this.dialog.clock.clearTimer(this.handle);
    this.handle = undefined;
  }
}
