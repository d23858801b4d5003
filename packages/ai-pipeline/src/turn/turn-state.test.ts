import { describe, expect, it } from 'vitest';
import { IllegalTurnTransitionError, TURN_TRANSITIONS, transition, tryTransition } from './turn-state.js';

describe('turn state machine', () => {
  it('follows a whole conversation', () => {
    let s = transition('idle', 'start');
    expect(s).toBe('speaking');
    s = transition(s, 'reply-done');
    s = transition(s, 'user-speech-start');
    s = transition(s, 'user-speech-end');
    expect(s).toBe('thinking');
    s = transition(s, 'reply-audio');
    s = transition(s, 'user-speech-start');
    expect(s).toBe('user-speaking');
    expect(transition(s, 'hangup')).toBe('ended');
  });

  it('rejects illegal moves', () => {
    expect(() => transition('idle', 'reply-audio')).toThrow(IllegalTurnTransitionError);
    expect(tryTransition('ended', 'start')).toBeUndefined();
    expect(Object.keys(TURN_TRANSITIONS.ended)).toEqual([]);
  });

  it('every state but ended can hang up', () => {
    for (const s of Object.keys(TURN_TRANSITIONS) as (keyof typeof TURN_TRANSITIONS)[]) {
      if (s !== 'ended') expect(tryTransition(s, 'hangup')).toBe('ended');
    }
  });
});
