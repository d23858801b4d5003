import { describe, expect, it } from 'vitest';
import { ProviderError } from './errors.js';
import { flushMicrotasks } from './testing/fake-clock.js';
import type { ScriptedLlm } from './testing/fake-providers.js';
import { createPipelineHarness, type PipelineHarness } from './testing/pipeline-harness.js';

async function userSays(h: PipelineHarness, text: string): Promise<void> {
  h.stt.onSpeechEndedQueue.push({ text, final: true, endOfTurn: true });
  await h.speak(300);
  await h.silence(500);
  await flushMicrotasks();
}

const call = (id: string, name: string, args: object) =>
  ({ type: 'tool-call', call: { id, name, arguments: JSON.stringify(args) } }) as const;

describe('VoicePipeline: tools', () => {
  it('transfer_call speaks first, then emits the transfer once playout ends', async () => {
    const h = createPipelineHarness({
      llmScript: [
        ['One moment, transferring you.', call('c1', 'transfer_call', { target: '200', mode: 'attended' })],
      ],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'sales please');
    expect(h.events.actions).toEqual([]);
    await h.silence(200);
    expect(h.events.actions).toEqual([{ type: 'transfer', target: '200', mode: 'attended' }]);
    expect(h.pipeline.state).toBe('ended');
    expect(h.llm.requests).toHaveLength(1);
  });

  it('send_dtmf acts at once and the model continues with the tool result', async () => {
    const h = createPipelineHarness({ llmScript: [[call('c1', 'send_dtmf', { digits: '12#' })], ['Done.']] });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'press one two hash');
    expect(h.events.actions).toEqual([{ type: 'dtmf', digits: '12#' }]);
    expect(h.llm.requests).toHaveLength(2);
    expect(h.llm.requests[1]?.messages.slice(-2)).toEqual([
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'c1', name: 'send_dtmf', arguments: '{"digits":"12#"}' }],
      },
      { role: 'tool', toolCallId: 'c1', content: 'sent 12#' },
    ]);
    expect(h.tts.requests).toEqual(['Done.']);
  });

  it('end_call without words says the goodbye and hangs up', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 's', goodbye: 'Goodbye!' },
      llmScript: [[call('c1', 'end_call', { reason: 'caller-done' })]],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'that is all');
    expect(h.tts.requests).toEqual(['Goodbye!']);
    await h.silence(200);
    expect(h.events.actions).toEqual([{ type: 'hangup', reason: 'caller-done' }]);
  });

  it('a configured tool gets the parsed arguments and its result goes back to the model', async () => {
    const seen: unknown[] = [];
    const h = createPipelineHarness({
      tools: [
        {
          type: 'function',
          name: 'order_status',
          description: 'Look up an order',
          parameters: { type: 'object', properties: { id: { type: 'string' } } },
          handler: (args) => {
            seen.push(args);
            return Promise.resolve('shipped yesterday');
          },
        },
      ],
      llmScript: [[call('c9', 'order_status', { id: '42' })], ['It shipped yesterday.']],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'where is order 42');
    expect(seen).toEqual([{ id: '42' }]);
    expect(h.llm.requests[0]?.tools.map((t) => t.name)).toEqual([
      'transfer_call',
      'end_call',
      'send_dtmf',
      'order_status',
    ]);
    expect(h.llm.requests[1]?.messages.at(-1)).toEqual({
      role: 'tool',
      toolCallId: 'c9',
      content: 'shipped yesterday',
    });
  });
});

describe('VoicePipeline: provider failures never leave dead air', () => {
  it('retries a retryable LLM error with backoff, then answers', async () => {
    const h = createPipelineHarness({
      llmScript: [{ error: new ProviderError('llm', 'overloaded', true, { status: 503 }) }, ['Hello.']],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'hi');
    expect(h.events.errors).toMatchObject([{ stage: 'llm', retryable: true }]);
    await h.silence(260);
    expect(h.llm.requests).toHaveLength(2);
    expect(h.tts.requests).toEqual(['Hello.']);
    expect(h.events.actions).toEqual([]);
  });

  it('a fatal LLM error: spoken apology, then transfer to the fallback target', async () => {
    const h = createPipelineHarness({
      fallback: { apology: 'Sorry, let me get a human.', action: 'transfer', target: '100' },
      llmScript: [{ error: new ProviderError('llm', 'bad key', false, { status: 401 }) }],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'hi');
    expect(h.events.errors).toMatchObject([{ stage: 'llm', retryable: false }]);
    expect(h.tts.requests).toEqual(['Sorry, let me get a human.']);
    await h.silence(200);
    expect(h.events.actions).toEqual([{ type: 'transfer', target: '100', mode: 'blind' }]);
  });

  it('an LLM that never answers times out, retries, then falls back', async () => {
    const h = createPipelineHarness({
      timeouts: { llmFirstTokenMs: 1000 },
      retry: { retries: 1, baseDelayMs: 100 },
      llmScript: [{ hang: true }, { hang: true }],
    });
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'hello?');
    await h.silence(2200);
    expect(h.llm.requests).toHaveLength(2);
    expect(h.events.errors.map((e) => e.retryable)).toEqual([true, false]);
    expect(h.tts.requests.join(' ')).toContain("I'm sorry");
    await h.silence(400);
    expect(h.events.actions).toEqual([{ type: 'hangup', reason: 'provider-failure' }]);
  });

  it('a dead TTS: the daemon is told to play its own apology, then the fallback action', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', greeting: 'Hi.' } });
    h.tts.failures.push(new ProviderError('tts', 'quota', false, { status: 401 }));
    h.pipeline.start();
    await flushMicrotasks();
    expect(h.events.actions).toEqual([
      { type: 'play-apology' },
      { type: 'hangup', reason: 'provider-failure' },
    ]);
    expect(h.events.errors).toMatchObject([{ stage: 'tts', retryable: false }]);
  });

  it('a TTS failure mid-reply stops the LLM stream at once and falls back', async () => {
    const h = createPipelineHarness({ timeouts: { llmIdleMs: 60_000 } });
    let llmAborted = false;
    (h.llm as { stream: ScriptedLlm['stream'] }).stream = async function* (req) {
      yield { type: 'text', text: 'Hello there. ' };
      await new Promise((_, reject) =>
        req.signal.addEventListener('abort', () => {
          llmAborted = true;
          reject(req.signal.reason as Error);
        }),
      );
    };
    h.tts.failures.push(new ProviderError('tts', 'voice deleted', false, { status: 404 }));
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'hi');
    expect(llmAborted).toBe(true);
    expect(h.events.errors).toMatchObject([{ stage: 'tts', retryable: false }]);
    expect(h.events.actions).toEqual([
      { type: 'play-apology' },
      { type: 'hangup', reason: 'provider-failure' },
    ]);
  });

  it('a fatal STT error falls back too', async () => {
    const h = createPipelineHarness({});
    h.pipeline.start();
    h.stt.sink?.onError(new ProviderError('stt', 'socket closed for good', false));
    await flushMicrotasks();
    await h.silence(500);
    expect(h.events.actions.at(-1)).toEqual({ type: 'hangup', reason: 'provider-failure' });
  });

  it('no error listener: provider errors are logged, never thrown', async () => {
    const h = createPipelineHarness({
      llmScript: [{ error: new ProviderError('llm', 'x', false) }],
    });
    h.pipeline.removeAllListeners('error');
    h.pipeline.start();
    await h.silence(100);
    await userSays(h, 'hi');
    await h.silence(500);
    expect(h.events.actions.at(-1)).toEqual({ type: 'hangup', reason: 'provider-failure' });
  });
});

describe('VoicePipeline: call hygiene', () => {
  it('re-prompts after silence, then says goodbye and hangs up', async () => {
    const h = createPipelineHarness({
      persona: { systemPrompt: 's', repromptAfterMs: 3000, maxReprompts: 1, goodbye: 'Bye now.' },
    });
    h.pipeline.start();
    await h.silence(3000);
    expect(h.tts.requests).toEqual(['Are you still there?']);
    await h.silence(200 + 3000);
    expect(h.tts.requests).toEqual(['Are you still there?', 'Bye now.']);
    await h.silence(200);
    expect(h.events.actions).toEqual([{ type: 'hangup', reason: 'silence' }]);
  });

  it('caller speech resets the re-prompt timer', async () => {
    const h = createPipelineHarness({ persona: { systemPrompt: 's', repromptAfterMs: 1000 } });
    h.pipeline.start();
    await h.silence(900);
    await h.speak(300);
    await h.silence(400);
    expect(h.tts.requests).toEqual([]);
  });

  it('ends the call at the maximum length with the goodbye, even mid-sentence', async () => {
    const h = createPipelineHarness({
      persona: {
        systemPrompt: 's',
        greeting: GREETING_LONG,
        maxCallMs: 100,
        goodbye: 'Time is up, goodbye.',
      },
      ttsFrames: 50,
    });
    h.pipeline.start();
    await flushMicrotasks();
    await h.silence(100);
    expect(h.events.clearAtMs).toEqual([100]);
    expect(h.tts.requests.at(-1)).toBe('Time is up, goodbye.');
    await h.silence(1000);
    expect(h.events.actions).toEqual([{ type: 'hangup', reason: 'max-call-length' }]);
  });
});

const GREETING_LONG = 'Welcome to the long greeting that goes on and on.';
