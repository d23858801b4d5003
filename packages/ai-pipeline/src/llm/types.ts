/** A tool call requested by the model. */
export interface LlmToolCall {
  /** Provider-assigned id, echoed back in the tool result message. */
  readonly id: string;
  /** Function name. */
  readonly name: string;
  /** Arguments as a JSON string (as the model produced them). */
  readonly arguments: string;
}

/** One message of the conversation history. */
export type ChatMessage =
  | { readonly role: 'system'; readonly content: string }
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly LlmToolCall[] }
  | { readonly role: 'tool'; readonly toolCallId: string; readonly content: string };

/** A function the model may call. */
export interface LlmToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON schema of the arguments object. */
  readonly parameters: Record<string, unknown>;
}

/** A streamed piece of the model's answer. */
export type LlmChunk =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'tool-call'; readonly call: LlmToolCall };

/** One chat completion request. */
export interface LlmRequest {
  readonly messages: readonly ChatMessage[];
  readonly tools: readonly LlmToolSpec[];
  /** Aborted on barge-in or hang-up: the HTTP stream must stop. */
  readonly signal: AbortSignal;
}

/** A streaming chat LLM. Errors thrown from the iterator should be `ProviderError`s. */
export interface LlmProvider {
  /** Provider name for logs, e.g. 'openai'. */
  readonly name: string;
  /** Streams text deltas and, once complete, tool calls. */
  stream(request: LlmRequest): AsyncIterable<LlmChunk>;
}
