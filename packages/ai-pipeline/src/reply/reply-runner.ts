import { ProviderError, isAbortError, toProviderError } from '../errors.js';
import type { ChatMessage, LlmProvider, LlmToolCall } from '../llm/types.js';
import { iterateWithTimeouts, withRetry, type RetryPolicy, type StreamTimeouts } from '../retry.js';
import type { SpeechHandle } from '../speech-handle.js';
import { SentenceSplitter } from '../text/sentence-splitter.js';
import { executeTool, toolSpecs, type PipelineAction, type ToolDefinition } from '../tools/tools.js';
import { TtsPlayer, type TtsPlayerDeps } from './tts-player.js';

/** Dependencies of a reply run. */
export interface ReplyDeps extends TtsPlayerDeps {
  readonly llm: LlmProvider;
  readonly tools: readonly ToolDefinition[];
  /** LLM stream timeouts (first token, between tokens). */
  readonly llmTimeouts: StreamTimeouts;
  readonly llmRetry: RetryPolicy;
  /** Max LLM rounds when tools are called. Default 4. */
  readonly maxToolRounds?: number;
  /** First LLM token (text or tool call). */
  readonly onLlmFirstToken?: () => void;
  /** An action to emit immediately (send_dtmf). */
  readonly onImmediateAction?: (action: PipelineAction) => void;
  /** Appends a message to the call's history. */
  readonly appendHistory: (message: ChatMessage) => void;
  /** A snapshot of the call's history, including the system prompt. */
  readonly history: () => readonly ChatMessage[];
}

/** How a reply ended. */
export interface ReplyResult {
  /** The whole text generated for speech (what the caller heard is on the handle). */
  readonly text: string;
  /** A transfer / hang-up requested by a tool, to run once playout finishes. */
  readonly terminal?: PipelineAction;
  /** The provider failure that ended the reply, if any. */
  readonly error?: ProviderError;
  /** True when the handle was interrupted. */
  readonly interrupted: boolean;
}

/** Speaks fixed text (greeting, re-prompt, goodbye, apology) on `handle`. */
export async function speakText(
  deps: TtsPlayerDeps,
  handle: SpeechHandle,
  text: string,
): Promise<ReplyResult> {
  const player = new TtsPlayer(deps, handle);
  const splitter = new SentenceSplitter();
  for (const s of splitter.push(text)) player.enqueue(s);
  const rest = splitter.flush();
  if (rest) player.enqueue(rest);
  player.end();
  return finish(handle, text, undefined, () => player.run());
}

/**
 * Generates and speaks an LLM reply on `handle`: streams the completion, sends each
 * finished sentence to TTS while the model keeps writing, runs tool calls and loops
 * until the model answers without tools (or a transfer / hang-up tool was called).
 */
export async function runLlmReply(deps: ReplyDeps, handle: SpeechHandle): Promise<ReplyResult> {
  const player = new TtsPlayer(deps, handle);
  // A TTS failure stops the LLM at once, so the fallback is not delayed by it.
  const ttsFailed = new AbortController();
  let playerError: unknown;
  const playing = player.run().catch((e: unknown) => {
    playerError = e ?? new Error('tts failed');
    ttsFailed.abort(playerError);
  });
  const signal = AbortSignal.any([handle.signal, ttsFailed.signal]);
  let text = '';
  let terminal: PipelineAction | undefined;
  return finish(handle, '', undefined, async () => {
    try {
      const rounds = deps.maxToolRounds ?? 4;
      for (let round = 0; round < rounds && !terminal && !handle.interrupted; round++) {
        const { spoken, calls } = await streamRound(deps, signal, player);
        text = [text, spoken].filter(Boolean).join(' ');
        if (calls.length === 0) break;
        deps.appendHistory({ role: 'assistant', content: '', toolCalls: calls });
        for (const call of calls) {
          const outcome = await executeTool(call, deps.tools, handle.signal);
          deps.appendHistory({ role: 'tool', toolCallId: call.id, content: outcome.result });
          if (outcome.immediate) deps.onImmediateAction?.(outcome.immediate);
          terminal ??= outcome.terminal;
        }
      }
    } catch (error) {
      throw playerError ?? error;
    } finally {
      player.end();
    }
    await playing;
    if (playerError !== undefined) throw playerError;
  }).then((r) => ({ ...r, text, terminal }));
}

/** One LLM round: text goes to the player sentence by sentence; tool calls are returned. */
async function streamRound(
  deps: ReplyDeps,
  parent: AbortSignal,
  player: TtsPlayer,
): Promise<{ spoken: string; calls: LlmToolCall[] }> {
  const { clock } = deps;
  return withRetry(
    'llm',
    async () => {
      const splitter = new SentenceSplitter();
      const calls: LlmToolCall[] = [];
      let spoken = '';
      let produced = false;
      try {
        const stream = iterateWithTimeouts(
          'llm',
          (signal) => deps.llm.stream({ messages: deps.history(), tools: toolSpecs(deps.tools), signal }),
          { ...deps.llmTimeouts, clock, parent },
        );
        for await (const chunk of stream) {
          if (!produced) deps.onLlmFirstToken?.();
          produced = true;
          if (chunk.type === 'tool-call') {
            calls.push(chunk.call);
            continue;
          }
          spoken += chunk.text;
          for (const s of splitter.push(chunk.text)) player.enqueue(s);
        }
      } catch (error) {
        // Once words were sent to TTS a retry would repeat them: fail instead.
        if (produced && !isAbortError(error))
          throw new ProviderError('llm', String(error), false, { cause: error });
        throw error;
      }
      const rest = splitter.flush();
      if (rest) player.enqueue(rest);
      return { spoken: spoken.trim(), calls };
    },
    { ...deps.llmRetry, clock, signal: parent, onRetry: deps.onRetry },
  );
}

/** Runs `body`, mapping interruption and provider errors into a {@link ReplyResult}. */
async function finish(
  handle: SpeechHandle,
  text: string,
  terminal: PipelineAction | undefined,
  body: () => Promise<void>,
): Promise<ReplyResult> {
  try {
    await body();
    if (!handle.interrupted) handle.finishGeneration();
    return { text, terminal, interrupted: handle.interrupted };
  } catch (error) {
    if (handle.interrupted || (isAbortError(error) && !(error instanceof ProviderError))) {
      return { text, terminal, interrupted: true };
    }
    const pe = error instanceof ProviderError ? error : toProviderError('llm', error);
    return { text, terminal, interrupted: false, error: pe };
  }
}
