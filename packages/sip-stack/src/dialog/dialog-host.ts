/** What a dialog needs from the UA core (a delegate interface, ARCHITECTURE.md habit 9). */
import type { Clock } from '../clock.js';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import type { TimerConfig } from '../transaction/timers.js';
import type { TransportProtocol } from '../transport/transport.js';
import type { SessionTimerConfig } from './session-timer.js';

/** Delegate implemented by the UA core for its dialogs. */
export interface DialogHost {
  readonly clock: Clock;
  readonly timers: TimerConfig;
  /**
   * Send a request statefully towards `nextHopUri`; resolves with the final response
   * (synthetic 408 on timeout, 503 on transport or resolution error). Never rejects.
   * `preferred` is the transport used when the URI names none (the dialog's own).
   */
  send(req: SipRequest, nextHopUri: string, preferred?: TransportProtocol): Promise<SipResponse>;
  /** Send an ACK for a 2xx (no transaction); resolves with a function that re-sends it. */
  sendAck(ack: SipRequest, nextHopUri: string, preferred?: TransportProtocol): Promise<() => void>;
  /** Our Contact header value for a transport (and user part; default the UA's contact user). */
  contact(protocol: string, user?: string): string;
  /** Headers added to every request and response we originate (User-Agent/Server, Allow, Supported). */
  commonHeaders(kind: 'request' | 'response'): readonly SipHeader[];
  /** RFC 4028 session timer configuration; absent = no session timers. */
  readonly sessionTimers?: SessionTimerConfig;
  /** Called once when the dialog terminates (drop it from the dialog table). */
  forget(dialogId: string): void;
}
