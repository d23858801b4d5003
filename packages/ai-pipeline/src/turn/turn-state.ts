/**
 * Turn-taking states of a call, as data.
 *
 *     idle --start--> speaking (greeting) | listening
 *     listening --user-speech-start--> user-speaking
 *     user-speaking --user-speech-end--> thinking          (VAD endpoint; STT final + LLM)
 *     thinking --reply-audio--> speaking
 *     thinking --turn-abandoned--> listening               (no words transcribed)
 *     speaking --user-speech-start--> user-speaking        (barge-in, when allowed)
 *     thinking --user-speech-start--> user-speaking        (caller resumed talking)
 *     speaking | thinking --reply-done--> listening
 *     listening --reply-audio--> speaking                  (re-prompt, DTMF reply)
 *     any --hangup--> ended
 */
export type TurnState = 'idle' | 'listening' | 'user-speaking' | 'thinking' | 'speaking' | 'ended';

/** Inputs of the turn state machine. */
export type TurnEvent =
  | 'start'
  | 'start-silent'
  | 'user-speech-start'
  | 'user-speech-end'
  | 'user-input'
  | 'reply-audio'
  | 'turn-abandoned'
  | 'reply-done'
  | 'hangup';

/** Legal transitions: state -> event -> next state. */
export const TURN_TRANSITIONS: Readonly<Record<TurnState, Partial<Record<TurnEvent, TurnState>>>> = {
  idle: { start: 'speaking', 'start-silent': 'listening', hangup: 'ended' },
  listening: {
    'user-speech-start': 'user-speaking',
    'user-input': 'thinking',
    'reply-audio': 'speaking',
    'reply-done': 'listening',
    hangup: 'ended',
  },
  'user-speaking': {
    'user-speech-end': 'thinking',
    'user-input': 'thinking',
    hangup: 'ended',
  },
  thinking: {
    'reply-audio': 'speaking',
    'turn-abandoned': 'listening',
    'user-speech-start': 'user-speaking',
    'user-input': 'thinking',
    'reply-done': 'listening',
    hangup: 'ended',
  },
  speaking: {
    'user-speech-start': 'user-speaking',
    'user-input': 'thinking',
    'reply-audio': 'speaking',
    'reply-done': 'listening',
    hangup: 'ended',
  },
  ended: {},
};

/** Thrown by {@link transition} on a move the diagram does not allow. */
export class IllegalTurnTransitionError extends Error {
  override readonly name = 'IllegalTurnTransitionError';
  constructor(
    readonly from: TurnState,
    readonly event: TurnEvent,
  ) {
    super(`illegal turn transition: ${from} --${event}-->`);
  }
}

/** Next state for `event` in `from`; throws {@link IllegalTurnTransitionError} if illegal. */
export function transition(from: TurnState, event: TurnEvent): TurnState {
  const next = TURN_TRANSITIONS[from][event];
  if (next === undefined) throw new IllegalTurnTransitionError(from, event);
  return next;
}

/** Next state for `event`, or undefined when the move is not allowed. */
export function tryTransition(from: TurnState, event: TurnEvent): TurnState | undefined {
  return TURN_TRANSITIONS[from][event];
}
