import type { IncomingCall, ReinviteResponder, SipHeader, SipRequest } from '@voice-assistant/sip-stack';
import {
  answerOffer,
  createCodec,
  RtpSession,
  type NegotiatedMedia,
  type PortAllocator,
} from '@voice-assistant/rtp';
import type { Socket } from 'node:dgram';
import type { ProviderSet } from '@voice-assistant/ai-pipeline';
import { AssistantApp } from '../apps/assistant.js';
import { EchoTestApp } from '../apps/echo-test.js';
import type { MediaPort } from '../apps/types.js';
import type { CallControl } from '../apps/assistant.js';
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
  /** AI providers of an account; undefined runs the echo test. */
  readonly providers: (account: string) => ProviderSet | undefined;
}

let callSeq = 0;

type RtpSockets = { rtp: Socket; rtcp?: Socket | undefined };

/** The SDP without its o= line, to tell whether our description changed (RFC 3264 §8). */
function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=.*$/m, '');
}

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
    if (call.ended) return; // cancelled meanwhile
    const address = cfg.sip.publicAddress ?? (await localAddressFor(inc.remote.address));
    const sessionId = this.sessionId++;
    const answer = answerOffer(inc.body.toString('utf8'), {
      address,
      port: alloc.port,
      codecs: [...account.codecs],
      dtmf: true,
      srtp: account.srtp,
      sessionId: String(sessionId),
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
    call.local = { address, port: alloc.port, sessionId: String(sessionId), version: 1, sdp: answer.sdp };
    call.sockets = { rtp: alloc.rtp, rtcp: alloc.rtcp };
    const session = this.createSession(answer.media, call.sockets, cfg, log);
    call.session = session;
    if (cfg.sip.answerDelayMs > 0) {
      inc.progress(180);
      await new Promise((r) => setTimeout(r, cfg.sip.answerDelayMs));
      if (call.ended) return; // CANCEL while ringing: the stack answered 487
    }
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
    sockets: RtpSockets,
    cfg: DaemonConfig,
    log: Logger,
  ): RtpSession {
    const codec = createCodec({ ...media.codec, fmtp: media.fmtp, frameMs: media.ptimeMs });
    const session = new RtpSession({
      sockets,
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
    const current = (): RtpSession => call.session ?? session;
    const port: MediaPort = {
      sampleRate: codec?.sampleRate ?? 8000,
      samplesPerFrame: ((codec?.sampleRate ?? 8000) * (call.media?.ptimeMs ?? 20)) / 1000,
      sendFrame: (pcm) => current().sendFrame(pcm),
      clearSendQueue: () => current().clearSendQueue(),
      get queuedFrames() {
        return current().queuedFrames;
      },
      hangup: (reason) => void this.hangup(call, reason === 'timeout' ? 'media-timeout' : 'local-hangup'),
    };
    const account = this.deps.config().sip.accounts.find((a) => a.name === call.account);
    const providers = account ? this.deps.providers(account.name) : undefined;
    const app =
      providers && account
        ? new AssistantApp(
            port,
            providers,
            account,
            this.callControl(call),
            this.deps.prompts,
            this.deps.metrics,
            log,
          )
        : new EchoTestApp(port, this.deps.prompts, log, () =>
            this.deps.metrics.dtmfTotal.inc({ source: 'rfc4733' }),
          );
    call.app = app;
    this.attachSession(call, session);
    dialog.on('bye', () => this.end(call, 'remote-bye'));
    dialog.on('terminated', (e: { reason: string }) =>
      this.end(
        call,
        e.reason === 'local-bye' ? 'local-hangup' : e.reason === 'ack-timeout' ? 'ack-timeout' : 'remote-bye',
      ),
    );
    dialog.on('reinvite', (req: SipRequest, respond: ReinviteResponder) =>
      this.handleReinvite(call, req, respond),
    );
    session.start();
    app.start();
    call.stopTicker = this.deps.ticker.add(() => app.tick());
    log.info(
      { codec: codec?.name },
      app instanceof EchoTestApp ? 'call answered: echo test running' : 'call answered: AI assistant running',
    );
  }

  /** SIP actions the assistant may take on this call. */
  private callControl(call: Call): CallControl {
    return {
      transfer: async (target) => {
        const dialog = call.dialog;
        if (!dialog || dialog.state !== 'confirmed') return false;
        const uri = this.transferUri(call, target);
        // RFC 3515 §2.4.1 blind transfer: REFER with Refer-To; on 202 the transferee calls the
        // target and we leave the call (NOTIFY progress is not awaited).
        const res = await dialog.request('REFER', {
          headers: [
            { name: 'Refer-To', value: `<${uri}>` },
            { name: 'Referred-By', value: `<${call.incoming.to.uri}>` },
          ],
        });
        const ok = res.status >= 200 && res.status < 300;
        call.log.info({ status: res.status, target: uri }, ok ? 'transfer accepted' : 'transfer refused');
        if (ok) await this.hangup(call, 'transferred');
        return ok;
      },
      sendDtmf: (digits) => {
        [...digits].forEach((d, i) => setTimeout(() => call.session?.sendDtmf(d), i * 250).unref());
      },
    };
  }

  /** A bare extension becomes `sip:EXT@<account domain>`; full URIs pass through. */
  private transferUri(call: Call, target: string): string {
    if (/^(sips?|tel):/i.test(target)) return target;
    const account = this.deps.config().sip.accounts.find((a) => a.name === call.account);
    const host =
      account?.domain ?? account?.server ?? /@([^;>]+)/.exec(call.incoming.to.uri)?.[1] ?? 'localhost';
    return `sip:${target}@${host}`;
  }

  /** Routes a session's events to the call's app. */
  private attachSession(call: Call, session: RtpSession): void {
    call.session = session;
    session.on('frame', (pcm: Int16Array) => call.app?.onFrame(pcm));
    session.on('dtmf', (e: { digit: string }) => call.app?.onDtmf(e.digit));
    session.on('timeout', () => {
      call.log.warn('no RTP received: media timeout, hanging up');
      this.deps.metrics.errorsTotal.inc({ error_type: 'media_timeout', account: call.account });
      void this.hangup(call, 'media-timeout');
    });
  }

  /**
   * A re-INVITE or UPDATE inside the call (RFC 3311, RFC 3264 §8): hold/resume, a new
   * remote address, a codec change, or a session refresh (RFC 4028). A rejected offer
   * (488) leaves the session as it was.
   */
  private handleReinvite(call: Call, req: SipRequest, respond: ReinviteResponder): void {
    const local = call.local;
    if (!local || !call.session || !call.media) return respond(500);
    if (req.body.length === 0) {
      // UPDATE without a body is a refresh; an offerless re-INVITE gets our offer in the 200.
      if (req.method === 'UPDATE') return respond(200);
      return respond(200, { body: Buffer.from(local.sdp), contentType: 'application/sdp' });
    }
    const account = this.deps.config().sip.accounts.find((a) => a.name === call.account);
    const codecs = [call.media.codec.name, ...(account?.codecs ?? ['PCMU', 'PCMA'])];
    const offer = req.body.toString('utf8');
    const opts = {
      address: local.address,
      port: local.port,
      codecs: [...new Set(codecs)],
      dtmf: true,
      srtp: account?.srtp ?? 'off',
      sessionId: local.sessionId,
      username: 'voice-assistant',
    };
    let answer = answerOffer(offer, { ...opts, sessionVersion: local.version });
    if (!answer.ok) {
      call.log.info({ reason: answer.reason }, 're-INVITE offer rejected, keeping the current media');
      return respond(answer.status === 400 ? 400 : 488);
    }
    // RFC 3264 §8: the o= version goes up by one exactly when our description changes.
    if (withoutOrigin(answer.sdp) !== withoutOrigin(local.sdp)) {
      answer = answerOffer(offer, { ...opts, sessionVersion: local.version + 1 });
      if (!answer.ok) return respond(488);
      local.version++;
    }
    local.sdp = answer.sdp;
    this.applyMedia(call, answer.media);
    respond(200, { body: Buffer.from(answer.sdp), contentType: 'application/sdp' });
  }

  /** Moves the RTP session to newly negotiated media: same ports, maybe a new codec or keys. */
  private applyMedia(call: Call, media: NegotiatedMedia): void {
    const old = call.media;
    const session = call.session;
    if (!old || !session || !call.sockets) return;
    call.media = media;
    const remote = { address: media.remoteAddress, port: media.remotePort, rtcpPort: media.remoteRtcpPort };
    const rebuild =
      media.payloadType !== old.payloadType ||
      media.codec.name !== old.codec.name ||
      media.crypto?.remoteKeyBase64 !== old.crypto?.remoteKeyBase64;
    if (rebuild) {
      session.removeAllListeners();
      session.close();
      const next = this.createSession(media, call.sockets, this.deps.config(), call.log);
      next.setDirection(media.direction);
      this.attachSession(call, next);
      next.start();
    } else {
      const cur = session.remoteAddress;
      if (cur.address !== remote.address || cur.port !== remote.port) session.setRemote(remote);
      session.setDirection(media.direction);
    }
    call.log.info(
      {
        direction: media.direction,
        hold: media.hold,
        remote: `${remote.address}:${remote.port}`,
        codec: media.codec.name,
      },
      media.hold ? 'call put on hold by the remote party' : 'call media updated',
    );
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
