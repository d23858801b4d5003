import type { CallControl } from '../apps/assistant.js';
import type { CallApp, MediaPort } from '../apps/types.js';
import type { MediaTicker } from '../call/media-ticker.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { MuLawFramer, TwilioMediaPort } from './media-port.js';
import type { StreamConnection, StreamHandlers } from './media-stream.js';
import type { TwilioRestClient } from './rest-client.js';
import { xmlEscape } from './voice-webhook.js';

/** Who a Twilio call is between, handed to the app factory. */
export interface TwilioCallMeta {
  readonly callSid: string;
  readonly streamSid: string;
  /** Caller (E.164 or `client:`/`sip:` as Twilio gives it). */
  readonly from: string;
  readonly to: string;
  readonly direction: 'inbound' | 'outbound';
  /** Account name for metrics and the assistant's settings (`TwilioProviderOptions.account`). */
  readonly account: string;
}

/** Builds the app for a call: the same factory the SIP path uses, so both reach the same assistant. */
export type CreateTwilioApp = (port: MediaPort, control: CallControl, meta: TwilioCallMeta) => CallApp;

/** `dialing`: an outbound call placed through REST, not answered yet. */
export type TwilioCallState = 'dialing' | 'active' | 'ending' | 'ended';
export type TwilioEndReason =
  'remote-stop' | 'socket-closed' | 'local-hangup' | 'transferred' | 'media-timeout' | 'shutdown' | 'failed';

/** A Twilio call in `/sip/status`, shaped like the SIP calls there. */
export interface TwilioCallSummary {
  readonly id: string;
  readonly call_id: string;
  /** Media Stream SID, once the stream started. */
  readonly stream_sid?: string | undefined;
  readonly provider: 'twilio';
  readonly account: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from: string;
  readonly to: string;
  readonly state: TwilioCallState;
  readonly started_at: string;
  readonly ended_at?: string | undefined;
  readonly duration_sec: number;
  readonly end_reason?: TwilioEndReason | undefined;
}

export interface TwilioCallDeps {
  readonly conn: StreamConnection;
  readonly meta: TwilioCallMeta;
  readonly ticker: MediaTicker;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly createApp: CreateTwilioApp;
  /** For transfers (`<Dial>` by REST redirect); transfers fail without it. */
  readonly rest?: TwilioRestClient | undefined;
  /** End the call after this long without inbound media; 0 = never (default 30000 ms). */
  readonly mediaTimeoutMs?: number;
  /** How long `hangup` waits for Twilio to play what was sent (default 2000 ms). */
  readonly drainTimeoutMs?: number;
  readonly onEnded: (call: TwilioCall) => void;
}

/** DTMF tone pairs (ITU-T Q.23), Hz. */
const DTMF_FREQ: Record<string, [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
}; // prettier-ignore

/** In-band DTMF (Media Streams carry no RFC 4733 events): 100 ms tone, 100 ms pause, at 8 kHz. */
export function dtmfTone(digit: string): Int16Array {
  const f = DTMF_FREQ[digit.toUpperCase()];
  const out = new Int16Array(1600);
  if (!f) return out;
  for (let i = 0; i < 800; i++) {
    const t = i / 8000;
    out[i] = Math.round(7000 * (Math.sin(2 * Math.PI * f[0] * t) + Math.sin(2 * Math.PI * f[1] * t)));
  }
  return out;
}

/**
 * One call over a Twilio Media Stream: owns the `TwilioMediaPort` and the app, drives
 * `app.tick()` and the paced sender from the shared 20 ms `MediaTicker`, and keeps the
 * `provider="twilio"` metrics.
 */
export class TwilioCall implements StreamHandlers {
  readonly id: string;
  readonly port: TwilioMediaPort;
  readonly log: Logger;
  state: TwilioCallState = 'active';
  endReason?: TwilioEndReason;
  app?: CallApp;
  private readonly framer = new MuLawFramer();
  private readonly startedAt = Date.now();
  private endedAt?: number;
  private lastMediaAt = performance.now();
  private unsubscribe?: () => void;

  constructor(private readonly deps: TwilioCallDeps) {
    this.id = deps.meta.callSid;
    this.log = deps.logger.child({ callSid: deps.meta.callSid, provider: 'twilio' });
    this.port = new TwilioMediaPort(
      {
        media: (b) => deps.conn.sendMedia(b),
        mark: (n) => deps.conn.sendMark(n),
        clear: () => deps.conn.sendClear(),
      },
      { onHangup: (reason) => void this.hangup(reason) },
    );
  }

  /** Creates and starts the app and joins the media clock. False when the app could not be created. */
  start(): boolean {
    const { meta, metrics } = this.deps;
    metrics.activeCalls.inc({ provider: 'twilio', account: meta.account });
    try {
      this.app = this.deps.createApp(this.port, this.control(), meta);
      this.app.start();
    } catch (err) {
      this.log.error({ err }, 'Twilio call: the app failed to start');
      this.finish('failed');
      this.deps.conn.close(1011, 'app failed');
      return false;
    }
    this.log.info({ from: meta.from, to: meta.to, direction: meta.direction }, 'Twilio call started');
    this.unsubscribe = this.deps.ticker.add(() => this.tick());
    return true;
  }

  onMedia(mulaw: Buffer): void {
    this.lastMediaAt = performance.now();
    if (this.state !== 'active') return;
    for (const frame of this.framer.push(mulaw)) this.app?.onFrame(frame);
  }

  onMark(name: string): void {
    this.port.onMark(name);
  }

  onDtmf(digit: string): void {
    this.deps.metrics.dtmfTotal.inc({ source: 'twilio' });
    if (this.state === 'active') this.app?.onDtmf(digit);
  }

  onEnd(reason: 'stop' | 'socket-closed'): void {
    this.finish(reason === 'stop' ? 'remote-stop' : 'socket-closed');
  }

  /**
   * Ends the call: waits (bounded) until Twilio acknowledged every frame sent, so the
   * goodbye is heard, then closes the stream, which ends the call (nothing follows
   * `<Connect>` in our TwiML).
   */
  async hangup(reason: string, endReason: TwilioEndReason = 'local-hangup'): Promise<void> {
    if (this.state !== 'active') return;
    this.state = 'ending';
    this.log.info({ reason }, `Twilio call hanging up: ${reason}`);
    const deadline = performance.now() + (this.deps.drainTimeoutMs ?? 2000);
    while (this.port.unacknowledgedFrames > 0 && this.endedAt === undefined && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    this.finish(endReason);
    this.deps.conn.close(1000, reason.slice(0, 100));
  }

  summary(): TwilioCallSummary {
    const { meta } = this.deps;
    const end = this.endedAt ?? Date.now();
    return {
      id: this.id,
      call_id: meta.callSid,
      stream_sid: meta.streamSid,
      provider: 'twilio',
      account: meta.account,
      direction: meta.direction,
      from: meta.from,
      to: meta.to,
      state: this.state,
      started_at: new Date(this.startedAt).toISOString(),
      ended_at: this.endedAt ? new Date(this.endedAt).toISOString() : undefined,
      duration_sec: Math.round((end - this.startedAt) / 100) / 10,
      end_reason: this.endReason,
    };
  }

  private tick(): void {
    const timeout = this.deps.mediaTimeoutMs ?? 30_000;
    if (this.state === 'active' && timeout > 0 && performance.now() - this.lastMediaAt > timeout) {
      this.log.warn({ timeoutMs: timeout }, 'Twilio call: no media, hanging up');
      void this.hangup('media-timeout', 'media-timeout');
      return;
    }
    if (this.state === 'active') this.app?.tick();
    this.port.pump();
  }

  /** Releases everything once; records the metrics. */
  private finish(reason: TwilioEndReason): void {
    if (this.endedAt !== undefined) return;
    this.endedAt = Date.now();
    this.state = 'ended';
    this.endReason = reason;
    this.unsubscribe?.();
    try {
      this.app?.stop();
    } catch (err) {
      this.log.warn({ err }, 'Twilio call: app stop failed');
    }
    const { metrics, meta } = this.deps;
    const labels = { provider: 'twilio', account: meta.account };
    metrics.activeCalls.dec(labels);
    const failed = reason === 'failed' || reason === 'media-timeout';
    metrics.callsTotal.inc({
      provider: 'twilio',
      status: failed ? 'failed' : 'success',
      account: meta.account,
      direction: meta.direction,
    });
    if (this.app)
      metrics.callDuration.observe(
        { ...labels, direction: meta.direction },
        (this.endedAt - this.startedAt) / 1000,
      );
    this.log.info(
      { reason, framesSent: this.port.framesSent, clears: this.port.clears },
      `Twilio call ended: ${reason}`,
    );
    this.deps.onEnded(this);
  }

  private control(): CallControl {
    return {
      transfer: async (target) => {
        const rest = this.deps.rest;
        if (!rest) return false;
        try {
          await rest.redirect(this.id, `<Response><Dial>${xmlEscape(target)}</Dial></Response>`);
          this.log.info({ target }, `Twilio call transferred to ${target}`);
          this.finish('transferred');
          return true;
        } catch (err) {
          this.log.warn({ err, target }, 'Twilio transfer failed');
          return false;
        }
      },
      sendDtmf: (digits) => {
        for (const d of digits) this.port.sendFrame(dtmfTone(d));
      },
    };
  }
}
