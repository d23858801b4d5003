/**
 * Send side of an RTP session as a pure core: a frame queue drained one frame per
 * ptime tick, RTP sequence/timestamp/marker bookkeeping (RFC 3550 §5.1) and RFC 4733
 * DTMF events interleaved on the same pacing. No sockets: `tick()` hands packets to a
 * callback.
 */
import type { AudioEncoder } from '../codec/types.js';
import { RTP_HEADER_SIZE, writeRtpHeaderValues } from '../packet/rtp-packet.js';
import { buildDtmfPackets, type DtmfPacket } from '../dtmf/dtmf-sender.js';
import { digitToEvent } from '../dtmf/telephone-event.js';

/** Options of {@link RtpSender}. */
export interface RtpSenderOptions {
  ssrc: number;
  payloadType: number;
  encoder: AudioEncoder;
  /** RTP timestamp increment per frame (ticks). */
  ticksPerFrame: number;
  /** RTP clock rate in Hz (DTMF durations are converted with it). */
  clockRate: number;
  /** Packetization time in ms (DTMF update interval). Default 20. */
  ptimeMs?: number;
  /** Negotiated telephone-event payload type; DTMF is refused without it. */
  dtmfPayloadType?: number;
  /** First sequence number (RFC 3550 §5.1: random). */
  initialSequence: number;
  /** First timestamp (RFC 3550 §5.1: random). */
  initialTimestamp: number;
  /** Queue bound in frames; older frames are dropped beyond it. Default 3000 (60 s at 20 ms). */
  maxQueuedFrames?: number;
}

/** Paced RTP packetizer. Call {@link tick} once per ptime. */
export class RtpSender {
  private queue: Int16Array[] = [];
  private head = 0;
  private seq: number;
  private timestamp: number;
  private silent = true;
  private readonly dtmfQueue: DtmfPacket[][] = [];
  private dtmf: { packets: DtmfPacket[]; startTs: number; next: number } | undefined;
  private readonly maxQueued: number;
  /** Continuous media: sent on a tick with nothing queued (see {@link setFill}). */
  private fill: Int16Array | undefined;
  /** Packets sent (RFC 3550 §6.4.1 sender's packet count). */
  packetsSent = 0;
  /** Payload octets sent (RFC 3550 §6.4.1 sender's octet count). */
  octetsSent = 0;
  /** Frames sent from the continuous-media fill (a subset of `packetsSent`). */
  fillFrames = 0;
  /** Frames dropped because the queue was full. */
  overflowFrames = 0;
  /** RTP timestamp of the most recent tick (for SR NTP/RTP correlation). */
  lastTickTimestamp: number;

  constructor(private readonly o: RtpSenderOptions) {
    this.seq = o.initialSequence & 0xffff;
    this.timestamp = o.initialTimestamp >>> 0;
    this.lastTickTimestamp = this.timestamp;
    this.maxQueued = o.maxQueuedFrames ?? 3000;
  }

  /** Frames waiting to be sent. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  /** Queue one frame of PCM (exactly one ptime of samples). */
  enqueue(pcm: Int16Array): void {
    if (this.queued >= this.maxQueued) {
      this.head++;
      this.overflowFrames++;
    }
    this.queue.push(pcm);
  }

  /**
   * Continuous media: with a frame set, a tick that finds the queue empty (and no DTMF
   * event running) sends this frame instead of nothing, so the stream has no gaps
   * (PBX RTP timeouts, NAT bindings, the far end's jitter buffer). One packet per tick
   * either way: a queued frame always wins, so nothing is ever sent twice. `undefined`
   * turns it off (silence is then not sent; the next talkspurt is marked).
   */
  setFill(pcm: Int16Array | undefined): void {
    this.fill = pcm;
  }

  /** Drop every queued frame (barge-in). */
  clear(): void {
    this.queue = [];
    this.head = 0;
  }

  /**
   * Queue an RFC 4733 DTMF event. Returns false when the digit is invalid or no
   * telephone-event payload type was negotiated.
   */
  enqueueDtmf(digit: string, durationMs: number): boolean {
    if (digitToEvent(digit) === undefined || this.o.dtmfPayloadType === undefined) return false;
    this.dtmfQueue.push(
      buildDtmfPackets(digit, { durationMs, clockRate: this.o.clockRate, ptimeMs: this.o.ptimeMs ?? 20 }),
    );
    return true;
  }

  /**
   * `frames` ptime slots passed without a tick (the event loop stalled past the media
   * clock's catch-up limit): RFC 3550 §5.1 the timestamp follows the sampling clock, so it
   * jumps by the missed time and the next packet is marked, instead of drifting behind real
   * time for the rest of the call. Queued frames are kept (sent late, not lost).
   */
  advanceTimestamp(frames: number): void {
    if (frames <= 0) return;
    this.timestamp = (this.timestamp + frames * this.o.ticksPerFrame) >>> 0;
    this.silent = true;
  }

  /**
   * Run one ptime slot without sending (direction recvonly/inactive, RFC 3264 §5.1): the
   * timestamp advances, one queued frame is consumed unencoded, the next packet is marked.
   */
  skipTick(): void {
    this.lastTickTimestamp = this.timestamp;
    this.timestamp = (this.timestamp + this.o.ticksPerFrame) >>> 0;
    this.silent = true;
    if (this.head < this.queue.length) this.queue[this.head++] = EMPTY_PCM;
    if (this.head >= this.queue.length) this.clear();
  }

  /** Run one ptime slot: send at most one packet through `send`. */
  tick(send: (packet: Buffer) => void): void {
    const ts = this.timestamp;
    this.lastTickTimestamp = ts;
    // RFC 3550 §5.1: the timestamp advances with sampling time even when nothing is sent.
    this.timestamp = (ts + this.o.ticksPerFrame) >>> 0;
    if (this.dtmf === undefined && this.dtmfQueue.length > 0) {
      this.dtmf = { packets: this.dtmfQueue.shift()!, startTs: ts, next: 0 };
    }
    if (this.dtmf !== undefined) {
      send(this.dtmfPacket(this.dtmf));
      return;
    }
    let pcm: Int16Array;
    if (this.head >= this.queue.length) {
      if (this.head > 0) this.clear();
      if (this.fill === undefined) {
        this.silent = true;
        return;
      }
      pcm = this.fill; // continuous media: part of the stream, not a new talkspurt
      this.fillFrames++;
    } else {
      pcm = this.queue[this.head]!;
      this.queue[this.head++] = EMPTY_PCM;
      if (this.head > 256 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
    }
    const enc = this.o.encoder;
    let packet: Buffer;
    let payloadLength: number;
    if (enc.encodeInto !== undefined && enc.payloadSize !== undefined) {
      // Encode straight into the packet: one allocation per packet (dgram keeps the buffer
      // until the send completes, so the packet itself cannot be reused).
      packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + enc.payloadSize(pcm.length));
      payloadLength = enc.encodeInto(pcm, packet, RTP_HEADER_SIZE);
    } else {
      const payload = enc.encode(pcm);
      packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
      payload.copy(packet, RTP_HEADER_SIZE);
      payloadLength = payload.length;
    }
    // RFC 3551 §4.1: marker on the first packet of a talkspurt (after silence).
    this.writeHeader(packet, this.o.payloadType, this.silent, ts);
    this.silent = false;
    this.octetsSent += payloadLength;
    send(packet);
  }

  private dtmfPacket(d: { packets: DtmfPacket[]; startTs: number; next: number }): Buffer {
    const p = d.packets[d.next++]!;
    const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + p.payload.length);
    // RFC 4733 §2.3.1: every packet of the event carries its start timestamp; the audio
    // is held meanwhile (the event replaces it) and resumes as a new talkspurt.
    this.writeHeader(packet, this.o.dtmfPayloadType!, p.marker, (d.startTs + p.timestampOffset) >>> 0);
    p.payload.copy(packet, RTP_HEADER_SIZE);
    this.octetsSent += p.payload.length;
    if (d.next >= d.packets.length) {
      this.dtmf = undefined;
      this.silent = true;
    }
    return packet;
  }

  private writeHeader(packet: Buffer, payloadType: number, marker: boolean, timestamp: number): void {
    writeRtpHeaderValues(packet, 0, marker, payloadType, this.seq, timestamp, this.o.ssrc);
    this.seq = (this.seq + 1) & 0xffff;
    this.packetsSent++;
  }
}

const EMPTY_PCM = new Int16Array(0);
