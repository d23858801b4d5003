/**
 * A confirmed call (2xx ACKed, RFC 3261 §13.3.1.4 / §13.2.2.4) comes alive: its RTP session
 * starts, the recorder and the application (assistant or echo test) are attached, and the
 * dialog's in-call requests (BYE, INFO, re-INVITE/UPDATE) are routed to it.
 */
import { sharedMediaClock } from '@voice-assistant/rtp';
import type { IncomingRefer, ReinviteResponder, SipRequest } from '@voice-assistant/sip-stack';
import { createCallApp } from '../apps/factory.js';
import type { CallApp, MediaPort } from '../apps/types.js';
import type { Call } from './call.js';
import { callControl } from './call-control.js';
import type { CallHost } from './call-host.js';
import { clampPtime, createSession, handleReoffer } from './call-media.js';
import { endReasonOf } from './end-reason.js';
import { infoDigit } from './info-dtmf.js';
import { startRecording } from './recording.js';
import { mediaSockets } from './secure-media.js';
import { takeTransfer } from './transfer.js';

/** The call is up: start media and the application. No-op without a dialog and a session. */
export function startCall(host: CallHost, call: Call): void {
  const dialog = call.dialog;
  const session = call.session;
  if (!dialog || !session) return;
  call.markActive();
  const media = call.media;
  const sampleRate = media?.codec.sampleRate ?? 8000;
  const account = host.account(call.account);
  call.recorder = startRecording(call, host.deps.config(), account?.recordCalls, sampleRate);
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
    hangup: (reason) => void host.hangup(call, reason === 'timeout' ? 'media-timeout' : 'local-hangup'),
    setContinuous: (on) => {
      call.continuous = on;
      call.session?.setContinuous(on);
    },
  };
  const providers = account ? host.deps.providers(account.name) : undefined;
  const choice = createCallApp({
    port,
    control: callControl(host, call),
    account,
    providers,
    prompts: host.deps.prompts,
    metrics: host.deps.metrics,
    log: call.log,
    prompt: call.prompt,
    onTranscript: (line) =>
      call.recorder?.transcript({
        role: line.role === 'user' ? 'caller' : 'assistant',
        text: line.text,
        atMs: line.atMs,
      }),
    onEchoDigit: () => host.deps.metrics.dtmfTotal.inc({ source: 'rfc4733' }),
  });
  call.app = choice.app;
  call.appKind = choice.kind;
  attachSession(host, call);
  dialog.on('bye', () => host.end(call, 'remote-bye'));
  dialog.on('info', (req: SipRequest) => {
    const digit = infoDigit(req);
    if (!digit) return;
    host.deps.metrics.dtmfTotal.inc({ source: 'info' });
    call.recorder?.event('dtmf', { digit, source: 'info' });
    call.app?.onDtmf(digit);
  });
  dialog.on('terminated', (e: { reason: string }) => host.end(call, endReasonOf(e.reason)));
  // RFC 3515: the far end (a PBX's transfer key, an operator) asks us to call someone else.
  dialog.on('refer', (refer: IncomingRefer) => takeTransfer(host, call, refer));
  dialog.on('reinvite', (req: SipRequest, respond: ReinviteResponder) =>
    handleReoffer(call, host.account(call.account), req, respond, (m) => rebuildSession(host, call, m)),
  );
  const app = call.app;
  call.stopTicker = tickApp(call, app);
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
    call.appKind === 'echo-test' ? 'call answered: echo test running' : 'call answered: AI assistant running',
  );
}

/**
 * Ticks the app once per ptime on the same media clock as the call's RTP session, in the
 * clock's send phase and before the session's own send handler (handlers of a phase run
 * in subscription order): even the catch-up ticks after a stall find the send queue
 * topped up, so the call never falls silent with frames waiting.
 */
function tickApp(call: Call, app: CallApp): () => void {
  const ptime = clampPtime(call.media?.ptimeMs ?? 20);
  const clock = sharedMediaClock(ptime % 20 === 0 ? 20 : 10);
  const perPtime = ptime / clock.periodMs;
  let n = 0;
  return clock.subscribe(() => {
    if (++n < perPtime) return;
    n = 0;
    app.tick();
  }, 'send');
}

/** New codec or keys on a re-INVITE: a new RTP session on the same ports. */
function rebuildSession(host: CallHost, call: Call, media: Call['media'] & object): void {
  if (!call.sockets) return;
  call.session?.removeAllListeners();
  call.session?.close();
  call.session = createSession(media, mediaSockets(call), host.deps.config(), call.log);
  if (call.srtpKeys) call.session.setSrtp(call.srtpKeys);
  if (call.continuous) call.session.setContinuous(true);
  attachSession(host, call);
  call.session.start();
}

/** Routes the session's events to the call's app. */
function attachSession(host: CallHost, call: Call): void {
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
    host.deps.metrics.errorsTotal.inc({ error_type: 'media_timeout', account: call.account });
    void host.hangup(call, 'media-timeout');
  });
}
