import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EchoTestApp } from '../../packages/daemon/src/apps/echo-test.js';
import type { CallApp, MediaPort } from '../../packages/daemon/src/apps/types.js';
import { PromptLibrary } from '../../packages/daemon/src/audio/prompts.js';
import { MediaTicker } from '../../packages/daemon/src/call/media-ticker.js';
import { resolveConfig } from '../../packages/daemon/src/config/index.js';
import { HttpServer } from '../../packages/daemon/src/http/server.js';
import { createLogger } from '../../packages/daemon/src/logger.js';
import { Metrics } from '../../packages/daemon/src/metrics/metrics.js';
import { TwilioApiError, TwilioProvider } from '../../packages/daemon/src/twilio/index.js';
import { encodeMuLaw } from '../../packages/rtp/src/index.js';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { PROMPTS } from '../helpers/paths.js';
import { until } from '../helpers/processes.js';
import { FakeMediaStream, FakeTwilioApi, sign } from '../helpers/twilio-fake.js';

const TOKEN = 'test-auth-token';
const log = createLogger('silent');

/** A test app: plays 4 s of tone at start; DTMF 1 = barge-in (clearSendQueue), # = hang up. */
class BargeApp implements CallApp {
  constructor(private readonly port: MediaPort) {}
  start(): void {
    for (let f = 0; f < 200; f++) {
      const pcm = new Int16Array(160);
      for (let i = 0; i < 160; i++)
        pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 160 + i)) / 8000));
      this.port.sendFrame(pcm);
    }
  }
  onFrame(): void {}
  tick(): void {}
  onDtmf(d: string): void {
    if (d === '1') this.port.clearSendQueue();
    if (d === '#') this.port.hangup('test done');
  }
  stop(): void {}
}

/** A distinctive caller signal: a 300 -> 1500 Hz chirp with a little amplitude wobble. */
function chirp(seconds: number): Int16Array {
  const n = seconds * 8000;
  const out = new Int16Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    phase += (2 * Math.PI * (300 + (1200 * i) / n)) / 8000;
    out[i] = Math.round(9000 * (0.8 + 0.2 * Math.sin(i / 700)) * Math.sin(phase));
  }
  return out;
}

describe('Twilio provider: signed webhook, Media Streams with the echo app, marks, clear, REST', () => {
  const api = new FakeTwilioApi();
  const metrics = new Metrics({ defaultMetrics: false });
  const ticker = new MediaTicker();
  const prompts = new PromptLibrary();
  let http: HttpServer;
  let provider: TwilioProvider;
  let base = '';
  let appKind: 'echo' | 'barge' = 'echo';
  let bargePort: MediaPort | undefined;

  beforeAll(async () => {
    await api.start();
    http = new HttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: log,
      backend: {
        sipStatus: () => ({ status: 'listening', twilio: provider.status(), calls: provider.activeCalls() }),
        healthy: () => true,
        ready: () => ({ ready: true }),
        metrics: async () => ({ contentType: 'text/plain', body: await metrics.text() }),
      },
    });
    base = `http://127.0.0.1:${await http.listen()}`;
    const { config } = resolveConfig(undefined, {
      TWILIO_ACCOUNT_SID: 'ACtest',
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_API_BASE_URL: api.url,
      TWILIO_PUBLIC_URL: base,
      TWILIO_PHONE_NUMBER: '+15005550006',
    });
    provider = new TwilioProvider({
      config: config!,
      logger: log,
      metrics,
      ticker,
      createApp: (port) => {
        if (appKind === 'barge') return new BargeApp((bargePort = port));
        return new EchoTestApp(port, prompts, log);
      },
    });
    provider.attach(http);
  });
  afterAll(async () => {
    await provider?.close();
    await http?.close();
    await api.stop();
  });

  /** Posts the voice webhook as Twilio would; returns the status and body. */
  async function webhook(
    params: Record<string, string>,
    signature?: string,
  ): Promise<{ status: number; body: string }> {
    const url = `${base}/twilio/voice`;
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': signature ?? sign(TOKEN, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    return { status: res.status, body: await res.text() };
  }

  /** Webhook + stream: the TwiML's Stream URL and Parameters, as Twilio would use them. */
  async function call(callSid: string): Promise<FakeMediaStream> {
    const params = {
      AccountSid: 'ACtest',
      CallSid: callSid,
      From: '+15551230001',
      To: '+15005550006',
      Direction: 'inbound',
    };
    const r = await webhook(params);
    expect(r.status).toBe(200);
    const url = /<Stream url="([^"]+)">/.exec(r.body)?.[1] as string;
    const custom: Record<string, string> = {};
    for (const m of r.body.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g))
      custom[m[1] as string] = m[2] as string;
    expect(url).toBe(`${base.replace('http', 'ws')}/twilio/media`);
    expect(custom.callSid).toBe(callSid);
    return FakeMediaStream.connect(url, callSid, custom);
  }

  it('rejects unsigned and tampered webhooks with 403', async () => {
    const params = { CallSid: 'CAbad', From: '+1', To: '+2' };
    const good = sign(TOKEN, `${base}/twilio/voice`, params);
    expect((await webhook({ ...params, From: '+3' }, good)).status).toBe(403);
    expect((await webhook(params, 'AAAA')).status).toBe(403);
    expect((await webhook(params, sign('other-token', `${base}/twilio/voice`, params))).status).toBe(403);
    const ok = await webhook(params, good);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<Connect><Stream url=');
  });

  it('refuses a stream whose start carries no valid token, and survives hostile messages', async () => {
    const url = `${base.replace('http', 'ws')}/twilio/media`;
    const forged = await FakeMediaStream.connect(url, 'CAforged', { callSid: 'CAforged', token: 'guess' });
    expect(await forged.closed).toBe(1008);
    forged.close();
    const s = await FakeMediaStream.connect(url, 'CAx', null);
    s.sendRaw('{not json');
    s.sendRaw(Buffer.from([1, 2, 3]));
    s.send({ event: 'nonsense' });
    s.sendRaw('x'.repeat(70 * 1024)); // over maxPayload: closed with 1009
    expect(await s.closed).toBe(1009);
    s.close();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('answers with the greeting, echoes the caller, acknowledges marks; stop ends the call', async () => {
    appKind = 'echo';
    const s = await call('CA00000000000000000000000000000001');
    await until(() => provider.activeCalls().length === 1, 5000, 'call active');
    const status = (await (await fetch(`${base}/sip/status`)).json()) as {
      calls: Array<Record<string, unknown>>;
    };
    expect(status.calls[0]).toMatchObject({ provider: 'twilio', from: '+15551230001', state: 'active' });

    // Silence (low noise) while the 11.3 s greeting plays: the echo test mutes echo meanwhile.
    const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
    const quiet = new Int16Array(greeting.length + 4000).map(() => Math.round((Math.random() - 0.5) * 20));
    await s.stream(quiet);
    await until(() => s.played.length >= greeting.length, 5000, 'greeting played');
    const head = greeting.subarray(8000, 24000);
    const g = bestMatch(head, Int16Array.from(s.played.slice(0, 32000)), 7600, 8400);
    expect(g.corr).toBeGreaterThan(0.97);
    expect(g.lag).toBe(8000);

    // The caller speaks: the same audio comes back (mu-law both ways).
    const afterGreeting = s.played.length;
    const speech = chirp(2);
    await s.stream(speech);
    await new Promise((r) => setTimeout(r, 400));
    const echoed = Int16Array.from(s.played.slice(afterGreeting));
    expect(rms(echoed)).toBeGreaterThan(1000);
    // mu-law is idempotent after one pass, so each echoed 20 ms frame is bit-exact to a sent
    // one. The echo test drops frames to bound its delay (~5% here, with the caller, the
    // daemon and the fake Twilio on one event loop): 80% must come back, in order.
    const key = (f: Int16Array) => Buffer.from(encodeMuLaw(f)).toString('hex');
    const sentIndex = new Map<string, number>();
    for (let i = 0; i + 160 <= speech.length; i += 160)
      sentIndex.set(key(speech.subarray(i, i + 160)), i / 160);
    const order: number[] = [];
    for (let i = 0; i + 160 <= echoed.length; i += 160) {
      const idx = sentIndex.get(key(echoed.subarray(i, i + 160)));
      if (idx !== undefined) order.push(idx);
    }
    expect(order.length).toBeGreaterThan(0.8 * sentIndex.size);
    expect(order.every((v, i) => i === 0 || v > (order[i - 1] as number))).toBe(true);
    const e = bestMatch(speech.subarray(4000, 5600), echoed, 0, Math.max(0, echoed.length - 1600));
    expect(e.corr).toBeGreaterThan(0.95);

    // Every frame was followed by a mark, and every mark came back.
    expect(s.marksReceived).toBe(s.mediaReceived);
    await until(() => s.pendingMarks === 0, 2000, 'marks returned');

    s.stop();
    await until(() => provider.activeCalls().length === 0, 5000, 'call ended');
    s.close();
    const text = await metrics.text();
    expect(text).toMatch(
      /voice_assistant_calls_total\{provider="twilio",status="success",account="twilio",direction="inbound"\} 1/,
    );
    expect(text).toMatch(
      /voice_assistant_call_duration_seconds_count\{provider="twilio",account="twilio",direction="inbound"\} 1/,
    );
    expect(text).toMatch(/voice_assistant_active_calls\{provider="twilio",account="twilio"\} 0/);
  }, 60_000);

  it('barge-in sends clear, Twilio drops its buffer, queuedFrames drops to 0; hangup closes the stream', async () => {
    appKind = 'barge';
    const sid = 'CA00000000000000000000000000000002';
    const s = await call(sid);
    await until(() => s.mediaReceived >= 20, 5000, 'tone arriving');
    // Paced: ~200 ms ahead at most, not the 4 s the app queued.
    expect(s.mediaReceived).toBeLessThan(40);
    expect(bargePort!.queuedFrames).toBeGreaterThan(150);
    s.dtmf('1');
    await until(() => s.clears === 1, 2000, 'clear received');
    await new Promise((r) => setTimeout(r, 200));
    expect(s.mediaAfterClear).toBe(0);
    expect(bargePort!.queuedFrames).toBe(0);
    s.dtmf('#');
    expect(await s.closed).toBe(1000);
    await until(() => !provider.activeCalls().some((c) => c.id === sid), 5000, 'call ended');
    s.close();
    expect(await metrics.text()).toMatch(
      /voice_assistant_calls_total\{provider="twilio",status="success",account="twilio",direction="inbound"\} 2/,
    );
  });

  it('places outbound calls through the REST API (answered, unanswered); a 5xx is a retryable TwilioApiError', async () => {
    const r = await provider.placeCall({ to: '+15551239999' });
    expect(r.sid).toMatch(/^CA/);
    const req = api.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/2010-04-01/Accounts/ACtest/Calls.json');
    expect(req.authorization).toBe(`Basic ${Buffer.from(`ACtest:${TOKEN}`).toString('base64')}`);
    expect(req.form).toEqual({
      To: '+15551239999',
      From: '+15005550006',
      Url: `${base}/twilio/voice`,
      StatusCallback: `${base}/twilio/status`,
    });
    expect(provider.activeCalls()).toEqual([
      expect.objectContaining({ id: r.sid, state: 'dialing', direction: 'outbound' }),
    ]);

    // The callee answers: Twilio fetches the webhook (Direction outbound-api) and opens the stream.
    appKind = 'echo';
    const answer = { CallSid: r.sid, From: '+15005550006', To: '+15551239999', Direction: 'outbound-api' };
    const twiml = await webhook(answer);
    const custom: Record<string, string> = {};
    for (const m of twiml.body.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g))
      custom[m[1] as string] = m[2] as string;
    const s = await FakeMediaStream.connect(`${base.replace('http', 'ws')}/twilio/media`, r.sid, custom);
    await until(
      () => provider.activeCalls().some((c) => c.id === r.sid && c.state === 'active'),
      5000,
      'answered',
    );
    expect(provider.activeCalls().find((c) => c.id === r.sid)?.direction).toBe('outbound');
    await until(() => s.mediaReceived > 10, 5000, 'greeting on the outbound call');
    s.stop();
    await until(() => !provider.activeCalls().some((c) => c.id === r.sid), 5000, 'ended');
    s.close();

    // A call nobody answers: the status callback (signed) counts it as no_answer.
    const r2 = await provider.placeCall({ to: '+15551238888' });
    const statusUrl = `${base}/twilio/status`;
    const final = { CallSid: r2.sid, CallStatus: 'no-answer' };
    const cb = await fetch(statusUrl, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Twilio-Signature': sign(TOKEN, statusUrl, final),
      },
      body: new URLSearchParams(final).toString(),
    });
    expect(cb.status).toBe(204);
    expect(provider.activeCalls()).toEqual([]);
    expect(await metrics.text()).toMatch(
      /voice_assistant_calls_total\{provider="twilio",status="no_answer",account="twilio",direction="outbound"\} 1/,
    );
    expect(await metrics.text()).toMatch(
      /voice_assistant_calls_total\{provider="twilio",status="success",account="twilio",direction="outbound"\} 1/,
    );

    api.status = 500;
    const err = await provider.placeCall({ to: '+15551239999' }).catch((e: unknown) => e);
    api.status = 201;
    expect(err).toBeInstanceOf(TwilioApiError);
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(await metrics.text()).toMatch(
      /voice_assistant_calls_total\{provider="twilio",status="failed",account="twilio",direction="outbound"\} 1/,
    );
  });
});
