import type { DaemonConfig } from '../config/index.js';
import type { MediaTicker } from '../call/media-ticker.js';
import type { HttpRoute, HttpServer, UpgradeHandler } from '../http/server.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { MediaStreamServer, type StreamConnection, type StreamHandlers } from './media-stream.js';
import { TwilioApiError, TwilioRestClient } from './rest-client.js';
import { TwilioCall, type CreateTwilioApp, type TwilioCallSummary } from './twilio-call.js';
import {
  MEDIA_PATH,
  STATUS_PATH,
  StreamTickets,
  VOICE_PATH,
  statusCallbackRoute,
  voiceWebhookRoute,
} from './voice-webhook.js';

export { TwilioApiError, TwilioRestClient } from './rest-client.js';
export type { CreateCallParams, TwilioCallResource, TwilioRestOptions } from './rest-client.js';
export { TwilioMediaPort, MuLawFramer } from './media-port.js';
export { TwilioCall, dtmfTone } from './twilio-call.js';
export type { CreateTwilioApp, TwilioCallMeta, TwilioCallSummary, TwilioEndReason } from './twilio-call.js';
export { MEDIA_PATH, STATUS_PATH, VOICE_PATH, connectStreamTwiml } from './voice-webhook.js';
export { twilioSignature, validateTwilioRequest, validateTwilioRequestWithBody } from './signature.js';

/**
 * The number Twilio should dial for a call target, for the SIP -> Twilio fallback: an
 * E.164 number (`+15551234567`), bare, as `tel:` (RFC 3966) or as the user part of a
 * `sip:`/`sips:` URI. Undefined for anything else (an extension such as `100` exists only
 * on the PBX, so it cannot fall back to the PSTN).
 */
export function twilioDialTarget(target: string): string | undefined {
  const user = /^(?:sips?:|tel:)?([^@;]+)/i.exec(target.trim())?.[1] ?? '';
  const digits = user.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(digits) ? digits : undefined;
}

/** `placeCall` cannot work with this configuration (missing SID, token, public URL or caller ID). */
export class TwilioNotConfiguredError extends Error {
  /** Never retryable: the configuration must change. */
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'TwilioNotConfiguredError';
  }
}

export interface TwilioProviderOptions {
  /** Reads `twilio.*`, `sip.maxConcurrentCalls` (shared call limit) and `rtp.mediaTimeoutMs`. */
  readonly config: Pick<DaemonConfig, 'twilio' | 'sip' | 'rtp'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The daemon's shared 20 ms media clock. */
  readonly ticker: MediaTicker;
  /** The app for each call (the SIP path's factory: assistant when AI is configured, else echo test). */
  readonly createApp: CreateTwilioApp;
  /** Account name for metrics labels and `TwilioCallMeta.account`, default `twilio`. */
  readonly account?: string;
  /** Other calls in progress (SIP), counted against `sip.maxConcurrentCalls`; default none. */
  readonly otherActiveCalls?: () => number;
  /** `fetch` for the REST client (tests). */
  readonly fetch?: typeof fetch;
}

/**
 * Twilio as a telephony provider: the voice webhook (`POST /twilio/voice`, TwiML
 * `<Connect><Stream>`), the Media Streams WebSocket (`/twilio/media`), outbound calls
 * through the REST API, and call summaries for `/sip/status`.
 *
 * Wiring: `provider.attach(httpServer)` (or `addRoutes(provider.routes())` +
 * `addUpgradeHandler(provider.upgrade)`), then `placeCall()` for outbound calls and
 * `close()` on shutdown.
 */
export class TwilioProvider {
  private readonly tickets = new StreamTickets();
  private readonly streams: MediaStreamServer;
  private readonly calls = new Map<string, TwilioCall>();
  /** Outbound calls placed and not answered yet, by Call SID. */
  private readonly dialing = new Map<string, { to: string; from: string; startedAt: number }>();
  private readonly rest?: TwilioRestClient;
  private readonly account: string;

  constructor(private readonly opts: TwilioProviderOptions) {
    const tw = opts.config.twilio;
    this.account = opts.account ?? 'twilio';
    if (tw.accountSid && tw.authToken)
      this.rest = new TwilioRestClient({
        accountSid: tw.accountSid,
        authToken: tw.authToken,
        apiBaseUrl: tw.apiBaseUrl,
        fetch: opts.fetch,
      });
    this.streams = new MediaStreamServer({
      logger: opts.logger,
      tickets: this.tickets,
      onStream: (conn) => this.onStream(conn),
    });
  }

  /** True when the account SID and auth token are set (webhooks verifiable, REST usable). */
  get configured(): boolean {
    return this.rest !== undefined;
  }

  /** True when `placeCall` can work: configured, with `TWILIO_PUBLIC_URL` and a caller ID. */
  get canPlaceCalls(): boolean {
    const tw = this.opts.config.twilio;
    return this.configured && tw.publicUrl !== undefined && tw.phoneNumber !== undefined;
  }

  /** The HTTP routes: `POST /twilio/voice` and `POST /twilio/status`. */
  routes(): HttpRoute[] {
    return [
      voiceWebhookRoute({
        config: this.opts.config.twilio,
        logger: this.opts.logger,
        tickets: this.tickets,
        admit: () => this.activeCount() < this.opts.config.sip.maxConcurrentCalls,
      }),
      statusCallbackRoute(this.opts.config.twilio, this.opts.logger, (sid, status) =>
        this.onFinalStatus(sid, status),
      ),
    ];
  }

  /** The WebSocket upgrade hook for `/twilio/media`. */
  get upgrade(): UpgradeHandler {
    return this.streams.upgrade;
  }

  /** Registers the routes and the upgrade hook on `http`. */
  attach(http: HttpServer): void {
    http.addRoutes(this.routes());
    http.addUpgradeHandler(this.upgrade);
  }

  /**
   * Places an outbound call through `POST /2010-04-01/Accounts/{sid}/Calls.json` with
   * `Url` = our voice webhook: when the callee answers, Twilio fetches the webhook and
   * the call runs like an inbound one (same app, `direction` outbound).
   * @throws TwilioNotConfiguredError (not retryable) or TwilioApiError (`retryable` for 5xx/429/network).
   */
  async placeCall(p: { to: string; from?: string | undefined }): Promise<{ sid: string }> {
    const tw = this.opts.config.twilio;
    const from = p.from ?? tw.phoneNumber;
    const missing = [
      !this.rest && 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN',
      !tw.publicUrl && 'TWILIO_PUBLIC_URL',
      !from && 'TWILIO_PHONE_NUMBER (or a from number)',
    ].filter(Boolean);
    if (!this.rest || !tw.publicUrl || !from || missing.length > 0)
      throw new TwilioNotConfiguredError(`Twilio outbound calls need ${missing.join(', ')}`);
    try {
      const base = tw.publicUrl.replace(/\/+$/, '');
      const call = await this.rest.createCall({
        to: p.to,
        from,
        url: base + VOICE_PATH,
        statusCallback: base + STATUS_PATH,
      });
      this.pruneDialing();
      this.dialing.set(call.sid, { to: p.to, from, startedAt: Date.now() });
      this.opts.logger.info({ sid: call.sid, to: p.to, from }, `Twilio outbound call ${call.sid} placed`);
      return { sid: call.sid };
    } catch (err) {
      this.opts.metrics.callsTotal.inc({
        provider: 'twilio',
        status: 'failed',
        account: this.account,
        direction: 'outbound',
      });
      if (err instanceof TwilioApiError)
        this.opts.logger.warn(
          { status: err.status, code: err.code, retryable: err.retryable },
          `Twilio outbound call failed: ${err.message}`,
        );
      throw err;
    }
  }

  /** Hangs up a call by its Call SID (also through REST when the stream is not ours). */
  async hangup(callSid: string): Promise<boolean> {
    const call = this.calls.get(callSid);
    if (call) {
      await call.hangup('api');
      return true;
    }
    if (!this.rest) return false;
    await this.rest.hangup(callSid);
    return true;
  }

  /** Calls in progress (outbound ones from the moment they are placed), for `/sip/status` and `/calls`. */
  activeCalls(): TwilioCallSummary[] {
    this.pruneDialing();
    const dialing = [...this.dialing].map(([sid, d]): TwilioCallSummary => ({
      id: sid,
      call_id: sid,
      provider: 'twilio',
      account: this.account,
      direction: 'outbound',
      from: d.from,
      to: d.to,
      state: 'dialing',
      started_at: new Date(d.startedAt).toISOString(),
      duration_sec: 0,
    }));
    return [...dialing, ...[...this.calls.values()].map((c) => c.summary())];
  }

  /** A block for `/sip/status`: whether Twilio is usable and where it is reached. */
  status(): {
    configured: boolean;
    outbound: boolean;
    webhook_url?: string;
    media_url?: string;
    active_calls: number;
  } {
    const base = this.opts.config.twilio.publicUrl?.replace(/\/+$/, '');
    return {
      configured: this.configured,
      outbound: this.canPlaceCalls,
      webhook_url: base ? base + VOICE_PATH : undefined,
      media_url: base ? base.replace(/^http/, 'ws') + MEDIA_PATH : undefined,
      active_calls: this.calls.size,
    };
  }

  /** Ends every call (each waits briefly for its queued audio to play) and closes the WebSocket server. */
  async close(): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.hangup('shutdown', 'shutdown')));
    this.streams.close();
  }

  private activeCount(): number {
    return this.calls.size + this.tickets.size + (this.opts.otherActiveCalls?.() ?? 0);
  }

  /**
   * The final status of a call we placed: answered calls were counted when their stream
   * ended; the others count here as busy / no_answer / cancelled / failed.
   */
  private onFinalStatus(sid: string, status: string): void {
    if (!this.dialing.delete(sid) || status === 'completed' || status === 'in-progress') return;
    const mapped: Record<string, string> = { busy: 'busy', 'no-answer': 'no_answer', canceled: 'cancelled' };
    this.opts.metrics.callsTotal.inc({
      provider: 'twilio',
      status: mapped[status] ?? 'failed',
      account: this.account,
      direction: 'outbound',
    });
    this.opts.logger.info({ callSid: sid, status }, `Twilio outbound call ${sid} not answered: ${status}`);
  }

  /** Forgets placed calls nothing was heard of for 10 minutes (no status callback reached us). */
  private pruneDialing(): void {
    const cutoff = Date.now() - 600_000;
    for (const [sid, d] of this.dialing) if (d.startedAt < cutoff) this.dialing.delete(sid);
  }

  private onStream(conn: StreamConnection): StreamHandlers {
    const { start, ticket } = conn;
    const call = new TwilioCall({
      conn,
      meta: {
        callSid: start.callSid,
        streamSid: start.streamSid,
        from: ticket.from,
        to: ticket.to,
        direction: ticket.direction,
        account: this.account,
      },
      ticker: this.opts.ticker,
      metrics: this.opts.metrics,
      logger: this.opts.logger,
      createApp: this.opts.createApp,
      rest: this.rest,
      mediaTimeoutMs: this.opts.config.rtp.mediaTimeoutMs,
      onEnded: (c) => this.calls.delete(c.id),
    });
    this.dialing.delete(start.callSid);
    this.calls.set(call.id, call);
    call.start();
    return call;
  }
}
