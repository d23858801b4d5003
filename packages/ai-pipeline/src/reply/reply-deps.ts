import type { ProviderError } from '../errors.js';
import type { ChatMessage } from '../llm/types.js';
import type { ResolvedPipelineOptions } from '../pipeline-options.js';
import type { PipelineAction } from '../tools/tools.js';
import type { ReplyDeps } from './reply-runner.js';
import type { TtsPlayerDeps } from './tts-player.js';

/** Callbacks from a speaking utterance back to the pipeline. */
export interface TtsHooks {
  readonly emitFrame: (pcm: Int16Array) => void;
  readonly onFirstAudio: () => void;
  readonly onRetry: (error: ProviderError) => void;
}

/** Callbacks from an LLM reply back to the pipeline. */
export interface LlmHooks extends TtsHooks {
  readonly onLlmFirstToken: () => void;
  readonly onImmediateAction: (action: PipelineAction) => void;
  readonly appendHistory: (message: ChatMessage) => void;
  readonly history: () => readonly ChatMessage[];
}

/** TTS player dependencies from the pipeline's resolved options. */
export function ttsDepsFrom(o: ResolvedPipelineOptions, hooks: TtsHooks): TtsPlayerDeps {
  return {
    tts: o.tts,
    clock: o.clock,
    sampleRate: o.sampleRate,
    language: o.persona.language,
    retry: o.retry,
    timeouts: { firstItemMs: o.timeouts.ttsFirstAudioMs, idleMs: o.timeouts.ttsIdleMs },
    ...hooks,
  };
}

/** LLM reply dependencies from the pipeline's resolved options. */
export function replyDepsFrom(o: ResolvedPipelineOptions, hooks: LlmHooks): ReplyDeps {
  return {
    ...ttsDepsFrom(o, hooks),
    ...hooks,
    llm: o.llm,
    tools: o.tools,
    llmTimeouts: { firstItemMs: o.timeouts.llmFirstTokenMs, idleMs: o.timeouts.llmIdleMs },
    llmRetry: o.retry,
  };
}
