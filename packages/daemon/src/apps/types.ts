/**
 * What a call application (echo test, AI assistant) sees of a call: PCM frames in and
 * out at the call's codec rate, DTMF digits, and a way to hang up. The call owns the
 * SIP dialog and the RTP session; the app never touches either directly.
 */
export interface MediaPort {
  /** PCM sample rate of frames in both directions (8000 for G.711, 16000 for Opus by default). */
  readonly sampleRate: number;
  /** Samples per frame (ptime), e.g. 160 at 8 kHz / 20 ms. */
  readonly samplesPerFrame: number;
  /** Queues one frame for paced sending. */
  sendFrame(pcm: Int16Array): void;
  /** Drops every queued outgoing frame (barge-in). */
  clearSendQueue(): void;
  /** Frames queued and not yet sent. */
  readonly queuedFrames: number;
  /** Ends the call (BYE). */
  hangup(reason: string): void;
  /**
   * Keep the outgoing stream continuous (RTP sessions: `RtpSession.setContinuous`, a silence
   * frame on each ptime tick with nothing queued). Absent on ports that cannot (Twilio
   * Media Streams); an app then queues its own silence when it needs a continuous stream.
   */
  setContinuous?(on: boolean): void;
}

export interface CallApp {
  /** Called once when the call is confirmed (ACK received). */
  start(): void;
  /** One received frame (after the jitter buffer), at `MediaPort.sampleRate`. */
  onFrame(pcm: Int16Array): void;
  /** Called once per ptime on the media clock, whether or not audio arrived. */
  tick(): void;
  /** A DTMF digit from the caller. */
  onDtmf(digit: string): void;
  /** The call is over; release resources. */
  stop(): void;
}
