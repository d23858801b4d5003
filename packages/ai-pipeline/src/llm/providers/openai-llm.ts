import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { isAbortError, toProviderError } from '../../errors.js';
import type { ChatMessage, LlmChunk, LlmProvider, LlmRequest, LlmToolSpec } from '../types.js';

/** Options of {@link OpenAiLlm}. */
export interface OpenAiLlmOptions {
  /** API key (`OPENAI_API_KEY`). Self-hosted servers often accept any string. */
  readonly apiKey: string;
  /** Base URL, e.g. `http://localhost:8000/v1` for vLLM / Ollama / llama.cpp. Default OpenAI. */
  readonly baseURL?: string;
  /** Model name. Default 'gpt-4o-mini'. */
  readonly model?: string;
  /** Sampling temperature (0..2). Default: provider default. */
  readonly temperature?: number;
  /** Maximum completion tokens per reply. Default: provider default. */
  readonly maxTokens?: number;
  /** Pre-built client (tests). */
  readonly client?: OpenAI;
}

/**
 * Chat Completions streaming through the official `openai` SDK (v6). The SDK's own
 * retries are disabled (`maxRetries: 0`): the pipeline retries with its own policy.
 */
export class OpenAiLlm implements LlmProvider {
  readonly name = 'openai';
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(private readonly options: OpenAiLlmOptions) {
    this.client =
      options.client ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
    this.model = options.model ?? 'gpt-4o-mini';
  }

  async *stream(request: LlmRequest): AsyncIterable<LlmChunk> {
    const calls = new Map<number, { id: string; name: string; arguments: string }>();
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.model,
          messages: request.messages.map(toOpenAiMessage),
          tools: request.tools.length > 0 ? request.tools.map(toOpenAiTool) : undefined,
          temperature: this.options.temperature,
          max_completion_tokens: this.options.maxTokens,
          stream: true,
        },
        { signal: request.signal },
      );
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (delta?.content) yield { type: 'text', text: delta.content };
        for (const tc of delta?.tool_calls ?? []) {
          const acc = calls.get(tc.index) ?? { id: '', name: '', arguments: '' };
          if (tc.id) acc.id = tc.id;
          if (tc.function?.name) acc.name += tc.function.name;
          if (tc.function?.arguments) acc.arguments += tc.function.arguments;
          calls.set(tc.index, acc);
        }
      }
    } catch (error) {
      if (isAbortError(error) || request.signal.aborted) throw error;
      throw toProviderError('llm', error);
    }
    const ordered = [...calls.entries()].sort((a, b) => a[0] - b[0]);
    for (const [index, call] of ordered) {
      yield { type: 'tool-call', call: { ...call, id: call.id || `call_${index}` } };
    }
  }
}

/** Maps a history message to the Chat Completions wire shape. */
export function toOpenAiMessage(m: ChatMessage): ChatCompletionMessageParam {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    case 'assistant':
      if (!m.toolCalls?.length) return { role: 'assistant', content: m.content };
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
  }
}

function toOpenAiTool(t: LlmToolSpec): ChatCompletionTool {
  return {
    type: 'function',
    function: { name: t.name, description: t.description, parameters: t.parameters },
  };
}
