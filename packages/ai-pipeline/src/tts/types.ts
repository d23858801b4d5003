/** A chunk of synthesised speech. */
export interface TtsChunk {
  /** 16-bit mono PCM. */
  readonly pcm: Int16Array;
  /** Rate of `pcm` (Hz); the pipeline resamples when it differs from the call's. */
  readonly sampleRate: number;
}

/** One synthesis request: one sentence. */
export interface TtsRequest {
  readonly text: string;
  /** The call's rate (Hz): providers should ask for it to avoid resampling. */
  readonly sampleRate: number;
  /** BCP-47 language hint. */
  readonly language?: string;
  /** Aborted on barge-in or hang-up: the stream must stop. */
  readonly signal: AbortSignal;
}

/** A streaming text-to-speech provider. Errors thrown should be `ProviderError`s. */
export interface TtsProvider {
  /** Provider name for logs, e.g. 'elevenlabs'. */
  readonly name: string;
  /** Streams audio for one sentence as it is synthesised. */
  synthesize(request: TtsRequest): AsyncIterable<TtsChunk>;
}
