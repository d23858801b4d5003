import type { Socket } from 'node:dgram';
import type { Dialog, IncomingCall } from '@voice-assistant/sip-stack';
import type { NegotiatedMedia, RtpSession } from '@voice-assistant/rtp';
import type { CallApp } from '../apps/types.js';
import type { Logger } from '../logger.js';

/**
 * Call states:
 *
 *   ringing --accept--> answering --ACK--> active --BYE/timeout/hangup--> ended
 *      \--------------reject / CANCEL / failure--------------------------^
 */
export type CallState = 'ringing' | 'answering' | 'active' | 'ended';

export type CallEndReason =
  | 'remote-bye'
  | 'local-hangup'
  | 'media-timeout'
  | 'cancelled'
  | 'rejected'
  | 'ack-timeout'
  | 'failed'
  | 'transferred'
  | 'shutdown';

/** A snapshot of one call for `/sip/status` and logs. */
export interface CallSummary {
  readonly id: string;
  readonly call_id: string;
  readonly account: string;
  readonly direction: 'inbound' | 'outbound';
  readonly from: string;
  readonly to: string;
  readonly state: CallState;
  readonly codec?: string | undefined;
  readonly remote_rtp?: string | undefined;
  readonly started_at: string;
  readonly answered_at?: string | undefined;
  readonly duration_sec: number;
  readonly end_reason?: CallEndReason | undefined;
}

/** One call: owns its SIP dialog, its RTP session and its application. */
export class Call {
  state: CallState = 'ringing';
  dialog?: Dialog;
  session?: RtpSession;
  media?: NegotiatedMedia;
  app?: CallApp;
  endReason?: CallEndReason;
  readonly startedAt = Date.now();
  answeredAt?: number;
  endedAt?: number;
  /** Our side of the SDP: the address/port we offered and the o= line identity (RFC 3264 §8). */
  local?: { address: string; port: number; sessionId: string; version: number; sdp: string };
  /** The call's RTP/RTCP sockets (kept across codec changes). */
  sockets?: { rtp: Socket; rtcp?: Socket | undefined };
  /** Unsubscribes the app from the media ticker. */
  stopTicker?: () => void;
  /** Releases the RTP ports (set once allocated). */
  releasePorts?: () => void;

  constructor(
    readonly id: string,
    readonly incoming: IncomingCall,
    readonly account: string,
    readonly log: Logger,
  ) {}

  /** True once the call ended (re-read after every await: a CANCEL or BYE may end it meanwhile). */
  get ended(): boolean {
    return this.state === 'ended';
  }

  get callId(): string {
    return this.incoming.callId;
  }

  summary(): CallSummary {
    const end = this.endedAt ?? Date.now();
    return {
      id: this.id,
      call_id: this.callId,
      account: this.account,
      direction: 'inbound',
      from: this.incoming.from.uri,
      to: this.incoming.to.uri,
      state: this.state,
      codec: this.media?.codec.name,
      remote_rtp: this.media ? `${this.media.remoteAddress}:${this.media.remotePort}` : undefined,
      started_at: new Date(this.startedAt).toISOString(),
      answered_at: this.answeredAt ? new Date(this.answeredAt).toISOString() : undefined,
      duration_sec: this.answeredAt ? Math.round((end - this.answeredAt) / 100) / 10 : 0,
      end_reason: this.endReason,
    };
  }
}
