import { afterEach, describe, expect, it } from 'vitest';
import type { ProviderError } from '../../errors.js';
import { startFakeDeepgram } from '../../testing/fake-deepgram.js';
import { startFakeOpenAi } from '../../testing/fake-openai.js';
import { toneFrame } from '../../testing/audio.js';
import type { SttSink, SttTranscript } from '../types.js';
import { DeepgramStt, deepgramWsBase } from './deepgram-stt.js';
import { OpenAiStt } from './openai-stt.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((c) => c()));
  closers = [];
});

function recordingSink(): SttSink & {
  transcripts: SttTranscript[];
  errors: ProviderError[];
  utteranceEnds: number;
} {
  const sink = {
    transcripts: [] as SttTranscript[],
    errors: [] as ProviderError[],
    utteranceEnds: 0,
    onTranscript: (t: SttTranscript) => void sink.transcripts.push(t),
    onUtteranceEnd: () => void sink.utteranceEnds++,
    onError: (e: ProviderError) => void sink.errors.push(e),
  };
  return sink;
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('DeepgramStt against the fake Deepgram server (@deepgram/sdk v5)', () => {
  it('streams linear16 at the call rate, gets interim and finalize results, closes cleanly', async () => {
    const fake = await startFakeDeepgram({
      script: { apiKey: 'dg-key', utterances: ['I need a table for two'], interimAfterBytes: 3200 },
    });
    closers.push(() => fake.close());
    const stt = new DeepgramStt({ apiKey: 'dg-key', baseUrl: fake.url, model: 'nova-3', keepAliveMs: 50 });
    const sink = recordingSink();
    const ac = new AbortController();
    const session = stt.start({ sampleRate: 16000, language: 'en-US', signal: ac.signal }, sink);
    for (let i = 0; i < 10; i++) session.sendAudio(toneFrame(16000, 5000, 300, i));
    await until(() => (fake.connections[0]?.audioBytes ?? 0) >= 6400);
    await until(() => sink.transcripts.length >= 1);
    expect(sink.transcripts[0]).toEqual({ text: 'I', final: false, endOfTurn: false });
    session.speechEnded();
    await until(() => sink.transcripts.length >= 2);
    expect(sink.transcripts[1]).toEqual({ text: 'I need a table for two', final: true, endOfTurn: true });
    fake.sendUtteranceEnd();
    await until(() => sink.utteranceEnds === 1);
    await until(() => fake.connections[0]?.controls.includes('KeepAlive') ?? false);
    const q = fake.connections[0]?.query;
    expect(q?.get('encoding')).toBe('linear16');
    expect(q?.get('sample_rate')).toBe('16000');
    expect(q?.get('model')).toBe('nova-3');
    expect(q?.get('language')).toBe('en-US');
    expect(q?.get('interim_results')).toBe('true');
    expect(q?.get('utterance_end_ms')).toBe('1000');
    expect(fake.connections[0]?.headers['authorization']).toBe('Token dg-key');
    await session.close();
    await until(() => fake.connections[0]?.controls.includes('CloseStream') ?? false);
    expect(sink.errors).toEqual([]);
  });

  it('reconnects after the server drops the socket and keeps transcribing', async () => {
    const fake = await startFakeDeepgram({ script: { utterances: ['still here'], dropAfterBytes: 640 } });
    closers.push(() => fake.close());
    const stt = new DeepgramStt({ apiKey: 'k', baseUrl: fake.wsUrl });
    const sink = recordingSink();
    const ac = new AbortController();
    const session = stt.start({ sampleRate: 8000, signal: ac.signal }, sink);
    for (let i = 0; i < 4; i++) session.sendAudio(toneFrame(8000));
    await until(() => fake.connections.length >= 2, 8000);
    expect(sink.errors[0]).toMatchObject({ stage: 'stt', retryable: true });
    await until(() => fake.connections[1]?.socket.readyState === 1);
    await new Promise((r) => setTimeout(r, 20));
    session.speechEnded();
    await until(() => sink.transcripts.some((t) => t.text === 'still here'), 5000);
    ac.abort();
  }, 15_000);

  it('a rejected key: retryable errors while reconnecting, then a non-retryable one', async () => {
    const fake = await startFakeDeepgram({ script: { apiKey: 'right-key' } });
    closers.push(() => fake.close());
    const stt = new DeepgramStt({
      apiKey: 'wrong-key',
      baseUrl: fake.url,
      reconnectAttempts: 1,
      reconnectGiveUpMs: 300,
    });
    const sink = recordingSink();
    const ac = new AbortController();
    stt.start({ sampleRate: 8000, signal: ac.signal }, sink);
    await until(() => sink.errors.some((e) => !e.retryable), 8000);
    expect(sink.errors[0]).toMatchObject({ stage: 'stt' });
    expect(sink.errors.at(-1)).toMatchObject({ stage: 'stt', retryable: false });
    ac.abort();
  }, 15_000);

  it('http base URLs are turned into ws ones', () => {
    expect(deepgramWsBase('https://api.example.com')).toBe('wss://api.example.com');
    expect(deepgramWsBase('http://127.0.0.1:1')).toBe('ws://127.0.0.1:1');
  });
});

describe('OpenAiStt against the fake OpenAI server', () => {
  it('sends the VAD-cut segment as WAV and reports one final transcript ending the turn', async () => {
    const fake = await startFakeOpenAi({ script: { transcriptions: ['What time is it?'] } });
    closers.push(() => fake.close());
    const stt = new OpenAiStt({
      apiKey: 'k',
      baseURL: fake.baseURL,
      model: 'whisper-large-v3',
      preRollMs: 100,
    });
    const sink = recordingSink();
    const session = stt.start(
      { sampleRate: 8000, language: 'en-US', signal: new AbortController().signal },
      sink,
    );
    for (let i = 0; i < 20; i++) session.sendAudio(toneFrame(8000)); // only 5 frames of pre-roll kept
    session.speechStarted();
    for (let i = 0; i < 25; i++) session.sendAudio(toneFrame(8000));
    session.speechEnded();
    await until(() => sink.transcripts.length === 1);
    expect(sink.transcripts[0]).toEqual({ text: 'What time is it?', final: true, endOfTurn: true });
    const body = fake.requests[0]?.body.toString('latin1') ?? '';
    expect(body).toContain('whisper-large-v3');
    expect(body).toContain('name="language"');
    const wavStart = body.indexOf('RIFF');
    expect(Buffer.from(body, 'latin1').readUInt32LE(wavStart + 40)).toBe(30 * 160 * 2);
  });

  it('a failing server is retried once, then reported', async () => {
    const fake = await startFakeOpenAi({ script: { transcriptions: [500, 500] } });
    closers.push(() => fake.close());
    const stt = new OpenAiStt({ apiKey: 'k', baseURL: fake.baseURL, retries: 1 });
    const sink = recordingSink();
    const session = stt.start({ sampleRate: 8000, signal: new AbortController().signal }, sink);
    session.speechStarted();
    session.sendAudio(toneFrame(8000));
    session.speechEnded();
    await until(() => sink.errors.length === 1);
    expect(fake.requests).toHaveLength(2);
    expect(sink.errors[0]).toMatchObject({ stage: 'stt', retryable: true });
  });
});
