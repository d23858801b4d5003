/**
 * The implicit subscription a REFER creates (RFC 3515 §2.4.4, RFC 6665), seen from the
 * REFER sender (the subscriber): NOTIFY with `Event: refer[;id=<REFER CSeq>]` and a
 * `message/sipfrag` body reports the referred request's progress; `Subscription-State:
 * terminated` ends it.
 *
 * ```
 *   REFER sent ──2xx──► active ──NOTIFY terminated──► done(status)
 *       │                 │  no NOTIFY for notifyTimeoutMs ──► done(undefined)
 *       │ non-2xx,        │  dialog terminated          ──► done(undefined)
 *       │ Refer-Sub:false └────────────────────────────────────────────────┘
 *       └──► done(undefined)
 * ```
 */
import { EventEmitter } from 'node:events';
import type { Clock, TimerHandle } from '../clock.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { getHeader } from '../message/headers.js';
import { parseParams } from '../message/params.js';
import { SIPFRAG_CONTENT_TYPE, isSipfrag, parseSipfragStatus } from './sipfrag.js';
import { isReferSubFalse } from './refer-request.js';

/** Listener of {@link ReferOutcome} `progress`: a NOTIFY's sipfrag status line. */
export type ReferProgressListener = (status: number, reason: string) => void;

/** The result of {@link Dialog.refer}. */
export interface ReferOutcome {
  /** The final response to the REFER. */
  readonly response: SipResponse;
  /** True for a 2xx final response. */
  readonly accepted: boolean;
  /**
   * Final sipfrag status (e.g. 200, 486, 503) from the NOTIFY with
   * `Subscription-State: terminated`; undefined when the subscription ended without one
   * (REFER refused, `Refer-Sub: false`, no NOTIFY within the timeout, dialog ended, 481).
   * Never rejects.
   */
  readonly done: Promise<number | undefined>;
  /**
   * Each NOTIFY's sipfrag status line (`SIP/2.0 180 Ringing` -> 180, 'Ringing'), in order.
   * A listener added later is first called with the progress already received (a NOTIFY
   * may arrive before the REFER's 2xx, RFC 6665 §4.1.2.4).
   */
  on(event: 'progress', listener: ReferProgressListener): this;
  /** Remove a `progress` listener. */
  off(event: 'progress', listener: ReferProgressListener): this;
}

/** Answer to a NOTIFY, and what to do once it was sent. */
export interface NotifyVerdict {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: SipHeader[];
  /** Apply the NOTIFY (emit progress, end the subscription) after the response went out. */
  readonly apply?: () => void;
}

/** One REFER's implicit subscription; implements {@link ReferOutcome}. */
class ReferSubscription implements ReferOutcome {
  response!: SipResponse;
  accepted = false;
  readonly done: Promise<number | undefined>;
  /** CSeq number of the REFER (the `id` of its NOTIFYs); changes when the REFER is re-sent with credentials. */
  seq = 0;
  ended = false;
  private resolveDone!: (status: number | undefined) => void;
  private readonly history: Array<[number, string]> = [];
  private readonly emitter = new EventEmitter<{ progress: [number, string] }>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs: number,
    private readonly onEnd: (sub: ReferSubscription) => void,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  on(event: 'progress', listener: ReferProgressListener): this {
    for (const [status, reason] of this.history) listener(status, reason);
    this.emitter.on(event, listener);
    return this;
  }

  off(event: 'progress', listener: ReferProgressListener): this {
    this.emitter.off(event, listener);
    return this;
  }

  progress(status: number, reason: string): void {
    this.history.push([status, reason]);
    this.emitter.emit('progress', status, reason);
  }

  /** (Re)start the wait for the next NOTIFY (RFC 6665 §4.1.2.4, Timer N style). */
  arm(): void {
    if (this.ended) return;
    this.disarm();
    this.timer = this.clock.setTimer(() => this.finish(undefined), this.timeoutMs);
  }

  finish(status: number | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.disarm();
    this.onEnd(this);
    this.resolveDone(status);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

/** The `refer` subscriptions of one dialog, keyed by REFER CSeq (RFC 3515 §2.4.6). */
export class ReferSubscriptions {
  private readonly byId = new Map<number, ReferSubscription>();
  /** The first REFER of the dialog: its NOTIFYs may omit `id` (RFC 3515 §2.4.6). */
  private first: ReferSubscription | undefined;
  private created = false;

  constructor(private readonly clock: Clock) {}

  /** A new subscription for a REFER about to be sent; `timeoutMs` = wait for each NOTIFY. */
  create(timeoutMs: number): ReferSubscription {
    const sub = new ReferSubscription(this.clock, timeoutMs, (s) => {
      if (this.byId.get(s.seq) === s) this.byId.delete(s.seq);
    });
    if (!this.created) this.first = sub;
    this.created = true;
    return sub;
  }

  /** The REFER of `sub` is (re-)sent with CSeq `seq` (its NOTIFYs carry `id=seq`). */
  bind(sub: ReferSubscription, seq: number): void {
    if (sub.ended) return;
    if (this.byId.get(sub.seq) === sub) this.byId.delete(sub.seq);
    sub.seq = seq;
    this.byId.set(seq, sub);
  }

  /**
   * The final response to the REFER: a 2xx starts the wait for NOTIFYs, unless it has
   * `Refer-Sub: false` (RFC 4488 §4: no subscription); anything else ends it at once.
   */
  settle(sub: ReferSubscription, res: SipResponse): ReferOutcome {
    sub.response = res;
    sub.accepted = res.status >= 200 && res.status < 300;
    if (!sub.accepted || isReferSubFalse(res)) sub.finish(undefined);
    else sub.arm();
    return sub;
  }

  /** The dialog ended (BYE, 481, ...): every subscription ends without a final status. */
  terminateAll(): void {
    for (const sub of [...this.byId.values()]) sub.finish(undefined);
  }

  /**
   * An in-dialog NOTIFY (RFC 6665 §4.1.3, RFC 3515 §2.4.5). 400 without Event or
   * Subscription-State (RFC 6665 §8.2.1/§8.2.3); 481 when it names no live refer
   * subscription (another event package, an unknown `id`, §4.1.3); 415 for a body that is
   * not message/sipfrag; 400 for a sipfrag without a status line; else 200.
   */
  receiveNotify(req: SipRequest): NotifyVerdict {
    const event = getHeader(req, 'Event');
    if (event === undefined) return { status: 400, reason: 'Missing Event' };
    const semi = event.indexOf(';');
    const pkg = (semi < 0 ? event : event.slice(0, semi)).trim().toLowerCase();
    const id = semi < 0 ? undefined : parseParams(event.slice(semi)).get('id');
    const sub = this.find(pkg, id);
    if (!sub) return { status: 481, reason: 'Subscription Does Not Exist' };
    const state = getHeader(req, 'Subscription-State');
    if (state === undefined) return { status: 400, reason: 'Missing Subscription-State' };
    const terminated = state.split(';')[0]!.trim().toLowerCase() === 'terminated';
    const end = terminated ? (status: number | undefined) => sub.finish(status) : () => sub.arm();
    if (req.body.length === 0) return { status: 200, apply: () => end(undefined) };
    if (!isSipfrag(getHeader(req, 'Content-Type'))) {
      return {
        status: 415,
        headers: [{ name: 'Accept', value: SIPFRAG_CONTENT_TYPE }],
        apply: () => end(undefined),
      };
    }
    const frag = parseSipfragStatus(req.body);
    if (!frag) return { status: 400, reason: 'Bad sipfrag', apply: () => end(undefined) };
    return {
      status: 200,
      apply: () => {
        sub.progress(frag.status, frag.reason);
        end(frag.status);
      },
    };
  }

  private find(pkg: string, id: string | null | undefined): ReferSubscription | undefined {
    if (pkg !== 'refer') return undefined;
    if (id === undefined || id === null) return this.first && !this.first.ended ? this.first : undefined;
    if (!/^\d{1,10}$/.test(id.trim())) return undefined;
    return this.byId.get(Number(id.trim()));
  }
}
