import type { TurnTimer } from '../metrics/turn-metrics.js';
import type { SpeechHandle } from '../speech-handle.js';
import type { PipelineAction } from '../tools/tools.js';

/** Why the assistant is speaking. */
export type UtteranceKind = 'greeting' | 'reply' | 'reprompt' | 'goodbye' | 'apology';

/** One assistant utterance in flight, as the pipeline tracks it. */
export interface Utterance {
  readonly kind: UtteranceKind;
  readonly handle: SpeechHandle;
  /** Latency collector of the user turn this answers (replies only). */
  readonly timer: TurnTimer | undefined;
  /** Action to run after playout (transfer / hang-up), fixed up front. */
  readonly then: PipelineAction | undefined;
  /** Settles when generation finished (never rejects). */
  done: Promise<void>;
}

/** The pipeline's timers. */
export type PipelineTimerName = 'reprompt' | 'maxCall' | 'sttFinal' | 'playout';
