import { describe, expect, it } from 'vitest';
import { flushMicrotasks } from './testing/fake-clock.js';
import { createPipelineHarness } from './testing/pipeline-harness.js';

const GREETING = 'Hello and welcome. How can I help you today?';

describe('VoicePipeline: a conversation', () => {
  it('greets, hears a turn, answers sentence by sentence and reports the turn latency', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 'sys', greeting: GREETING },
      llmScript: [['Sure', ', I can help. ', 'What is your name?']],
    });
    h.pipeline.start();
    await flushMicrotasks();
    expect(h.pipeline.state).toBe('speaking');
    expect(h.tts.requests).toEqual(['Hello and welcome.', 'How can I help you today?']);
    expect(h.events.audioAtMs).toHaveLength(20);
    expect(h.events.audioSamples.every((n) => n === 160)).toBe(true);
    await h.silence(500);
    expect(h.pipeline.state).toBe('listening');

    h.stt.onSpeechEndedQueue.push({ text: 'I need help', final: true, endOfTurn: true });
    await h.speak(600);
    expect(h.pipeline.state).toBe('user-speaking');
    await h.silence(500);
    expect(h.stt.speechEndedCount).toBe(1);
    await flushMicrotasks();
    expect(h.tts.requests.slice(2)).toEqual(['Sure, I can help.', 'What is your name?']);
    expect(h.llm.requests[0]?.messages).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'assistant', content: GREETING },
      { role: 'user', content: 'I need help' },
    ]);
    expect(h.events.metrics).toHaveLength(1);
    expect(h.events.metrics[0]).toMatchObject({ totalMs: 0, endpointingMs: 500 });
    await h.silence(500);
    expect(h.pipeline.conversation.at(-1)).toEqual({
      role: 'assistant',
      content: 'Sure, I can help. What is your name?',
    });
    expect(h.events.transcripts.map((t) => `${t.role}:${t.text}`)).toEqual([
      `assistant:${GREETING}`,
      'user:I need help',
      'assistant:Sure, I can help. What is your name?',
    ]);
    await h.pipeline.close();
    expect(h.stt.closed).toBe(true);
  });

  it('measures where the time went when the STT final arrives late', async () => {
    const h = createPipelineHarness({ llmScript: [['Yes.']] });
    h.pipeline.start();
    await h.silence(100);
    await h.speak(400);
    await h.silence(500);
    expect(h.pipeline.state).toBe('thinking');
    h.clock.advance(300);
    h.stt.say('is it open', false);
    h.stt.say('is it open', true, true);
    await flushMicrotasks();
    expect(h.events.metrics[0]).toMatchObject({ vadEndToSttFinalMs: 300, totalMs: 300 });
  });

  it('accounts for every millisecond: STT, LLM and TTS delays land in their own buckets', async () => {
    const h = createPipelineHarness({ llmScript: [['Right away. ', 'Anything else?']] });
    h.llm.firstTokenDelayMs = 400;
    h.tts.firstAudioDelayMs = 150;
    h.pipeline.start();
    await h.silence(100);
    await h.speak(400);
    await h.silence(500);
    h.clock.advance(250);
    h.stt.say('book me a cab');
    await h.silence(600);
    expect(h.events.metrics).toEqual([
      {
        vadEndToSttFinalMs: 250,
        sttFinalToLlmFirstTokenMs: 400,
        llmFirstTokenToTtsFirstAudioMs: 150,
        ttsFirstAudioToFirstFrameOutMs: 0,
        totalMs: 800,
        endpointingMs: 500,
      },
    ]);
    expect(h.pipeline.turnMetrics).toEqual(h.events.metrics);
  });

  it('abandons a turn with no words after the STT final timeout', async () => {
    const h = createPipelineHarness({ timeouts: { sttFinalMs: 800 } });
    h.pipeline.start();
    await h.silence(100);
    await h.speak(300);
    await h.silence(500);
    expect(h.pipeline.state).toBe('thinking');
    await h.silence(800);
    expect(h.pipeline.state).toBe('listening');
    expect(h.llm.requests).toHaveLength(0);
  });

  it('asks the TTS for the call rate and resamples when the provider returns another rate', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', greeting: 'Hi there.' } });
    (h.tts as { outputRate?: number }).outputRate = 24000;
    h.pipeline.start();
    await flushMicrotasks();
    expect(h.events.audioSamples.length).toBeGreaterThanOrEqual(10);
    expect(h.events.audioSamples.every((n) => n === 160)).toBe(true);
  });
});

describe('VoicePipeline: barge-in and endpointing on a fake clock', () => {
  it('flushes within 40 ms of detected caller speech and keeps only what was heard', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 'sys', greeting: GREETING },
      llmScript: [['Of course.']],
    });
    h.pipeline.start();
    await flushMicrotasks();
    const audioBefore = h.events.audioAtMs.length;
    await h.silence(100);
    // Speech from t=100; the 200 ms minimum-speech guard confirms it at t=300.
    await h.speak(200);
    expect(h.events.clearAtMs).toHaveLength(1);
    const detectedAt = 300;
    expect((h.events.clearAtMs[0] ?? Infinity) - detectedAt).toBeLessThanOrEqual(40);
    expect(h.events.clearAtMs[0]).toBeGreaterThanOrEqual(detectedAt);
    expect(h.pipeline.state).toBe('user-speaking');
    // 15 of 20 frames played at t=300: all of sentence 1, half of sentence 2.
    expect(h.pipeline.conversation.at(-1)).toEqual({
      role: 'assistant',
      content: 'Hello and welcome. How can I',
    });
    expect(h.events.audioAtMs.length).toBe(audioBefore);
    h.stt.onSpeechEndedQueue.push({ text: 'Can I book a table', final: true, endOfTurn: true });
    await h.speak(200);
    await h.silence(520);
    expect(h.llm.requests).toHaveLength(1);
    expect(h.events.audioAtMs.length).toBeGreaterThan(audioBefore);
  });

  it('a cough shorter than the minimum speech does not interrupt', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', greeting: GREETING } });
    h.pipeline.start();
    await h.silence(100);
    await h.speak(120);
    await h.silence(100);
    expect(h.events.clearAtMs).toHaveLength(0);
    expect(h.pipeline.state).toBe('speaking');
  });

  it('allowInterruptions false: caller speech neither flushes nor becomes input', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 's', greeting: GREETING },
      allowInterruptions: false,
    });
    h.pipeline.start();
    await h.silence(100);
    await h.speak(300);
    h.stt.say('stop talking');
    expect(h.events.clearAtMs).toHaveLength(0);
    expect(h.pipeline.state).toBe('speaking');
    expect(h.llm.requests).toHaveLength(0);
  });

  it('caller resuming while the LLM thinks cancels the reply and merges the words', async () => {
    const h = createPipelineHarness({ llmScript: [{ hang: true }, ['Got it.']] });
    h.pipeline.start();
    await h.silence(100);
    h.stt.onSpeechEndedQueue.push({ text: 'I want to', final: true, endOfTurn: true });
    await h.speak(300);
    await h.silence(500);
    expect(h.llm.requests).toHaveLength(1);
    h.stt.onSpeechEndedQueue.push({ text: 'change my order', final: true, endOfTurn: true });
    await h.speak(300);
    await h.silence(500);
    expect(h.llm.requests).toHaveLength(2);
    expect(h.llm.requests[1]?.messages.at(-1)).toEqual({
      role: 'user',
      content: 'I want to change my order',
    });
    expect(h.llm.requests[0]?.signal.aborted).toBe(true);
  });
});

describe('VoicePipeline: DTMF', () => {
  it('a key interrupts the assistant; digits until # become one user turn', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', greeting: GREETING } });
    h.pipeline.start();
    await flushMicrotasks();
    h.clock.advance(100);
    h.pipeline.pushDtmf('4');
    expect(h.events.clearAtMs).toEqual([100]);
    h.pipeline.pushDtmf('2');
    h.pipeline.pushDtmf('#');
    await flushMicrotasks();
    expect(h.llm.requests[0]?.messages.at(-1)).toEqual({
      role: 'user',
      content: '[The caller pressed the keys: 42]',
    });
  });

  it('digits without # commit after the inter-digit timeout', async () => {
    const h = createPipelineHarness({ dtmfInterDigitMs: 1000 });
    h.pipeline.start();
    h.pipeline.pushDtmf('7');
    await h.silence(980);
    expect(h.llm.requests).toHaveLength(0);
    await h.silence(40);
    expect(h.llm.requests).toHaveLength(1);
  });
});

describe('VoicePipeline: playback acknowledgements and rates', () => {
  it('markPlayed decides what the caller heard when the output acknowledges playback', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', greeting: GREETING } });
    h.pipeline.start();
    await flushMicrotasks();
    h.pipeline.markPlayed(5);
    await h.silence(100);
    await h.speak(200);
    expect(h.events.clearAtMs).toHaveLength(1);
    // 5 of the 10 frames of "Hello and welcome." were acknowledged.
    expect(h.pipeline.conversation.at(-1)).toEqual({ role: 'assistant', content: 'Hello' });
  });

  it('48 kHz call with a 24 kHz TTS: resampled 960-sample frames', async () => {
    const h = createPipelineHarness({
      sampleRate: 48000,
      persona: { systemPrompt: 's', greeting: 'Hi there.' },
    });
    (h.tts as { outputRate?: number }).outputRate = 24000;
    h.pipeline.start();
    await flushMicrotasks();
    expect(h.events.audioSamples.length).toBeGreaterThanOrEqual(10);
    expect(h.events.audioSamples.every((n) => n === 960)).toBe(true);
    expect(h.pipeline.turnMetrics).toEqual([]);
  });
});

describe('VoicePipeline: what may not be interrupted', () => {
  it('DTMF during the goodbye is ignored; the hang-up still happens', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 's', maxCallMs: 100, goodbye: 'Time is up, goodbye.' },
    });
    h.pipeline.start();
    await h.silence(100);
    expect(h.tts.requests).toEqual(['Time is up, goodbye.']);
    h.pipeline.pushDtmf('5');
    h.pipeline.pushDtmf('#');
    expect(h.events.clearAtMs).toEqual([]);
    await h.silence(300);
    expect(h.llm.requests).toHaveLength(0);
    expect(h.events.actions).toEqual([{ type: 'hangup', reason: 'max-call-length' }]);
  });

  it('a final transcript while a re-prompt is being synthesised cancels the re-prompt', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 's', repromptAfterMs: 500 },
      llmScript: [['Sure.']],
    });
    h.tts.hang = true;
    h.pipeline.start();
    await h.silence(500);
    expect(h.tts.requests).toEqual(['Are you still there?']);
    h.tts.hang = false;
    h.stt.say('yes I am here');
    await flushMicrotasks();
    expect(h.llm.requests).toHaveLength(1);
    expect(h.tts.requests).toEqual(['Are you still there?', 'Sure.']);
    expect(h.pipeline.conversation.filter((m) => m.role === 'assistant')).toEqual([]);
  });
});
