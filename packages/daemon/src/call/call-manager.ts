import type { IncomingCall, SipHeader } from '@voice-assistant/sip-stack';
import {
  answerOffer,
  createCodec,
  RtpSession,
  type NegotiatedMedia,
  type PortAllocator,
} from '@voice-assistant/rtp';
import { EchoTestApp } from '../apps/echo-test.js';
import type { MediaPort } from '../apps/types.js';
import type { PromptLibrary } from '../audio/prompts.js';
import type { AccountConfig, DaemonConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { Call, type CallEndReason } from './call.js';
import { localAddressFor } from './local-address.js';
import type { MediaTicker } from './media-ticker.js';

export interface CallManagerDeps {
  readonly config: () => DaemonConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly prompts: PromptLibrary;
  readonly ports: PortAllocator;
  readonly ticker: MediaTicker;
}

let callSeq = 0;

/** Answers incoming calls, owns every active call, and ends them all on shutdown. */
export class CallManager {
  readonly calls = new Map<string, Call>();
  private draining = false;
  private sessionId = Math.floor(Date.now() / 1000);

  constructor(private readonly deps: CallManagerDeps) {}

  get activeCount(): number {
    return this.calls.size;
  }

  /** Entry point for the UA's `invite` event. Never throws: failures end the call with an error response. */
  handleInvite(inc: IncomingCall): void {
    this.answer(inc).catch((err: unknown) => {
      this.deps.logger.error({ err, callId: inc.callId }, 'call setup failed');
      this.deps.metrics.errorsTotal.inc({ error_type: 'sip_handler', account: '' });
    });
  }

  /** Stop accepting calls (answer 503 with Retry-After from now on). */
  startDraining(): void {
    this.draining = true;
  }

  /** Waits up to `timeoutMs` for calls to end by themselves, then hangs up the rest. */
  async drain(timeoutMs: number): Promise<void> {
    this.startDraining();
    const end = Date.now() + timeoutMs;
    while (this.calls.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([...this.calls.values()].map((c) => this.hangup(c, 'shutdown')));
  }

  /** Sends BYE (if answered) and releases everything. */
  async hangup(call: Call, reason: CallEndReason): Promise<void> {
    if (call.state === 'ended') return;
    const dialog = call.dialog;
    this.end(call, reason);
    if (dialog && dialog.state !== 'terminated') await dialog.bye().catch(() => undefined);
  }

  private routeAccount(inc: IncomingCall): AccountConfig {
    const accounts = this.deps.config().sip.accounts;
    const user = /^sips?:([^@;>]+)@/i.exec(inc.request.uri)?.[1];
    return (
      accounts.find((a) => user !== undefined && (a.username === user || a.extension === user)) ??
      (accounts[0] as AccountConfig)
    );
  }

  private async answer(inc: IncomingCall): Promise<void> {
    const cfg = this.deps.config();
    const account = this.routeAccount(inc);
    const id = `c${(++callSeq).toString(36)}-${Date.now().toString(36)}`;
    const log = this.deps.logger.child({ call: id, callId: inc.callId, account: account.name });
    const refuse = (status: number, reason: string, metricStatus: string, headers?: SipHeader[]): void => {
      log.info({ status, reason }, `call refused: ${status} ${reason}`);
      inc.reject(status, { reason, headers });
      this.deps.metrics.callsTotal.inc({
        provider: 'sip',
        status: metricStatus,
        account: account.name,
        direction: 'inbound',
      });
    };
    if (this.draining)
      return refuse(503, 'Service Unavailable', 'rejected', [{ name: 'Retry-After', value: '30' }]);
    if (this.calls.size >= cfg.sip.maxConcurrentCalls) return refuse(486, 'Busy Here', 'busy');
    const ctype = inc.contentType?.split(';')[0]?.trim().toLowerCase();
    if (inc.body.length === 0 || ctype !== 'application/sdp')
      return refuse(488, 'Not Acceptable Here', 'rejected', [
        { name: 'Warning', value: '399 voice-assistant "an SDP offer is required"' },
      ]);

    const call = new Call(id, inc, account.name, log);
    this.calls.set(id, call);
    this.deps.metrics.activeCalls.inc({ provider: 'sip', account: account.name });
    inc.on('cancel', () => this.end(call, 'cancelled'));
    log.info({ from: inc.from.uri, to: inc.to.uri, remote: inc.remote }, 'incoming call');

    const alloc = await this.deps.ports.allocate();
    call.releasePorts = alloc.release;
    if (call.state === 'ended') return; // cancelled meanwhile
    const address = cfg.sip.publicAddress ?? (await localAddressFor(inc.remote.address));
    const answer = answerOffer(inc.body.toString('utf8'), {
      address,
      port: alloc.port,
      codecs: [...account.codecs],
      dtmf: true,
      srtp: account.srtp,
      sessionId: String(this.sessionId++),
      sessionVersion: 1,
      username: 'voice-assistant',
    });
    if (!answer.ok) {
      log.info({ reason: answer.reason }, 'no acceptable media in the offer');
      inc.reject(answer.status, {
        headers: [{ name: 'Warning', value: `304 voice-assistant "${answer.reason.replace(/"/g, "'")}"` }],
      });
      this.deps.metrics.callsTotal.inc({
        provider: 'sip',
        status: 'rejected',
        account: account.name,
        direction: 'inbound',
      });
      return this.end(call, 'rejected', false);
    }
    call.media = answer.media;
    const session = this.createSession(answer.media, alloc, cfg, log);
    call.session = session;
    call.state = 'answering';
    try {
      call.dialog = await inc.accept({ body: Buffer.from(answer.sdp), contentType: 'application/sdp' });
    } catch (err) {
      log.warn({ err }, 'call not confirmed (no ACK)');
      return this.end(call, 'ack-timeout');
    }
    if (call.state !== 'answering') return; // ended while waiting for the ACK
    this.confirm(call, session, log);
  }

  private createSession(
    media: NegotiatedMedia,
    alloc: Awaited<ReturnType<PortAllocator['allocate']>>,
    cfg: DaemonConfig,
    log: Logger,
  ): RtpSession {
    const codec = createCodec({ ...media.codec, fmtp: media.fmtp, frameMs: media.ptimeMs });
    const session = new RtpSession({
      sockets: { rtp: alloc.rtp, rtcp: alloc.rtcp },
      remote: { address: media.remoteAddress, port: media.remotePort, rtcpPort: media.remoteRtcpPort },
      payloadType: media.payloadType,
      codec: { ...codec, info: media.codec },
      dtmfPayloadType: media.dtmfPayloadType,
      ptimeMs: media.ptimeMs,
      rtcpMux: media.rtcpMux,
      srtp: media.crypto
        ? {
            suite: media.crypto.suite,
            localKey: Buffer.from(media.crypto.localKeyBase64, 'base64'),
            remoteKey: Buffer.from(media.crypto.remoteKeyBase64, 'base64'),
          }
        : undefined,
      mediaTimeoutMs: cfg.rtp.mediaTimeoutMs,
    });
    log.debug(
      {
        codec: media.codec.name,
        pt: media.payloadType,
        remote: `${media.remoteAddress}:${media.remotePort}`,
      },
      'media negotiated',
    );
    return session;
  }

  private confirm(call: Call, session: RtpSession, log: Logger): void {
    const dialog = call.dialog;
    if (!dialog) return;
    call.state = 'active';
    call.answeredAt = Date.now();
    const codec = call.media?.codec;
    const port: MediaPort = {
      sampleRate: codec?.sampleRate ?? 8000,
      samplesPerFrame: ((codec?.sampleRate ?? 8000) * (call.media?.ptimeMs ?? 20)) / 1000,
      sendFrame: (pcm) => session.sendFrame(pcm),
      clearSendQueue: () => session.clearSendQueue(),
      get queuedFrames() {
        return session.queuedFrames;
      },
      hangup: (reason) => void this.hangup(call, reason === 'timeout' ? 'media-timeout' : 'local-hangup'),
    };
    const app = new EchoTestApp(port, this.deps.prompts, log, (digit) => {
      this.deps.metrics.dtmfTotal.inc({ source: 'rfc4733' });
      void digit;
    });
    call.app = app;
    session.on('frame', (pcm: Int16Array) => app.onFrame(pcm));
    session.on('dtmf', (e: { digit: string }) => app.onDtmf(e.digit));
    session.on('timeout', () => {
      log.warn('no RTP received: media timeout, hanging up');
      this.deps.metrics.errorsTotal.inc({ error_type: 'media_timeout', account: call.account });
      void this.hangup(call, 'media-timeout');
    });
    dialog.on('bye', () => this.end(call, 'remote-bye'));
    dialog.on('terminated', () => this.end(call, 'remote-bye'));
    dialog.on(
      'reinvite',
      (
        req: { body: Buffer },
        respond: (status: number, opts?: { body?: Buffer; contentType?: string }) => void,
      ) => this.handleReinvite(call, req.body, respond),
    );
    session.start();
    app.start();
    call.stopTicker = this.deps.ticker.add(() => app.tick());
    log.info({ codec: codec?.name }, 'call answered: echo test running');
  }

  private handleReinvite(
    call: Call,
    body: Buffer,
    respond: (status: number, opts?: { body?: Buffer; contentType?: string }) => void,
  ): void {
    // Full re-negotiation (hold/resume, new remote address) lands with the sip-stack issue;
    // until then a re-INVITE keeps the current media and answers with our current SDP.
    void body;
    void call;
    respond(488);
  }

  /** Releases everything the call holds. Idempotent. */
  private end(call: Call, reason: CallEndReason, count = true): void {
    if (call.state === 'ended') return;
    const wasActive = call.state === 'active';
    call.state = 'ended';
    call.endReason = reason;
    call.endedAt = Date.now();
    call.stopTicker?.();
    call.app?.stop();
    if (call.session) {
      const stats = call.session.stats();
      call.log.info({ reason, stats }, `call ended: ${reason}`);
      call.session.close();
    } else call.log.info({ reason }, `call ended: ${reason}`);
    call.releasePorts?.();
    this.calls.delete(call.id);
    const m = this.deps.metrics;
    m.activeCalls.dec({ provider: 'sip', account: call.account });
    if (!count) return;
    const status = wasActive
      ? reason === 'media-timeout'
        ? 'failed'
        : 'success'
      : reason === 'cancelled'
        ? 'cancelled'
        : 'failed';
    m.callsTotal.inc({ provider: 'sip', status, account: call.account, direction: 'inbound' });
    if (wasActive && call.answeredAt)
      m.callDuration.observe(
        { provider: 'sip', account: call.account, direction: 'inbound' },
        (call.endedAt - call.answeredAt) / 1000,
      );
  }
}
