import { afterEach, describe, expect, it } from 'vitest';
import type { TurnMetrics } from './metrics/turn-metrics.js';
import type { PipelineErrorEvent, TranscriptEvent, VoicePipelineOptions } from './pipeline-options.js';
import { VoicePipeline } from './pipeline.js';
import { createProvidersFromEnv, ProviderConfigError } from './providers-from-env.js';
import type { PipelineAction } from './tools/tools.js';
import { noiseFrame, toneFrame } from './testing/audio.js';
import { startFakeDeepgram, type FakeDeepgram } from './testing/fake-deepgram.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './testing/fake-elevenlabs.js';
import { startFakeOpenAi, type FakeOpenAi } from './testing/fake-openai.js';

interface Fakes {
  dg: FakeDeepgram;
  oa: FakeOpenAi;
  el: FakeElevenLabs;
}
let fakes: Fakes | undefined;
let pipeline: VoicePipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  if (fakes) await Promise.all([fakes.dg.close(), fakes.oa.close(), fakes.el.close()]);
  fakes = undefined;
  pipeline = undefined;
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(rest: Partial<VoicePipelineOptions>, f: Fakes) {
  const providers = createProvidersFromEnv({
    OPENAI_API_KEY: 'sk-fake',
    OPENAI_BASE_URL: f.oa.baseURL,
    OPENAI_MODEL: 'gpt-fake',
    DEEPGRAM_API_KEY: 'dg-fake',
    DEEPGRAM_BASE_URL: f.dg.url,
    ELEVENLABS_API_KEY: 'el-fake',
    ELEVENLABS_BASE_URL: f.el.url,
    ELEVENLABS_VOICE_ID: 'voice-1',
  });
  if (!providers) throw new Error('providers not configured');
  const p = new VoicePipeline({
    ...providers,
    sampleRate: 16000,
    persona: { systemPrompt: 'You are the front desk.', greeting: 'Hello.' },
    retry: { baseDelayMs: 20 },
    ...rest,
  });
  pipeline = p;
  const ev = {
    frames: 0,
    badFrames: 0,
    actions: [] as PipelineAction[],
    errors: [] as PipelineErrorEvent[],
    metrics: [] as TurnMetrics[],
    transcripts: [] as TranscriptEvent[],
  };
  p.on('audio', (pcm) => {
    ev.frames++;
    if (pcm.length !== 320) ev.badFrames++;
  });
  p.on('action', (a) => ev.actions.push(a));
  p.on('error', (e) => ev.errors.push(e));
  p.on('turn-metrics', (m) => ev.metrics.push(m));
  p.on('transcript', (t) => ev.transcripts.push(t));
  return { p, ev };
}

async function callerSpeaks(p: VoicePipeline): Promise<void> {
  for (let i = 0; i < 10; i++) p.pushAudio(noiseFrame(16000, 30, i + 1));
  for (let i = 0; i < 25; i++) p.pushAudio(toneFrame(16000, 8000, 300, i));
  for (let i = 0; i < 30; i++) p.pushAudio(noiseFrame(16000, 30, i + 50));
}

async function startFakes(): Promise<Fakes> {
  const [dg, oa, el] = await Promise.all([startFakeDeepgram(), startFakeOpenAi(), startFakeElevenLabs()]);
  fakes = { dg, oa, el };
  return fakes;
}

describe('VoicePipeline with the official SDKs against the fake servers', () => {
  it('a scripted conversation: greeting, a turn, a 500 retried, a transfer tool call', async () => {
    const f = await startFakes();
    f.dg.script.utterances = ['I would like to speak to sales'];
    f.oa.script.chat = [
      { status: 500 },
      {
        text: 'Sure, transferring you now.',
        toolCalls: [{ name: 'transfer_call', arguments: '{"target":"sales"}' }],
      },
    ];
    const { p, ev } = await setup({}, f);
    p.start();
    await until(() => ev.frames >= 10);
    await until(() => f.dg.connections[0]?.socket.readyState === 1);
    await until(() => p.state === 'listening');
    await callerSpeaks(p);
    await until(() => ev.actions.length > 0);
    expect(ev.actions).toEqual([{ type: 'transfer', target: 'sales', mode: 'blind' }]);
    expect(ev.errors).toMatchObject([{ stage: 'llm', retryable: true }]);
    expect(ev.badFrames).toBe(0);
    expect(ev.metrics).toHaveLength(1);
    const m = ev.metrics[0] as TurnMetrics;
    expect(m.totalMs).toBeCloseTo(
      m.vadEndToSttFinalMs +
        m.sttFinalToLlmFirstTokenMs +
        m.llmFirstTokenToTtsFirstAudioMs +
        m.ttsFirstAudioToFirstFrameOutMs,
      5,
    );
    expect(ev.transcripts.filter((t) => t.final).map((t) => `${t.role}:${t.text}`)).toEqual([
      'assistant:Hello.',
      'user:I would like to speak to sales',
      'assistant:Sure, transferring you now.',
    ]);
    expect(f.el.requests.map((r) => [r.outputFormat, r.body['text']])).toEqual([
      ['pcm_16000', 'Hello.'],
      ['pcm_16000', 'Sure, transferring you now.'],
    ]);
    expect(f.oa.requests.at(-1)?.json?.['messages']).toEqual([
      { role: 'system', content: 'You are the front desk.' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'I would like to speak to sales' },
    ]);
  });

  it('an LLM that times out: retried, then a spoken apology and the fallback transfer', async () => {
    const f = await startFakes();
    f.dg.script.utterances = ['hello?'];
    f.oa.script.chat = [{ hang: true }, { hang: true }];
    const { p, ev } = await setup(
      {
        timeouts: { llmFirstTokenMs: 200 },
        retry: { retries: 1, baseDelayMs: 20 },
        fallback: { apology: 'Sorry, connecting you to a colleague.', action: 'transfer', target: '100' },
      },
      f,
    );
    p.start();
    await until(() => p.state === 'listening' && f.dg.connections[0]?.socket.readyState === 1);
    await callerSpeaks(p);
    await until(() => ev.actions.length > 0);
    expect(ev.actions).toEqual([{ type: 'transfer', target: '100', mode: 'blind' }]);
    expect(ev.errors.map((e) => [e.stage, e.retryable])).toEqual([
      ['llm', true],
      ['llm', false],
    ]);
    expect(f.el.requests.at(-1)?.body['text']).toBe('Sorry, connecting you to a colleague.');
  });

  it('a dead TTS: the daemon plays its own apology, then the call ends', async () => {
    const f = await startFakes();
    f.el.script.errors = [401];
    const { ev, p } = await setup({}, f);
    p.start();
    await until(() => ev.actions.length >= 2);
    expect(ev.actions).toEqual([{ type: 'play-apology' }, { type: 'hangup', reason: 'provider-failure' }]);
    expect(ev.frames).toBe(0);
  });
});

describe('createProvidersFromEnv', () => {
  it('returns undefined without an LLM configured (the daemon keeps its echo test)', () => {
    expect(createProvidersFromEnv({})).toBeUndefined();
    expect(createProvidersFromEnv({ DEEPGRAM_API_KEY: 'x' })).toBeUndefined();
  });

  it('picks providers from the keys present, and STT_PROVIDER / TTS_PROVIDER', () => {
    const openaiOnly = createProvidersFromEnv({ OPENAI_BASE_URL: 'http://localhost:8000/v1' });
    expect([openaiOnly?.stt.name, openaiOnly?.llm.name, openaiOnly?.tts.name]).toEqual([
      'openai-stt',
      'openai',
      'openai-tts',
    ]);
    const all = createProvidersFromEnv({
      OPENAI_API_KEY: 'k',
      DEEPGRAM_API_KEY: 'd',
      ELEVENLABS_API_KEY: 'e',
      ELEVENLABS_VOICE_ID: 'v',
    });
    expect([all?.stt.name, all?.tts.name]).toEqual(['deepgram', 'elevenlabs']);
    const forced = createProvidersFromEnv(
      { OPENAI_API_KEY: 'k', DEEPGRAM_API_KEY: 'd', STT_PROVIDER: 'openai' },
      { ttsProvider: 'openai' },
    );
    expect([forced?.stt.name, forced?.tts.name]).toEqual(['openai-stt', 'openai-tts']);
  });

  it('an explicitly chosen provider without its key is a configuration error', () => {
    expect(() => createProvidersFromEnv({ OPENAI_API_KEY: 'k', STT_PROVIDER: 'deepgram' })).toThrow(
      ProviderConfigError,
    );
    expect(() => createProvidersFromEnv({ OPENAI_API_KEY: 'k', TTS_PROVIDER: 'elevenlabs' })).toThrow(
      ProviderConfigError,
    );
  });
});
