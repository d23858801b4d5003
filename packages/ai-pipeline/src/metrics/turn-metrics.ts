/** Latency breakdown of one conversational turn, in milliseconds. */
export interface TurnMetrics {
  /** Local VAD end of speech (after the endpointing silence) to the committed STT final. */
  readonly vadEndToSttFinalMs: number;
  /** STT final to the LLM's first token (text or tool call). */
  readonly sttFinalToLlmFirstTokenMs: number;
  /** LLM first token to the first TTS audio chunk. */
  readonly llmFirstTokenToTtsFirstAudioMs: number;
  /** First TTS audio chunk to the first 'audio' frame emitted to the daemon. */
  readonly ttsFirstAudioToFirstFrameOutMs: number;
  /** VAD end to first frame out. */
  readonly totalMs: number;
  /** Endpointing silence waited by the VAD before declaring the end (ms). */
  readonly endpointingMs: number;
}

/** Collects the timestamps of one turn on the pipeline clock. */
export class TurnTimer {
  private sttFinalMs: number | undefined;
  private llmFirstMs: number | undefined;
  private ttsFirstMs: number | undefined;
  private done = false;

  /**
   * @param vadEndMs time the VAD declared the end of speech (ms)
   * @param lastSpeechMs time the caller actually stopped (ms)
   */
  constructor(
    readonly vadEndMs: number,
    readonly lastSpeechMs: number = vadEndMs,
  ) {}

  /** STT final committed at `ms`. */
  sttFinal(ms: number): void {
    this.sttFinalMs ??= ms;
  }

  /** First LLM token at `ms`. */
  llmFirstToken(ms: number): void {
    this.llmFirstMs ??= ms;
  }

  /** First TTS audio at `ms`. */
  ttsFirstAudio(ms: number): void {
    this.ttsFirstMs ??= ms;
  }

  /** First frame out at `ms`: returns the metrics once, then undefined. */
  firstFrameOut(ms: number): TurnMetrics | undefined {
    if (this.done) return undefined;
    this.done = true;
    const stt = this.sttFinalMs ?? this.vadEndMs;
    const llm = this.llmFirstMs ?? stt;
    const tts = this.ttsFirstMs ?? llm;
    return {
      vadEndToSttFinalMs: stt - this.vadEndMs,
      sttFinalToLlmFirstTokenMs: llm - stt,
      llmFirstTokenToTtsFirstAudioMs: tts - llm,
      ttsFirstAudioToFirstFrameOutMs: ms - tts,
      totalMs: ms - this.vadEndMs,
      endpointingMs: this.vadEndMs - this.lastSpeechMs,
    };
  }
}
