import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ProviderSet } from '@voice-assistant/ai-pipeline';
import {
  answerOffer,
  applyAnswer,
  createDtlsCertificate,
  createOffer,
  offersDtlsSrtp,
  prepareSecureMedia,
  sharedMediaClock,
  type AnswerResult,
  type DtlsCertificate,
  type PortAllocator,
} from '@voice-assistant/rtp';
import type {
  Dialog,
  IncomingCall,
  ReinviteResponder,
  SipHeader,
  SipRequest,
  UserAgent,
} from '@voice-assistant/sip-stack';
import { createCallApp } from '../apps/factory.js';
import type { CallApp, MediaPort } from '../apps/types.js';
import type { PromptLibrary } from '../audio/prompts.js';
import type { AccountConfig, DaemonConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { CallRecorder } from '../recording/index.js';
import { Call, type CallEndReason } from './call.js';
import { callControl, targetUri } from './call-control.js';
import {
  clampPtime,
  createSession,
  handleReoffer,
  localMediaOptions,
  type RtpSockets,
} from './call-media.js';
import { localAddressFor } from './local-address.js';

export interface CallManagerDeps {
  readonly config: () => DaemonConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly prompts: PromptLibrary;
  readonly ports: PortAllocator;
  /** AI providers of an account; undefined runs the echo test. */
  readonly providers: (account: string) => ProviderSet | undefined;
  /** The address to advertise in SDP (SIP_PUBLIC_ADDRESS or learnt by STUN); undefined: the local one. */
  readonly publicAddress: () => string | undefined;
  /** The SIP user agent, for outbound calls. */
  readonly ua: () => UserAgent | undefined;
}

/** A refused outbound call request, with the HTTP status that says why. */
export class CallRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What `POST /calls` asks for. */
export interface PlaceCallRequest {
  /** Extension, number, or sip:/sips:/tel: URI. */
  readonly to: string;
  /** Account name; default the first account with a registrar. */
  readonly account?: string;
  /** System prompt for this call's assistant. */
  readonly prompt?: string;
}

/** Ended calls kept for `GET /calls/:id`. */
const RECENT_LIMIT = 200;
let callSeq = 0;

/** Answers incoming calls, places outgoing ones, owns every active call, and ends them all on shutdown. */
export class CallManager {
  /** Calls in progress. */
  readonly calls = new Map<string, Call>();
  /** Recently ended calls, oldest first. */
  private readonly recent = new Map<string, Call>();
  private draining = false;
  /** Recordings still being finalised (awaited on shutdown). */
  private readonly closingRecordings = new Set<Promise<unknown>>();
  private sessionId = Math.floor(Date.now() / 1000);
  private certificate?: Promise<DtlsCertificate>;

  constructor(private readonly deps: CallManagerDeps) {}

  get activeCount(): number {
    return this.calls.size;
  }

  /** A call in progress or recently ended. */
  get(id: string): Call | undefined {
    return this.calls.get(id) ?? this.recent.get(id);
  }

  /** Calls in progress, then recently ended ones (newest first). */
  list(): Call[] {
    return [...this.calls.values(), ...[...this.recent.values()].reverse()];
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
    await Promise.all([...this.closingRecordings]);
  }

  /** Ends a call from our side: CANCEL before the answer (outbound), BYE after it. */
  async hangup(call: Call, reason: CallEndReason): Promise<void> {
    if (call.ended) return;
    const dialog = call.dialog;
    if (!call.incoming && !dialog) call.abort.abort(); // outbound, not answered yet: CANCEL
    if (call.incoming && !dialog && call.state === 'ringing') {
      call.incoming.reject(480, { reason: 'Temporarily Unavailable' });
    }
    this.end(call, reason);
    if (dialog && dialog.state !== 'terminated') await dialog.bye().catch(() => undefined);
  }

  /** Blind-transfers a call (REFER); resolves true when the far end accepted. */
  async transfer(call: Call, target: string): Promise<boolean> {
    return this.control(call).transfer(target);
  }

  private account(name: string): AccountConfig | undefined {
    return this.deps.config().sip.accounts.find((a) => a.name === name);
  }

  private routeAccount(inc: IncomingCall): AccountConfig {
    const accounts = this.deps.config().sip.accounts;
    const user = /^sips?:([^@;>]+)@/i.exec(inc.request.uri)?.[1];
    return (
      accounts.find((a) => user !== undefined && (a.username === user || a.extension === user)) ??
      (accounts[0] as AccountConfig)
    );
  }

  private newCall(parties: Call['parties'], account: AccountConfig): Call {
    const id = `c${(++callSeq).toString(36)}-${Date.now().toString(36)}`;
    const log = this.deps.logger.child({ call: id, callId: parties.callId, account: account.name });
    const call = new Call(id, parties, account.name, log);
    this.calls.set(id, call);
    this.deps.metrics.activeCalls.inc({ provider: 'sip', account: account.name });
    return call;
  }

  private countRefusal(account: string, status: string, direction: 'inbound' | 'outbound'): void {
    this.deps.metrics.callsTotal.inc({ provider: 'sip', status, account, direction });
  }

  private async answer(inc: IncomingCall): Promise<void> {
    const cfg = this.deps.config();
    const account = this.routeAccount(inc);
    const refuse = (status: number, reason: string, metricStatus: string, headers?: SipHeader[]): void => {
      this.deps.logger.info({ callId: inc.callId, status, reason }, `call refused: ${status} ${reason}`);
      inc.reject(status, { reason, headers });
      this.countRefusal(account.name, metricStatus, 'inbound');
    };
    if (this.draining)
      return refuse(503, 'Service Unavailable', 'rejected', [{ name: 'Retry-After', value: '30' }]);
    if (this.calls.size >= cfg.sip.maxConcurrentCalls)
      return refuse(503, 'Service Unavailable', 'busy', [{ name: 'Retry-After', value: '5' }]);
    const ctype = inc.contentType?.split(';')[0]?.trim().toLowerCase();
    // RFC 3261 §21.4.13 / §8.2.3: a body we cannot read is 415 with what we accept.
    if (inc.body.length > 0 && ctype !== 'application/sdp')
      return refuse(415, 'Unsupported Media Type', 'rejected', [
        { name: 'Accept', value: 'application/sdp' },
      ]);
    // An offerless INVITE (the offer would come in our 2xx, the answer in the ACK) is not
    // supported yet: refuse it with a reason rather than answer without media.
    if (inc.body.length === 0)
      return refuse(488, 'Not Acceptable Here', 'rejected', [
        { name: 'Warning', value: '399 voice-assistant "an SDP offer in the INVITE is required"' },
      ]);

    const call = this.newCall(
      { callId: inc.callId, from: inc.from.uri, to: inc.to.uri, direction: 'inbound' },
      account,
    );
    call.incoming = inc;
    inc.on('cancel', () => this.end(call, 'cancelled'));
    // The dialog may end before accept() resolves (ACK and BYE in one read): catch it here too.
    inc.on('terminated', (e: { reason: string }) => this.end(call, endReasonOf(e.reason)));
    call.log.info({ from: inc.from.uri, to: inc.to.uri, remote: inc.remote }, 'incoming call');

    const alloc = await this.allocatePorts(call);
    if (!alloc) {
      // RFC 3261 §21.5.4: temporarily unable to take the call; the caller may fail over.
      inc.reject(503, { reason: 'Service Unavailable', headers: [{ name: 'Retry-After', value: '5' }] });
      return this.end(call, 'rejected');
    }
    if (call.ended) return; // cancelled meanwhile
    const address = this.deps.publicAddress() ?? (await localAddressFor(inc.remote.address));
    const sessionId = String(this.sessionId++);
    const offerText = inc.body.toString('utf8');
    const local = localMediaOptions(account, { address, port: alloc.port, sessionId, version: 1 });
    let answer: AnswerResult;
    if (account.mediaEncryption === 'dtls-srtp' && offersDtlsSrtp(offerText)) {
      // RFC 5763/5764: DTLS-SRTP with ICE-lite on the RTP socket (rtcp-mux).
      const r = await prepareSecureMedia(offerText, alloc.rtp, {
        local,
        stunServer: cfg.sip.stunServer,
        turn: cfg.sip.turnServer
          ? {
              uri: cfg.sip.turnServer,
              username: cfg.sip.turnUsername ?? '',
              password: cfg.sip.turnPassword ?? '',
            }
          : undefined,
        certificate: await this.dtlsCertificate(),
      });
      if (r.ok) {
        call.secure = r;
        for (const problem of r.problems) call.log.warn({ problem }, 'ICE candidate gathering');
        answer = { ok: true, sdp: r.answerSdp, media: r.media };
      } else answer = r;
    } else answer = answerOffer(offerText, local);
    if (call.ended) return call.secure?.close();
    if (!answer.ok) {
      call.log.info({ reason: answer.reason }, 'no acceptable media in the offer');
      inc.reject(answer.status, {
        headers: [{ name: 'Warning', value: `304 voice-assistant "${answer.reason.replace(/"/g, "'")}"` }],
      });
      return this.end(call, 'rejected');
    }
    call.media = answer.media;
    call.local = { address, port: alloc.port, sessionId, version: 1, sdp: answer.sdp };
    call.sockets = { rtp: alloc.rtp, rtcp: alloc.rtcp };
    call.session = createSession(answer.media, this.mediaSockets(call), cfg, call.log);
    if (call.secure) this.awaitDtls(call, call.secure);
    if (cfg.sip.answerDelayMs > 0) {
      inc.progress(180);
      await new Promise((r) => setTimeout(r, cfg.sip.answerDelayMs));
      if (call.ended) return; // CANCEL while ringing: the stack answered 487
    }
    call.state = 'answering';
    let dialog: Dialog;
    try {
      dialog = await inc.accept({ body: Buffer.from(answer.sdp), contentType: 'application/sdp' });
    } catch (err) {
      call.log.warn({ err }, 'call not confirmed (no ACK)');
      return this.end(call, 'ack-timeout');
    }
    if (call.ended) return;
    call.dialog = dialog;
    if (dialog.state === 'terminated') return this.end(call, 'remote-bye');
    this.confirm(call);
  }

  /**
   * Places an outbound call (`POST /calls`): validates the request at once (throws
   * `CallRequestError`), then dials in the background; progress shows in `get(id)`.
   */
  placeCall(req: PlaceCallRequest): Call {
    const cfg = this.deps.config();
    const ua = this.deps.ua();
    if (!ua || this.draining) throw new CallRequestError(503, 'not accepting calls (starting or draining)');
    if (this.calls.size >= cfg.sip.maxConcurrentCalls)
      throw new CallRequestError(503, 'concurrent call limit reached');
    if (typeof req.to !== 'string' || !/^[A-Za-z0-9+*#@:;=._%[\]-]+$/.test(req.to))
      throw new CallRequestError(400, '"to" must be an extension, a number or a SIP URI');
    const accounts = cfg.sip.accounts;
    const account = req.account
      ? accounts.find((a) => a.name === req.account)
      : (accounts.find((a) => a.server) ?? accounts[0]);
    if (!account) throw new CallRequestError(404, `no account named ${String(req.account)}`);
    if (!account.server && !/^sips?:/i.test(req.to))
      throw new CallRequestError(
        400,
        `account ${account.name} has no registrar: "to" must be a full SIP URI`,
      );
    const toUri = targetUri(account, req.to.replace(/^tel:/i, ''));
    const user = account.username ?? 'voice-assistant';
    const fromUri = `sip:${user}@${account.domain ?? account.server ?? this.deps.publicAddress() ?? 'localhost'}`;
    const call = this.newCall({ callId: '', from: fromUri, to: toUri, direction: 'outbound' }, account);
    if (typeof req.prompt === 'string' && req.prompt.trim() !== '') call.prompt = req.prompt;
    this.dial(call, account, ua, toUri).catch((err: unknown) => {
      call.log.error({ err }, 'outbound call failed');
      this.deps.metrics.errorsTotal.inc({ error_type: 'sip_handler', account: account.name });
      this.end(call, 'failed');
    });
    return call;
  }

  private async dial(call: Call, account: AccountConfig, ua: UserAgent, toUri: string): Promise<void> {
    const cfg = this.deps.config();
    // Requests go to the registrar/proxy: Request-URI user@server:port, To user@domain.
    const host = account.server ? account.server : (/@([^;>]+)/.exec(toUri)?.[1] ?? '127.0.0.1');
    const requestUri = account.server
      ? `sip:${/^sips?:([^@]+)@/i.exec(toUri)?.[1] ?? ''}@${bracket(account.server)}:${account.port};transport=${account.transport}`
      : toUri;
    const alloc = await this.allocatePorts(call);
    if (!alloc) return this.end(call, 'failed');
    if (call.ended) return;
    const remoteIp = isIP(host.replace(/^\[|\]$/g, '').split(':')[0] ?? '')
      ? host
      : (await lookup(host.split(':')[0] ?? host)).address;
    const address = this.deps.publicAddress() ?? (await localAddressFor(remoteIp.replace(/^\[|\]$/g, '')));
    const sessionId = String(this.sessionId++);
    const offer = createOffer(
      localMediaOptions(account, { address, port: alloc.port, sessionId, version: 1 }),
    );
    call.log.info({ to: toUri, via: requestUri }, 'placing call');
    let dialog: Dialog;
    try {
      dialog = await ua.invite(requestUri, {
        from: call.parties.from,
        to: toUri,
        body: Buffer.from(offer.sdp),
        contentType: 'application/sdp',
        transport: account.transport,
        signal: call.abort.signal,
        credentials:
          account.password !== undefined
            ? { username: account.authUsername ?? account.username ?? '', password: account.password }
            : undefined,
        onProgress: (res) => {
          if (res.status >= 180 && call.state === 'dialing') call.state = 'ringing';
        },
      });
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      call.sipStatus = status;
      call.log.info({ status, err: (err as Error).message }, 'call not answered');
      return this.end(call, call.abort.signal.aborted ? 'cancelled' : 'failed');
    }
    call.parties.callId = dialog.callId;
    call.dialog = dialog;
    if (call.ended || dialog.state === 'terminated') {
      if (dialog.state !== 'terminated') await dialog.bye().catch(() => undefined);
      return this.end(call, 'local-hangup');
    }
    const answer = applyAnswer(offer.state, dialog.remoteBody?.body.toString('utf8') ?? '');
    if (!answer.ok) {
      call.log.warn({ reason: answer.reason }, 'unusable SDP answer: hanging up');
      await dialog.bye().catch(() => undefined);
      return this.end(call, 'failed');
    }
    call.media = answer.media;
    call.local = { address, port: alloc.port, sessionId, version: 1, sdp: offer.sdp };
    call.sockets = { rtp: alloc.rtp, rtcp: alloc.rtcp };
    call.session = createSession(answer.media, call.sockets, cfg, call.log);
    this.confirm(call);
  }

  /** The sockets RTP runs on: the DTLS-SRTP transport when the call is secured that way. */
  private mediaSockets(call: Call): RtpSockets {
    if (call.secure) return { rtp: call.secure.transport };
    return call.sockets as RtpSockets;
  }

  /** Installs the DTLS-SRTP keys when the handshake completes; ends the call if it fails. */
  private awaitDtls(call: Call, secure: NonNullable<Call['secure']>): void {
    const release = call.releasePorts;
    call.releasePorts = () => {
      secure.close();
      release?.();
    };
    secure.ready.then(
      (keys) => {
        call.srtpKeys = keys;
        call.session?.setSrtp(keys); // synchronously: no RTP passes before this
        call.log.info({ suite: keys.suite }, 'DTLS-SRTP established');
      },
      (err: unknown) => {
        call.log.warn({ err }, 'DTLS-SRTP handshake failed: hanging up');
        this.deps.metrics.errorsTotal.inc({ error_type: 'dtls', account: call.account });
        void this.hangup(call, 'failed');
      },
    );
  }

  /** One self-signed DTLS certificate for the process (creating one takes ~50 ms). */
  private dtlsCertificate(): Promise<DtlsCertificate> {
    this.certificate ??= createDtlsCertificate();
    return this.certificate;
  }

  /** RTP/RTCP ports for the call, or undefined (logged and counted) when the range is exhausted. */
  private async allocatePorts(
    call: Call,
  ): Promise<Awaited<ReturnType<PortAllocator['allocate']>> | undefined> {
    try {
      const alloc = await this.deps.ports.allocate();
      call.releasePorts = alloc.release;
      return alloc;
    } catch (err) {
      call.log.error(
        { err, inUse: this.deps.ports.inUse },
        `no RTP port available: ${(err as Error).message}`,
      );
      this.deps.metrics.errorsTotal.inc({ error_type: 'rtp_ports', account: call.account });
      return undefined;
    }
  }

  private control(call: Call): ReturnType<typeof callControl> {
    return callControl(
      call,
      () => this.account(call.account),
      () => this.hangup(call, 'transferred'),
    );
  }

  /** The call is up (2xx ACKed): start media and the application. */
  private confirm(call: Call): void {
    const dialog = call.dialog;
    const session = call.session;
    if (!dialog || !session) return;
    call.state = 'active';
    call.answeredAt = Date.now();
    const media = call.media;
    const sampleRate = media?.codec.sampleRate ?? 8000;
    call.recorder = this.startRecording(call, sampleRate);
    const port: MediaPort = {
      sampleRate,
      samplesPerFrame: (sampleRate * (media?.ptimeMs ?? 20)) / 1000,
      sendFrame: (pcm) => {
        call.session?.sendFrame(pcm);
        call.recorder?.assistant(pcm);
      },
      clearSendQueue: () => {
        call.session?.clearSendQueue();
        call.recorder?.clearAssistant();
      },
      get queuedFrames() {
        return call.session?.queuedFrames ?? 0;
      },
      hangup: (reason) => void this.hangup(call, reason === 'timeout' ? 'media-timeout' : 'local-hangup'),
    };
    const account = this.account(call.account);
    const providers = account ? this.deps.providers(account.name) : undefined;
    const choice = createCallApp({
      port,
      control: this.control(call),
      account,
      providers,
      prompts: this.deps.prompts,
      metrics: this.deps.metrics,
      log: call.log,
      prompt: call.prompt,
      onTranscript: (line) =>
        call.recorder?.transcript({
          role: line.role === 'user' ? 'caller' : 'assistant',
          text: line.text,
          atMs: line.atMs,
        }),
      onEchoDigit: () => this.deps.metrics.dtmfTotal.inc({ source: 'rfc4733' }),
    });
    call.app = choice.app;
    call.appKind = choice.kind;
    this.attachSession(call);
    dialog.on('bye', () => this.end(call, 'remote-bye'));
    dialog.on('info', (req: SipRequest) => {
      const digit = infoDigit(req);
      if (!digit) return;
      this.deps.metrics.dtmfTotal.inc({ source: 'info' });
      call.recorder?.event('dtmf', { digit, source: 'info' });
      call.app?.onDtmf(digit);
    });
    dialog.on('terminated', (e: { reason: string }) => this.end(call, endReasonOf(e.reason)));
    dialog.on('reinvite', (req: SipRequest, respond: ReinviteResponder) =>
      handleReoffer(call, this.account(call.account), req, respond, (m) => this.rebuildSession(call, m)),
    );
    const app = call.app;
    call.stopTicker = this.tickApp(call, app);
    session.start();
    // With DTLS-SRTP no media flows before the handshake: start the app (its greeting) then,
    // so the caller hears it from the first word.
    if (call.secure && !call.srtpKeys)
      call.secure.ready.then(
        () => {
          if (!call.ended) app.start();
        },
        () => undefined, // awaitDtls hangs up
      );
    else app.start();
    call.log.info(
      { codec: media?.codec.name, direction: call.parties.direction },
      call.appKind === 'echo-test'
        ? 'call answered: echo test running'
        : 'call answered: AI assistant running',
    );
  }

  /**
   * Ticks the app once per ptime on the same media clock as the call's RTP session, and
   * before it (handlers run in subscription order): even the catch-up ticks after a stall
   * find the send queue topped up, so the call never falls silent with frames waiting.
   */
  private tickApp(call: Call, app: CallApp): () => void {
    const ptime = clampPtime(call.media?.ptimeMs ?? 20);
    const clock = sharedMediaClock(ptime % 20 === 0 ? 20 : 10);
    const perPtime = ptime / clock.periodMs;
    let n = 0;
    return clock.subscribe(() => {
      if (++n < perPtime) return;
      n = 0;
      app.tick();
    });
  }

  /** New codec or keys on a re-INVITE: a new RTP session on the same ports. */
  private rebuildSession(call: Call, media: Call['media'] & object): void {
    if (!call.sockets) return;
    call.session?.removeAllListeners();
    call.session?.close();
    call.session = createSession(media, this.mediaSockets(call), this.deps.config(), call.log);
    if (call.srtpKeys) call.session.setSrtp(call.srtpKeys);
    this.attachSession(call);
    call.session.start();
  }

  /** Routes the session's events to the call's app. */
  private attachSession(call: Call): void {
    const session = call.session;
    if (!session) return;
    session.on('frame', (pcm: Int16Array) => {
      call.recorder?.caller(pcm, call.media?.codec.sampleRate);
      call.app?.onFrame(pcm);
    });
    session.on('dtmf', (e: { digit: string; source: string }) => {
      call.recorder?.event('dtmf', { digit: e.digit, source: e.source });
      call.app?.onDtmf(e.digit);
    });
    session.on('timeout', () => {
      call.log.warn('no RTP received: media timeout, hanging up');
      this.deps.metrics.errorsTotal.inc({ error_type: 'media_timeout', account: call.account });
      void this.hangup(call, 'media-timeout');
    });
  }

  /** A recorder for the call when recording is on (globally or for its account). */
  private startRecording(call: Call, sampleRate: number): CallRecorder | undefined {
    const cfg = this.deps.config();
    const on = this.account(call.account)?.recordCalls ?? cfg.recording.enabled;
    if (!on) return undefined;
    return new CallRecorder({
      dir: cfg.recording.path,
      callId: call.callId,
      account: call.account,
      from: call.parties.from,
      to: call.parties.to,
      direction: call.parties.direction,
      sampleRate,
      startedAt: call.answeredAt ?? Date.now(),
      logger: call.log,
    });
  }

  /** Finalises the WAV and the sidecar; shutdown waits for it. */
  private finishRecording(call: Call, reason: CallEndReason, stats: unknown): void {
    const rec = call.recorder;
    if (!rec) return;
    const done = rec
      .close({ endReason: reason, endedAt: call.endedAt, rtpStats: stats })
      .then((r) => call.log.info({ wav: r.wav, json: r.json }, 'recording saved'))
      .catch((err: unknown) => {
        call.log.error({ err }, 'recording could not be finalised');
        this.deps.metrics.errorsTotal.inc({ error_type: 'recording', account: call.account });
      })
      .finally(() => this.closingRecordings.delete(done));
    this.closingRecordings.add(done);
  }

  /** Releases everything the call holds and counts it. Idempotent. */
  private end(call: Call, reason: CallEndReason): void {
    if (call.ended) return;
    const wasActive = call.state === 'active';
    call.markEnded(reason);
    call.stopTicker?.();
    call.app?.stop();
    if (call.session) {
      const stats = call.session.stats();
      call.log.info({ reason, stats }, `call ended: ${reason}`);
      call.session.close();
      if (wasActive) this.observeMedia(call.account, stats);
      this.finishRecording(call, reason, stats);
    } else call.log.info({ reason, sipStatus: call.sipStatus }, `call ended: ${reason}`);
    call.releasePorts?.();
    this.calls.delete(call.id);
    this.recent.set(call.id, call);
    if (this.recent.size > RECENT_LIMIT) this.recent.delete(this.recent.keys().next().value as string);
    const m = this.deps.metrics;
    const direction = call.parties.direction;
    m.activeCalls.dec({ provider: 'sip', account: call.account });
    m.callsTotal.inc({
      provider: 'sip',
      status: outcome(wasActive, reason, call.sipStatus),
      account: call.account,
      direction,
    });
    if (wasActive && call.answeredAt && call.endedAt)
      m.callDuration.observe(
        { provider: 'sip', account: call.account, direction },
        (call.endedAt - call.answeredAt) / 1000,
      );
  }

  private observeMedia(
    account: string,
    stats: { lost: number; jitterMs: number; mos: number; packetsReceived: number },
  ): void {
    const m = this.deps.metrics;
    if (stats.lost > 0) m.rtpPacketsLost.inc({ account }, stats.lost);
    if (stats.packetsReceived === 0) return; // nothing received: jitter and MOS say nothing
    m.rtpJitter.observe({ account }, stats.jitterMs / 1000);
    m.rtpMos.observe({ account }, stats.mos);
  }
}

/**
 * The digit of a SIP INFO DTMF (`application/dtmf-relay`: `Signal=5`, or `application/dtmf`:
 * `5`), as Cisco/Asterisk/3CX send them when RFC 4733 is not negotiated.
 */
export function infoDigit(req: SipRequest): string | undefined {
  const ctype = (req.headers.find((h) => h.name === 'Content-Type')?.value ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const body = req.body.toString('utf8');
  let signal: string | undefined;
  if (ctype === 'application/dtmf-relay') signal = /^\s*Signal\s*=\s*(\S+)/im.exec(body)?.[1];
  else if (ctype === 'application/dtmf') signal = body.trim();
  if (signal === undefined) return undefined;
  if (signal === '10') return '*';
  if (signal === '11') return '#';
  return /^[0-9*#A-Da-d]$/.test(signal) ? signal.toUpperCase() : undefined;
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Maps a sip-stack termination reason to ours. */
function endReasonOf(reason: string): CallEndReason {
  switch (reason) {
    case 'local-bye':
      return 'local-hangup';
    case 'ack-timeout':
      return 'ack-timeout';
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
    case 'transport':
      return 'failed';
    default:
      return 'remote-bye';
  }
}

/** The guide's `status` label of `voice_assistant_calls_total`. */
function outcome(wasActive: boolean, reason: CallEndReason, sipStatus?: number): string {
  if (wasActive) return reason === 'media-timeout' || reason === 'failed' ? 'failed' : 'success';
  if (reason === 'cancelled') return 'cancelled';
  if (reason === 'rejected') return 'rejected';
  if (sipStatus === 486 || sipStatus === 600) return 'busy';
  if (sipStatus === 408 || sipStatus === 480 || sipStatus === 487) return 'no_answer';
  return 'failed';
}
