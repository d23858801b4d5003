/**
 * A REFER we received inside a dialog (RFC 3515 §2.4.2-§2.4.7), seen from its recipient
 * (the transferee): the application accepts or declines it, then, as the notifier of the
 * implicit `refer` subscription (RFC 6665 §4.2, RFC 3515 §2.4.4), reports the referred
 * request's progress in NOTIFYs with a `message/sipfrag` status line. `Refer-Sub: false`
 * (RFC 4488 §4) is honoured: no subscription, no NOTIFY.
 *
 * ```
 *   REFER ──checkRefer──► 400 / 403
 *     │ ok
 *     ▼              reject(s) / no listener (603)
 *   pending ─────────────────────────────────────► declined
 *     │ accept(): 202, NOTIFY 100 Trying
 *     ▼
 *   active ──notify(1xx): active;expires=60 (restarts the 60 s)
 *     │ notify(>=200): terminated;reason=noresource
 *     │ 60 s without a NOTIFY: terminated;reason=timeout, last status again
 *     │ 481 / 408 to a NOTIFY, dialog ended: no more NOTIFYs
 *     ▼
 *   terminated
 * ```
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import type { ReplacesTarget } from '../dialog/replaces.js';
import type { ReferRequestFields } from './refer-request.js';
import { checkRefer } from './refer-request.js';
import { SIPFRAG_VERSIONED, formatSipfrag } from './sipfrag.js';

/**
 * Duration our NOTIFYs give the subscription (`Subscription-State: active;expires=60`);
 * each NOTIFY restarts it (RFC 6665 §4.2.2: the notifier sets the remaining time).
 */
export const REFER_SUBSCRIPTION_SEC = 60;

/**
 * A REFER received in a dialog (Dialog event `refer`). Answer it once with
 * {@link IncomingRefer.accept} or {@link IncomingRefer.reject}; after `accept`, report the
 * referred request's progress with {@link IncomingRefer.notify} until a final status.
 */
export interface IncomingRefer {
  /** The REFER as received. */
  readonly request: SipRequest;
  /** The Refer-To URI without its `?headers` (sip: or sips:). */
  readonly target: string;
  /**
   * The dialog to replace (attended transfer, RFC 3891 §6.1), from the Refer-To's
   * `?Replaces=`, with the tags as the REFER sender sees it: put
   * `formatReplaces(replaces)` in the INVITE to `target` as its Replaces header.
   */
  readonly replaces?: ReplacesTarget;
  /** The Referred-By value as received (RFC 3892 §3), to copy into that INVITE. */
  readonly referredBy?: string;
  /**
   * False when the REFER had `Refer-Sub: false` (RFC 4488 §4), which we always grant: the
   * 202 then says `Refer-Sub: false` and no NOTIFY is sent (notify() resolves at once).
   */
  readonly subscription: boolean;
  /**
   * Accept (RFC 3515 §2.4.2): 202 Accepted with our Contact (and `Refer-Sub: false` when
   * asked), then the first NOTIFY, `SIP/2.0 100 Trying` (§2.4.4, RFC 6665 §4.2.1.2). No-op
   * once answered.
   */
  accept(): void;
  /**
   * Decline with a final status 300..699 (e.g. 603 Declined, 403 Forbidden). No-op once
   * answered; throws RangeError for any other status.
   */
  reject(status: number, reason?: string): void;
  /**
   * Send a NOTIFY with `SIP/2.0 <status> <reason>` (RFC 3515 §2.4.5), `Event: refer` (with
   * `;id=<REFER CSeq>` unless this is the dialog's first REFER, §2.4.6). 100..199:
   * `Subscription-State: active;expires=60`; 200..699 is the final one:
   * `terminated;reason=noresource` (§2.4.7), later calls resolve without sending. NOTIFYs
   * go out one at a time, in call order, through the dialog's request path (digest retry
   * included). Resolves when the NOTIFY has its final response, or at once when nothing is
   * sent (no subscription, ended, dialog gone); never rejects for network reasons. Rejects
   * with ReferStateError before accept() or after reject(), RangeError for a status
   * outside 100..699.
   */
  notify(status: number, reason: string): Promise<void>;
}

/** Raised when an {@link IncomingRefer} is used out of order (programmer misuse). */
export class ReferStateError extends Error {
  override readonly name = 'ReferStateError';
}

/** What the refer notifiers need from their dialog. */
export interface ReferNotifierHost {
  readonly clock: Clock;
  /** Our Contact header value (in the 202 and in each NOTIFY, RFC 6665 §4.2.1.1/§4.2.2). */
  readonly localContact: string;
  /**
   * Send a NOTIFY through the dialog's request path; resolves with its final response,
   * undefined when the dialog is gone. Never rejects.
   */
  sendNotify(opts: {
    headers: SipHeader[];
    body: Buffer;
    contentType: string;
  }): Promise<SipResponse | undefined>;
}

/** Sends the response to the REFER. */
type Respond = (status: number, opts: { reason?: string; headers?: SipHeader[] }) => void;

/** One received REFER and the subscription it may create; implements {@link IncomingRefer}. */
class ReceivedRefer implements IncomingRefer {
  readonly target: string;
  readonly replaces?: ReplacesTarget;
  readonly referredBy?: string;
  readonly subscription: boolean;
  private answer: 'pending' | 'accepted' | 'declined' = 'pending';
  /** No further NOTIFY may be queued (final queued, or the subscription is gone). */
  private closed = false;
  /** Queued NOTIFYs are dropped too (481/408 to a NOTIFY, dialog ended). */
  private gone = false;
  private last: { status: number; reason: string } = { status: 100, reason: 'Trying' };
  private queue: Promise<void> = Promise.resolve();
  private timer: TimerHandle | undefined;

  constructor(
    readonly request: SipRequest,
    fields: ReferRequestFields,
    private readonly host: ReferNotifierHost,
    private readonly event: string,
    private readonly respond: Respond,
    private readonly onEnd: (r: ReceivedRefer) => void,
  ) {
    this.target = fields.target;
    if (fields.replaces) this.replaces = fields.replaces;
    if (fields.referredBy !== undefined) this.referredBy = fields.referredBy;
    this.subscription = !fields.noSubscription;
  }

  /** True until the REFER was answered. */
  get pending(): boolean {
    return this.answer === 'pending';
  }

  accept(): void {
    if (this.answer !== 'pending') return;
    this.answer = 'accepted';
    const headers: SipHeader[] = [{ name: 'Contact', value: this.host.localContact }];
    // RFC 4488 §4: granting "no subscription" is said with Refer-Sub: false in the 2xx.
    if (!this.subscription) headers.push({ name: 'Refer-Sub', value: 'false' });
    this.respond(202, { reason: 'Accepted', headers });
    if (!this.subscription) return this.end();
    // RFC 3515 §2.4.4 / RFC 6665 §4.2.1.2: the initial NOTIFY follows the 2xx at once.
    void this.send(100, 'Trying', `active;expires=${REFER_SUBSCRIPTION_SEC}`);
  }

  reject(status: number, reason?: string): void {
    if (!Number.isInteger(status) || status < 300 || status > 699)
      throw new RangeError(`REFER rejection status must be 300..699, got ${status}`);
    if (this.answer !== 'pending') return;
    this.answer = 'declined';
    this.respond(status, reason === undefined ? {} : { reason });
    this.end();
  }

  notify(status: number, reason: string): Promise<void> {
    if (!Number.isInteger(status) || status < 100 || status > 699)
      return Promise.reject(new RangeError(`sipfrag status must be 100..699, got ${status}`));
    if (this.answer !== 'accepted')
      return Promise.reject(new ReferStateError(`notify() on a REFER that is ${this.answer}`));
    if (this.closed) return Promise.resolve();
    // RFC 3515 §2.4.7: the final NOTIFY says terminated with reason noresource.
    const state = status >= 200 ? 'terminated;reason=noresource' : `active;expires=${REFER_SUBSCRIPTION_SEC}`;
    return this.send(status, reason, state);
  }

  /** The dialog ended: nothing more is sent. */
  dialogEnded(): void {
    this.gone = true;
    this.end();
  }

  /** Queue one NOTIFY (RFC 6665 §4.2.2: one at a time, so CSeq order = state order). */
  private send(status: number, reason: string, state: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.last = { status, reason };
    if (state.startsWith('terminated')) this.end();
    else this.arm();
    const headers: SipHeader[] = [
      { name: 'Event', value: this.event },
      { name: 'Subscription-State', value: state },
      { name: 'Contact', value: this.host.localContact },
    ];
    const body = formatSipfrag(status, reason);
    const run = async (): Promise<void> => {
      if (this.gone) return;
      const res = await this.host.sendNotify({ headers, body, contentType: SIPFRAG_VERSIONED });
      // RFC 6665 §4.2.2: a 481, or a timeout, to a NOTIFY removes the subscription.
      if (!res || res.status === 481 || res.status === 408) {
        this.gone = true;
        this.end();
      }
    };
    const sent = this.queue.then(run).catch(() => undefined);
    this.queue = sent;
    return sent;
  }

  /** (Re)start the subscription's expiry: when it runs out, the last status goes out as terminated. */
  private arm(): void {
    this.disarm();
    this.timer = this.host.clock.setTimer(() => {
      this.timer = undefined;
      if (this.closed) return;
      // RFC 6665 §4.2.2: an expired subscription ends with a NOTIFY terminated;reason=timeout.
      void this.send(this.last.status, this.last.reason, 'terminated;reason=timeout');
    }, REFER_SUBSCRIPTION_SEC * 1000);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.host.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private end(): void {
    this.disarm();
    if (this.closed) return;
    this.closed = true;
    this.onEnd(this);
  }
}

/** The REFERs a dialog received and their subscriptions (the notifier side). */
export class ReferNotifiers {
  private received = 0;
  private readonly live = new Set<ReceivedRefer>();

  constructor(private readonly host: ReferNotifierHost) {}

  /**
   * An in-dialog REFER with CSeq number `seq`: 400/403 when {@link checkRefer} refuses it;
   * else `deliver` offers it to the application (false = nobody listens: 603 Declined,
   * RFC 3515 §2.4.2). A throwing `deliver` gets the REFER a 500 (if still unanswered)
   * and the error is re-thrown.
   */
  receive(req: SipRequest, seq: number, respond: Respond, deliver: (refer: IncomingRefer) => boolean): void {
    // RFC 3515 §2.4.6: NOTIFYs for the second and later REFERs of a dialog carry id=<CSeq>.
    const event = this.received++ === 0 ? 'refer' : `refer;id=${seq}`;
    const check = checkRefer(req);
    if (!check.ok) return respond(check.status, { reason: check.reason });
    const refer = new ReceivedRefer(req, check, this.host, event, respond, (r) => this.live.delete(r));
    this.live.add(refer);
    let delivered: boolean;
    try {
      delivered = deliver(refer);
    } catch (err) {
      if (refer.pending) refer.reject(500, 'Server Internal Error');
      throw err;
    }
    if (!delivered) refer.reject(603, 'Declined');
  }

  /** The dialog ended: every subscription ends without another NOTIFY. */
  terminateAll(): void {
    for (const r of [...this.live]) r.dialogEnded();
    this.live.clear();
  }
}
