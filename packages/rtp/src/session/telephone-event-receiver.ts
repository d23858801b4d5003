/**
 * De-duplicating RFC 4733 receiver used by the session (minimal; the shared `dtmf/`
 * module may replace it). An event is reported once: on its first end packet
 * (RFC 4733 §2.5.1.4 sends the end three times), or when a new event starts while the
 * previous one never showed its end (lost end packets, §2.5.2.2).
 */
import { dtmfDigit, parseTelephoneEvent } from './telephone-event-payload.js';

/** A received DTMF digit. */
export interface ReceivedDtmf {
  readonly digit: string;
  /** Event duration in ms. */
  readonly durationMs: number;
}

/** Turns telephone-event packets into single digit reports. */
export class TelephoneEventReceiver {
  private currentTs: number | undefined;
  private current: { event: number; duration: number } | undefined;
  private reportedTs: number | undefined;

  /** @param clockRate telephone-event clock rate in Hz. */
  constructor(private readonly clockRate: number) {}

  /** Feed one packet's timestamp and payload; returns a digit when one completes. */
  push(timestamp: number, payload: Buffer): ReceivedDtmf | undefined {
    const e = parseTelephoneEvent(payload);
    if (!e || e.event > 15) return undefined;
    let out: ReceivedDtmf | undefined;
    if (timestamp !== this.currentTs) {
      // A new event (RFC 4733 §2.5.1.1: each event has its own start timestamp).
      if (this.current && this.currentTs !== this.reportedTs) out = this.toDigit(this.current);
      this.currentTs = timestamp;
      this.current = { event: e.event, duration: e.duration };
    } else if (this.current && e.duration > this.current.duration) {
      this.current.duration = e.duration;
    }
    if (e.end && this.reportedTs !== timestamp) {
      this.reportedTs = timestamp;
      return this.toDigit({ event: e.event, duration: Math.max(e.duration, this.current?.duration ?? 0) });
    }
    return out;
  }

  private toDigit(e: { event: number; duration: number }): ReceivedDtmf | undefined {
    const digit = dtmfDigit(e.event);
    return digit === undefined ? undefined : { digit, durationMs: (e.duration * 1000) / this.clockRate };
  }
}
