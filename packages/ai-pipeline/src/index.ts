/** @voice-assistant/ai-pipeline: streaming STT -> LLM -> TTS conversation with barge-in. */
export {};
