import type { SttTranscript } from '../stt/types.js';

/**
 * Accumulates the caller's words for the current turn from STT updates and says when
 * the turn can be committed to the LLM.
 */
export class UserTurn {
  private finals: string[] = [];
  private interimPending = false;
  private lastFinalEndOfTurn = false;

  /** Words so far (finals only). */
  get text(): string {
    return this.finals.join(' ').trim();
  }

  /** True when nothing was recognised yet. */
  get empty(): boolean {
    return this.text === '';
  }

  /**
   * Records an update.
   * @returns true when the provider marked the end of the turn and there are words
   */
  add(t: SttTranscript): boolean {
    const text = t.text.trim();
    if (!t.final) {
      this.interimPending = text !== '';
      return false;
    }
    this.interimPending = false;
    if (text) this.finals.push(text);
    this.lastFinalEndOfTurn = t.endOfTurn;
    return t.endOfTurn && !this.empty;
  }

  /**
   * True when, at the VAD end of speech, no more words are expected: the last update
   * was a final that ended the turn and no interim hypothesis is pending.
   */
  get completeAtVadEnd(): boolean {
    return !this.empty && !this.interimPending && this.lastFinalEndOfTurn;
  }

  /** Puts back text of a turn whose reply was cancelled before any audio. */
  restore(text: string): void {
    this.finals.unshift(text);
  }

  /** Starts a new turn. */
  reset(): void {
    this.finals = [];
    this.interimPending = false;
    this.lastFinalEndOfTurn = false;
  }
}
