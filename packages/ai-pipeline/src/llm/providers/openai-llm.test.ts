import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../errors.js';
import { startFakeOpenAi, type FakeOpenAi } from '../../testing/fake-openai.js';
import type { LlmChunk } from '../types.js';
import { OpenAiLlm } from './openai-llm.js';

let fake: FakeOpenAi | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function collect(it: AsyncIterable<LlmChunk>): Promise<LlmChunk[]> {
  const out: LlmChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

describe('OpenAiLlm against the fake OpenAI server (openai SDK v6)', () => {
  it('streams text deltas and sends model, temperature, history and tools', async () => {
    fake = await startFakeOpenAi({ script: { chat: [{ text: 'Hello there. How can I help?' }] } });
    const llm = new OpenAiLlm({
      apiKey: 'sk-test',
      baseURL: fake.baseURL,
      model: 'gpt-test',
      temperature: 0.3,
    });
    const chunks = await collect(
      llm.stream({
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: 'hi' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [{ id: 'c1', name: 'send_dtmf', arguments: '{"digits":"1"}' }],
          },
          { role: 'tool', toolCallId: 'c1', content: 'sent 1' },
        ],
        tools: [{ name: 'end_call', description: 'end', parameters: { type: 'object', properties: {} } }],
        signal: new AbortController().signal,
      }),
    );
    expect(chunks.map((c) => (c.type === 'text' ? c.text : '')).join('')).toBe(
      'Hello there. How can I help?',
    );
    expect(chunks.length).toBeGreaterThan(2);
    const req = fake.requests[0];
    expect(req?.headers['authorization']).toBe('Bearer sk-test');
    expect(req?.json).toMatchObject({
      model: 'gpt-test',
      temperature: 0.3,
      stream: true,
      tools: [{ type: 'function', function: { name: 'end_call' } }],
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c1', type: 'function', function: { name: 'send_dtmf', arguments: '{"digits":"1"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'sent 1' },
      ],
    });
  });

  it('assembles tool calls from streamed argument deltas', async () => {
    fake = await startFakeOpenAi({
      script: {
        chat: [
          {
            text: 'One moment.',
            toolCalls: [
              { id: 'call_a', name: 'transfer_call', arguments: '{"target":"200","mode":"blind"}' },
              { id: 'call_b', name: 'send_dtmf', arguments: '{"digits":"9"}' },
            ],
          },
        ],
      },
    });
    const llm = new OpenAiLlm({ apiKey: 'k', baseURL: fake.baseURL });
    const chunks = await collect(
      llm.stream({ messages: [], tools: [], signal: new AbortController().signal }),
    );
    expect(chunks.filter((c) => c.type === 'tool-call')).toEqual([
      {
        type: 'tool-call',
        call: { id: 'call_a', name: 'transfer_call', arguments: '{"target":"200","mode":"blind"}' },
      },
      { type: 'tool-call', call: { id: 'call_b', name: 'send_dtmf', arguments: '{"digits":"9"}' } },
    ]);
  });

  it('maps HTTP errors to ProviderError with retryable by status', async () => {
    fake = await startFakeOpenAi({ script: { chat: [{ status: 500 }, { status: 401 }, { status: 429 }] } });
    const llm = new OpenAiLlm({ apiKey: 'k', baseURL: fake.baseURL });
    const req = { messages: [], tools: [], signal: new AbortController().signal };
    await expect(collect(llm.stream(req))).rejects.toMatchObject({
      stage: 'llm',
      retryable: true,
      status: 500,
    });
    await expect(collect(llm.stream(req))).rejects.toMatchObject({ retryable: false, status: 401 });
    const e = await collect(llm.stream(req)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ retryable: true, status: 429 });
    expect(fake.requests).toHaveLength(3); // the SDK's own retries are off
  });

  it('aborting the signal stops a hung request', async () => {
    fake = await startFakeOpenAi({ script: { chat: [{ hang: true }] } });
    const llm = new OpenAiLlm({ apiKey: 'k', baseURL: fake.baseURL });
    const ac = new AbortController();
    const p = collect(llm.stream({ messages: [], tools: [], signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toThrow();
  });
});
