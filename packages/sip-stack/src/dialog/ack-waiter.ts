/**
 * The UAS core's 2xx retransmission until the ACK arrives (RFC 3261 §13.3.1.4):
 * resend at T1, doubling up to T2 (unreliable transports only); give up after 64*T1.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { TimerConfig } from '../transaction/timers.js';

/** Retransmits one 2xx until {@link AckWaiter.ack} or the 64*T1 deadline. */
export class AckWaiter {
  private retransmitTimer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private intervalMs: number;
  private done = false;

  /**
   * @param resend Re-send the 2xx (called on each retransmit tick).
   * @param onTimeout Called once when no ACK arrived within 64*T1.
   */
  constructor(
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
    private readonly reliable: boolean,
    private readonly resend: () => void,
    private readonly onTimeout: () => void,
  ) {
    this.intervalMs = timers.t1Ms;
  }

  /** Arm the retransmit (unreliable only) and deadline timers. */
  start(): void {
    if (!this.reliable) this.retransmitTimer = this.clock.setTimer(() => this.tick(), this.intervalMs);
    this.deadline = this.clock.setTimer(() => {
      if (this.done) return;
      this.stop();
      this.onTimeout();
    }, 64 * this.timers.t1Ms);
  }

  /** The ACK arrived: stop retransmitting. Returns false when already stopped. */
  ack(): boolean {
    if (this.done) return false;
    this.stop();
    return true;
  }

  /** Stop without reporting (dialog torn down). */
  stop(): void {
    this.done = true;
    if (this.retransmitTimer !== undefined) this.clock.clearTimer(this.retransmitTimer);
    if (this.deadline !== undefined) this.clock.clearTimer(this.deadline);
    this.retransmitTimer = undefined;
    this.deadline = undefined;
  }

  private tick(): void {
    if (this.done) return;
    this.resend();
    // RFC 3261 §13.3.1.4: double the interval up to T2.
    this.intervalMs = Math.min(this.intervalMs * 2, this.timers.t2Ms);
    this.retransmitTimer = this.clock.setTimer(() => this.tick(), this.intervalMs);
  }
}
