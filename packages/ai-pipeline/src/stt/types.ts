import type { ProviderError } from '../errors.js';

/** One transcript update from a speech-to-text session. */
export interface SttTranscript {
  /** Recognised text (may be empty). */
  readonly text: string;
  /** False for interim hypotheses that will be revised. */
  readonly final: boolean;
  /**
   * True when the provider believes the caller finished the utterance (Deepgram
   * `speech_final` / finalize response, or a VAD-cut segment transcription).
   */
  readonly endOfTurn: boolean;
}

/** Callbacks a session reports to. Called on the event loop, never throwing. */
export interface SttSink {
  /** A transcript update. */
  onTranscript(transcript: SttTranscript): void;
  /** Provider signalled the utterance ended without new words (Deepgram UtteranceEnd). */
  onUtteranceEnd?(): void;
  /** A failure; if `retryable` is false the session is dead. */
  onError(error: ProviderError): void;
}

/** Options for {@link SttProvider.start}. */
export interface SttStartOptions {
  /** Rate of the PCM the pipeline will send (Hz). */
  readonly sampleRate: number;
  /** BCP-47 language, e.g. 'en-US'. Provider default when absent. */
  readonly language?: string;
  /** Aborted when the call ends. */
  readonly signal: AbortSignal;
}

/** A live transcription session for one call. */
export interface SttSession {
  /** Caller audio: one 20 ms frame of 16-bit mono PCM at the session's rate. */
  sendAudio(pcm: Int16Array): void;
  /** The local VAD detected the start of caller speech. */
  speechStarted(): void;
  /**
   * The local VAD detected the end of caller speech: streaming providers finalize,
   * segment providers transcribe the segment. Either way a final transcript with
   * `endOfTurn: true` should follow.
   */
  speechEnded(): void;
  /** Ends the session and releases its connection. Never rejects. */
  close(): Promise<void>;
}

/** A speech-to-text provider. */
export interface SttProvider {
  /** Provider name for logs and metrics, e.g. 'deepgram'. */
  readonly name: string;
  /** Opens a session. Connection failures are reported through `sink.onError`. */
  start(options: SttStartOptions, sink: SttSink): SttSession;
}
