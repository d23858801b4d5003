/** @voice-assistant/ai-pipeline: streaming STT -> LLM -> TTS conversation with barge-in. */
export * from './frames.js';
export * from './clock.js';
export * from './errors.js';
export * from './speech-handle.js';
export * from './vad/energy-vad.js';
export * from './turn/turn-state.js';
export * from './metrics/turn-metrics.js';
export * from './retry.js';
export type * from './stt/types.js';
export type * from './llm/types.js';
export type * from './tts/types.js';
export * from './tools/tools.js';
export * from './audio/resample.js';
export * from './audio/g711.js';
export * from './audio/pcm.js';
export * from './text/sentence-splitter.js';
export * from './pipeline-options.js';
export * from './pipeline.js';
