import type { Clock, TimerHandle } from '../clock.js';

/** Options of {@link DtmfCollector}. */
export interface DtmfCollectorOptions {
  readonly clock: Clock;
  /** Entry ends this long after the last key (ms). Default 2000 ms. */
  readonly interDigitMs?: number;
  /** Entry ends at this many digits. Default 32. */
  readonly maxDigits?: number;
  /** Called with the digits entered (without the '#' terminator). */
  readonly onComplete: (digits: string) => void;
}

/** Collects DTMF keys into one entry, ended by '#', a pause or a length limit. */
export class DtmfCollector {
  private digits = '';
  private timer: TimerHandle | undefined;

  constructor(private readonly o: DtmfCollectorOptions) {}

  /** One key: 0-9, *, #, A-D. */
  push(digit: string): void {
    if (digit !== '#') this.digits += digit;
    if (digit === '#' || this.digits.length >= (this.o.maxDigits ?? 32)) return this.complete();
    this.o.clock.clearTimer(this.timer);
    this.timer = this.o.clock.setTimer(() => this.complete(), this.o.interDigitMs ?? 2000);
  }

  /** Drops a pending entry. */
  clear(): void {
    this.o.clock.clearTimer(this.timer);
    this.digits = '';
  }

  private complete(): void {
    this.o.clock.clearTimer(this.timer);
    const digits = this.digits;
    this.digits = '';
    if (digits) this.o.onComplete(digits);
  }
}
