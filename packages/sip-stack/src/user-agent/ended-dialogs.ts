/**
 * Ids of dialogs that ended recently, so that an INVITE whose Replaces names one gets 603
 * rather than 481 (RFC 3891 §3: "matches a dialog which has already terminated").
 */
import type { Clock } from '../clock.js';
import type { Dialog } from '../dialog/dialog.js';

/** Remembers ended dialog ids for `windowMs` (at most `max` of them, oldest dropped first). */
export class EndedDialogs {
  /** id -> time it ended (ms, clock time), oldest first. */
  private readonly ended = new Map<string, number>();

  /**
   * @param windowMs How long an id is remembered (the UA uses 64*T1 = 32 000 ms).
   * @param max Most ids kept. Default 1000.
   */
  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
    private readonly max = 1000,
  ) {}

  /** Note `dialog`'s id when it ends (at once when it already has). */
  track(dialog: Dialog): void {
    if (dialog.state === 'terminated') this.note(dialog.id);
    else dialog.once('terminated', () => this.note(dialog.id));
  }

  /** Note that the dialog `id` ended now. */
  note(id: string): void {
    const now = this.clock.now();
    for (const [old, at] of this.ended) {
      if (at >= now - this.windowMs && this.ended.size < this.max) break;
      this.ended.delete(old);
    }
    this.ended.delete(id);
    this.ended.set(id, now);
  }

  /** True when the dialog `id` ended within the window. */
  has(id: string): boolean {
    const at = this.ended.get(id);
    return at !== undefined && at >= this.clock.now() - this.windowMs;
  }
}
