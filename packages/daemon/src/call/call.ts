import type { Dialog, IncomingCall } from '@voice-assistant/sip-stack';
import type {
  DatagramSocket,
  DtlsSrtpKeys,
  IceLiteAgent,
  LocalMediaOptions,
  NegotiatedMedia,
  RtpSession,
  SecureMediaTransport,
} from '@voice-assistant/rtp';
import type { CallApp } from '../apps/types.js';
import type { CallRecorder } from '../recording/index.js';
import type { Logger } from '../logger.js';
import { callWarnings } from './diagnostics.js';

/**
 * Call states:
 *
 *   inbound:  ringing --accept--> answering --ACK--> active --BYE/timeout/hangup--> ended
 *   outbound: dialing --1xx--> ringing --2xx/ACK--> active ------------------------> ended
 *   any state --reject / CANCEL / failure / hang-up before answer-------------------> ended
 */
export type CallState = 'dialing' | 'ringing' | 'answering' | 'active' | 'ended';

export type CallEndReason =
  | 'remote-bye'
  | 'local-hangup'
  | 'media-timeout'
  | 'cancelled'
  | 'rejected'
  | 'ack-timeout'
  | 'failed'
  | 'transferred'
  | 'replaced'
  | 'shutdown';

export type CallDirection = 'inbound' | 'outbound';

/** Who the call is between, as SIP sees it. */
export interface CallParties {
  /** SIP Call-ID; empty for an outbound call until its INVITE is answered. */
  callId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
}

/** A snapshot of one call for `/sip/status`, `/calls/:id` and logs. */
export interface CallSummary {
  readonly id: string;
  readonly call_id: string;
  readonly provider: 'sip';
  readonly account: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly state: CallState;
  readonly codec?: string | undefined;
  readonly remote_rtp?: string | undefined;
  readonly hold: boolean;
  readonly started_at: string;
  readonly answered_at?: string | undefined;
  readonly ended_at?: string | undefined;
  readonly duration_sec: number;
  readonly end_reason?: CallEndReason | undefined;
  /** Final SIP status of a call that was not answered (outbound) or refused. */
  readonly sip_status?: number | undefined;
  readonly app?: 'echo-test' | 'assistant' | undefined;
  /** Trouble visible from here (NAT, one-way audio); empty when all looks fine. */
  readonly warnings: string[];
}

/**
 * DTLS-SRTP media of a call (RFC 5763/5764): answered with rtp's `prepareSecureMedia`
 * (inbound) or offered with `createSecureOffer` (outbound, offerless INVITE).
 */
export interface SecureMedia {
  /** The RFC 7983 demultiplexing transport RTP runs on (rtcp-mux). */
  readonly transport: SecureMediaTransport;
  /** The SRTP keys once the handshake completes; rejects on timeout or fingerprint mismatch. */
  readonly ready: Promise<DtlsSrtpKeys>;
  /**
   * Our fingerprint and ICE credentials/candidates, to answer re-INVITEs of this call with
   * the same ones (RFC 8842 §5.5, RFC 8839 §4.4); new ICE credentials after an ICE restart.
   */
  answerOptions?: Pick<LocalMediaOptions, 'dtls' | 'ice'> | undefined;
  /** The ICE-lite agent answering the peer's checks (absent without ICE). */
  readonly ice?: IceLiteAgent | undefined;
  /** Stops DTLS and detaches from the socket (and releases a TURN allocation we made). */
  readonly close: () => void;
}

/** One call: owns its SIP dialog, its RTP session and its application. */
export class Call {
  state: CallState;
  dialog?: Dialog;
  session?: RtpSession;
  media?: NegotiatedMedia;
  app?: CallApp;
  appKind?: 'echo-test' | 'assistant';
  endReason?: CallEndReason;
  /** Final SIP status when the call failed before answer. */
  sipStatus?: number;
  readonly startedAt = Date.now();
  answeredAt?: number;
  endedAt?: number;
  /** Inbound only: the INVITE we answer. */
  incoming?: IncomingCall;
  /** Outbound only: aborts the INVITE (CANCEL) before the answer. */
  readonly abort = new AbortController();
  /** A transfer (REFER) we started is in progress: a second one is refused. */
  transferring = false;
  /** The app asked for a continuous RTP stream (silence on empty ticks); kept across session rebuilds. */
  continuous = false;
  /** Outbound only: a system prompt for this call's assistant. */
  prompt?: string;
  /** Our side of the SDP: the address/port we offered and the o= line identity (RFC 3264 §8). */
  local?: { address: string; port: number; sessionId: string; version: number; sdp: string };
  /** The call's RTP/RTCP sockets (kept across codec changes). */
  sockets?: { rtp: DatagramSocket; rtcp?: DatagramSocket | undefined };
  /** DTLS-SRTP media (RFC 5763/5764): the secure transport, and the keys once the handshake is done. */
  secure?: SecureMedia;
  srtpKeys?: DtlsSrtpKeys;
  /** Stereo WAV + sidecar writer, when the call is recorded. */
  recorder?: CallRecorder;
  /** Unsubscribes the app from the media ticker. */
  stopTicker?: () => void;
  /** Releases the RTP ports (set once allocated). */
  releasePorts?: () => void;
  /** Resolves when the call ends. */
  readonly ended$: Promise<CallEndReason>;
  private resolveEnded!: (r: CallEndReason) => void;
  /** Resolves true when the call becomes active (answered and ACKed), false when it ends first. */
  readonly active$: Promise<boolean>;
  private resolveActive!: (active: boolean) => void;

  constructor(
    readonly id: string,
    readonly parties: CallParties,
    readonly account: string,
    readonly log: Logger,
  ) {
    this.state = parties.direction === 'inbound' ? 'ringing' : 'dialing';
    this.ended$ = new Promise((resolve) => (this.resolveEnded = resolve));
    this.active$ = new Promise((resolve) => (this.resolveActive = resolve));
  }

  /** True once the call ended (re-read after every await: a CANCEL or BYE may end it meanwhile). */
  get ended(): boolean {
    return this.state === 'ended';
  }

  get callId(): string {
    return this.parties.callId;
  }

  /** Marks the call active (answered and confirmed); sets `answeredAt`. */
  markActive(): void {
    this.state = 'active';
    this.answeredAt = Date.now();
    this.resolveActive(true);
  }

  /** Marks the call ended (the call manager releases resources). */
  markEnded(reason: CallEndReason): void {
    this.state = 'ended';
    this.endReason = reason;
    this.endedAt = Date.now();
    this.resolveEnded(reason);
    this.resolveActive(false);
  }

  summary(): CallSummary {
    const end = this.endedAt ?? Date.now();
    return {
      id: this.id,
      call_id: this.callId,
      provider: 'sip',
      account: this.account,
      direction: this.parties.direction,
      from: this.parties.from,
      to: this.parties.to,
      state: this.state,
      codec: this.media?.codec.name,
      remote_rtp: this.media ? `${this.media.remoteAddress}:${this.media.remotePort}` : undefined,
      hold: this.media?.hold ?? false,
      started_at: new Date(this.startedAt).toISOString(),
      answered_at: this.answeredAt ? new Date(this.answeredAt).toISOString() : undefined,
      ended_at: this.endedAt ? new Date(this.endedAt).toISOString() : undefined,
      duration_sec: this.answeredAt ? Math.round((end - this.answeredAt) / 100) / 10 : 0,
      end_reason: this.endReason,
      sip_status: this.sipStatus,
      app: this.appKind,
      warnings:
        this.state === 'active'
          ? callWarnings({
              localAddress: this.local?.address,
              remoteAddress: this.media?.remoteAddress,
              answeredSecAgo: this.answeredAt ? (Date.now() - this.answeredAt) / 1000 : undefined,
              packetsReceived: this.session?.stats().packetsReceived,
              hold: this.media?.hold ?? false,
            })
          : [],
    };
  }
}
