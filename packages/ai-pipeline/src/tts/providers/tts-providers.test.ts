import { afterEach, describe, expect, it } from 'vitest';
import { startFakeElevenLabs, type FakeElevenLabs } from '../../testing/fake-elevenlabs.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../testing/fake-openai.js';
import type { TtsChunk } from '../types.js';
import { ElevenLabsTts } from './elevenlabs-tts.js';
import { OpenAiTts } from './openai-tts.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

async function collect(
  it: AsyncIterable<TtsChunk>,
): Promise<{ samples: number; rates: Set<number>; peak: number }> {
  let samples = 0;
  let peak = 0;
  const rates = new Set<number>();
  for await (const c of it) {
    samples += c.pcm.length;
    rates.add(c.sampleRate);
    for (const s of c.pcm) peak = Math.max(peak, Math.abs(s));
  }
  return { samples, rates, peak };
}

const req = (sampleRate: number) => ({
  text: 'Hello there.',
  sampleRate,
  signal: new AbortController().signal,
});

describe('ElevenLabsTts against the fake ElevenLabs server (@elevenlabs/elevenlabs-js v2)', () => {
  async function start(): Promise<FakeElevenLabs> {
    const f = await startFakeElevenLabs({ script: { audioMs: 200 } });
    closers.push(() => f.close());
    return f;
  }

  it('asks for the call rate (pcm_16000) and streams 16-bit PCM', async () => {
    const fake = await start();
    const tts = new ElevenLabsTts({ apiKey: 'xi-key', voiceId: 'voice123', baseUrl: fake.url });
    const out = await collect(tts.synthesize(req(16000)));
    expect(out).toMatchObject({ samples: 3200, rates: new Set([16000]) });
    expect(out.peak).toBeGreaterThan(5000);
    expect(fake.requests[0]).toMatchObject({
      voiceId: 'voice123',
      outputFormat: 'pcm_16000',
      body: { text: 'Hello there.', model_id: 'eleven_flash_v2_5' },
    });
    expect(fake.requests[0]?.headers['xi-api-key']).toBe('xi-key');
  });

  it('ulaw_8000 for PCMU calls is decoded to PCM', async () => {
    const fake = await start();
    const tts = new ElevenLabsTts({
      apiKey: 'k',
      voiceId: 'v',
      baseUrl: fake.url,
      outputFormat: 'ulaw_8000',
    });
    const out = await collect(tts.synthesize(req(8000)));
    expect(out).toMatchObject({ samples: 1600, rates: new Set([8000]) });
    expect(out.peak).toBeGreaterThan(5000);
    expect(fake.requests[0]?.outputFormat).toBe('ulaw_8000');
  });

  it('errors carry retryable by status', async () => {
    const fake = await start();
    fake.script.errors = [503, 401];
    const tts = new ElevenLabsTts({ apiKey: 'k', voiceId: 'v', baseUrl: fake.url });
    await expect(collect(tts.synthesize(req(8000)))).rejects.toMatchObject({ stage: 'tts', retryable: true });
    await expect(collect(tts.synthesize(req(8000)))).rejects.toMatchObject({
      stage: 'tts',
      retryable: false,
    });
  });
});

describe('OpenAiTts against the fake OpenAI server', () => {
  it('requests response_format pcm and yields 24 kHz PCM across odd chunk splits', async () => {
    const fake: FakeOpenAi = await startFakeOpenAi({ script: { speechMs: 100 } });
    closers.push(() => fake.close());
    const tts = new OpenAiTts({ apiKey: 'k', baseURL: fake.baseURL, voice: 'nova' });
    const out = await collect(tts.synthesize(req(8000)));
    expect(out).toMatchObject({ samples: 2400, rates: new Set([24000]) });
    expect(fake.requests[0]?.json).toMatchObject({
      input: 'Hello there.',
      response_format: 'pcm',
      voice: 'nova',
    });
  });
});
