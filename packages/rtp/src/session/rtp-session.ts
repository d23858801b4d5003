/**
 * One RTP audio stream between this host and a remote endpoint: the thin I/O shell over
 * the pure cores (packet codec, jitter buffer, sender, receive statistics). Owns no
 * sockets' lifetime: it attaches to the sockets of a `PortAllocation` and detaches on
 * `close()`; the allocation's `release()` closes them.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { DtmfReceiver } from '../dtmf/dtmf-receiver.js';
import { GoertzelDtmfDetector } from '../dtmf/goertzel.js';
import { JitterBuffer } from '../jitter/jitter-buffer.js';
import { isRtcpPacket, parseRtpPacket } from '../packet/rtp-packet.js';
import type { MediaDirection } from '../sdp/types.js';
import { SrtpContext } from '../srtp/srtp-context.js';
import { codecImpairment, eModelRFactor, mosForScale, type CodecImpairment } from './call-quality.js';
import { sharedMediaClock, type MediaClock } from './media-clock.js';
import { PcmFifo } from './pcm-fifo.js';
import { ReceiveStatistics } from './receive-statistics.js';
import { RtcpChannel } from './rtcp-channel.js';
import { RtpSender } from './rtp-sender.js';
import type {
  DatagramSocket,
  RtpRemote,
  RtpSessionEvents,
  RtpSessionOptions,
  RtpStats,
} from './session-types.js';

/** An RTP audio session. See {@link RtpSessionEvents}. */
export class RtpSession extends EventEmitter<RtpSessionEvents> {
  private readonly o: RtpSessionOptions;
  private readonly clock: MediaClock;
  private readonly jitter: JitterBuffer;
  private readonly sender: RtpSender;
  private readonly recvStats: ReceiveStatistics;
  private readonly dtmfRx: DtmfReceiver;
  private readonly inband: GoertzelDtmfDetector | undefined;
  private readonly ticksPerPtime: number;
  private readonly fifo = new PcmFifo();
  private readonly localSsrc = randomInt(0, 0x1_0000_0000 - 1);
  private readonly mediaTimeoutMs: number;
  /** E-model parameters of the negotiated codec (G.113 / G.107.1, see call-quality.ts). */
  private readonly impairment: CodecImpairment;
  private remote: RtpRemote;
  private direction: MediaDirection = 'sendrecv';
  private unsubscribe: (() => void) | undefined;
  private tickCount = 0;
  private latched = false;
  private lastRtpMs = 0;
  private timedOut = false;
  private gotFirst = false;
  private closed = false;
  private malformed = 0;
  private srtpFailures = 0;
  private srtcpFailures = 0;
  private srtpTx: SrtpContext | undefined;
  private srtpRx: SrtpContext | undefined;
  private ignored = 0;
  private beforeKeys = 0;
  private sendErrors = 0;
  private readonly rtcp: RtcpChannel | undefined;
  private rtcpRemote: { address: string; port: number } | undefined;
  private lastTickMs = 0;
  /** The deadline whose send phase ran: its work phase is due. */
  private workDueMs = -1;
  private readonly onSendDone = (err: Error | null): void => {
    if (err) this.sendErrors++;
  };
  private readonly sendRtp = (packet: Buffer): void => {
    const out = this.srtpTx ? this.srtpTx.protect(packet) : packet;
    this.safeSend(this.o.sockets.rtp, out, this.remote.port, this.remote.address);
  };

  /** `dgram.send` throws synchronously on a closed socket (released allocation): count it. */
  private safeSend(socket: DatagramSocket | undefined, data: Buffer, port: number, address: string): void {
    if (!socket) return;
    if (this.awaitingKeys()) {
      this.beforeKeys++; // RFC 5764: nothing in the clear on a DTLS-SRTP call
      return;
    }
    try {
      socket.send(data, port, address, this.onSendDone);
    } catch {
      this.sendErrors++;
    }
  }

  constructor(opts: RtpSessionOptions) {
    super();
    this.o = opts;
    const ptime = opts.ptimeMs ?? 20;
    this.clock = opts.clock ?? sharedMediaClock(ptime % 20 === 0 ? 20 : 10);
    this.ticksPerPtime = ptime / this.clock.periodMs;
    if (!Number.isInteger(this.ticksPerPtime) || this.ticksPerPtime < 1) {
      throw new RangeError(`ptime ${ptime} ms is not a multiple of the ${this.clock.periodMs} ms clock`);
    }
    this.remote = { ...opts.remote };
    this.setSrtp(opts.srtp);
    this.mediaTimeoutMs = opts.mediaTimeoutMs ?? 30_000;
    this.impairment = codecImpairment(opts.codec.info);
    const clockRate = opts.codec.info.clockRate;
    this.jitter = new JitterBuffer({ clockRate, frameMs: ptime, ...opts.jitter });
    this.recvStats = new ReceiveStatistics(clockRate);
    this.dtmfRx = new DtmfReceiver({ clockRate });
    if (opts.inbandDtmf ?? opts.dtmfPayloadType === undefined) {
      this.inband = new GoertzelDtmfDetector({ sampleRate: opts.codec.info.sampleRate });
    }
    // RFC 3550 §5.1: random initial sequence number, timestamp and SSRC.
    this.sender = new RtpSender({
      ssrc: this.localSsrc,
      payloadType: opts.payloadType,
      encoder: opts.codec.encoder,
      ticksPerFrame: opts.codec.rtpTicksPerFrame,
      clockRate,
      ptimeMs: ptime,
      dtmfPayloadType: opts.dtmfPayloadType,
      initialSequence: randomInt(0, 0x8000),
      initialTimestamp: randomInt(0, 0x1_0000_0000 - 1),
    });
    if (opts.continuous === true) this.setContinuous(true);
    if ((opts.sockets.rtcp || opts.rtcpMux) && opts.rtcp?.enabled !== false) {
      this.rtcp = new RtcpChannel({
        cname: opts.cname ?? randomUUID(),
        recv: this.recvStats,
        senderState: (monoMs) => ({
          ssrc: this.localSsrc,
          packetCount: this.sender.packetsSent,
          octetCount: this.sender.octetsSent,
          rtpTimestamp:
            this.sender.lastTickTimestamp + Math.round(((monoMs - this.lastTickMs) * clockRate) / 1000),
        }),
        send: this.sendRtcp,
        srtp: () => ({ tx: this.srtpTx, rx: this.srtpRx }),
        wallClock: opts.rtcp?.wallClock,
        random: opts.rtcp?.random,
      });
    }
  }

  private readonly sendRtcp = (packet: Buffer): void => {
    const socket = this.o.rtcpMux ? this.o.sockets.rtp : this.o.sockets.rtcp;
    // RFC 3550 §11: RTCP on port + 1 unless signalled (RFC 3605) or muxed (RFC 5761).
    const target = this.rtcpRemote ?? {
      address: this.remote.address,
      port: this.o.rtcpMux ? this.remote.port : (this.remote.rtcpPort ?? this.remote.port + 1),
    };
    this.safeSend(socket, packet, target.port, target.address);
  };

  /** Attach to the sockets and start pacing/playout. Idempotent. */
  start(): void {
    if (this.unsubscribe || this.closed) return;
    this.o.sockets.rtp.on('message', this.onRtpMessage);
    this.o.sockets.rtp.on('error', this.onSocketError);
    if (this.o.sockets.rtcp && !this.o.rtcpMux) {
      this.o.sockets.rtcp.on('message', this.onRtcpMessage);
      this.o.sockets.rtcp.on('error', this.onSocketError);
    }
    this.lastRtpMs = this.clock.now();
    // Packets leave in the clock's send phase, before any session decodes (media-clock.ts).
    const offSend = this.clock.subscribe(this.onSendTick, 'send');
    const offWork = this.clock.subscribe(this.onWorkTick, 'work');
    this.unsubscribe = () => {
      offSend();
      offWork();
    };
  }

  /** Queue exactly one ptime of PCM; frames leave paced, one per ptime. */
  sendFrame(pcm: Int16Array): void {
    this.sender.enqueue(pcm);
  }

  /** Send an RFC 4733 digit (0-9, *, #, A-D). Default 100 ms. Returns false if not possible. */
  sendDtmf(digit: string, durationMs = 100): boolean {
    return this.sender.enqueueDtmf(digit, durationMs);
  }

  /**
   * Continuous media on or off (see {@link RtpSessionOptions.continuous}): with it on, a
   * ptime tick with nothing queued sends one silence frame.
   */
  setContinuous(on: boolean): void {
    this.sender.setFill(on ? new Int16Array(this.o.codec.samplesPerFrame) : undefined);
  }

  /** Barge-in: drop every queued frame now. */
  clearSendQueue(): void {
    this.sender.clear();
  }

  /** Frames waiting to be sent. */
  get queuedFrames(): number {
    return this.sender.queued;
  }

  /** Our SSRC (random, RFC 3550 §8.1). */
  get ssrc(): number {
    return this.localSsrc;
  }

  /** Current remote (after latching). */
  get remoteAddress(): Readonly<RtpRemote> {
    return this.remote;
  }

  /** Change the remote (re-INVITE); symmetric latching starts over. */
  setRemote(remote: RtpRemote): void {
    this.remote = { ...remote };
    this.latched = false;
    this.rtcpRemote = undefined;
    this.restartMediaTimeout();
  }

  /**
   * Replace the SRTP keys (re-INVITE with new SDES crypto, RFC 4568 §7.1.4): new contexts,
   * fresh rollover counters and replay windows. `undefined` switches to plain RTP.
   */
  setSrtp(srtp: RtpSessionOptions['srtp']): void {
    this.srtpTx = srtp && new SrtpContext({ suite: srtp.suite, keyAndSalt: srtp.localKey });
    this.srtpRx = srtp && new SrtpContext({ suite: srtp.suite, keyAndSalt: srtp.remoteKey });
  }

  /** RFC 3264 direction: what we send and what we play out. */
  setDirection(d: MediaDirection): void {
    const wasReceiving = this.receiving();
    this.direction = d;
    // Resuming from hold: the media timeout counts from now, not from the last packet.
    if (!wasReceiving && this.receiving()) this.restartMediaTimeout();
  }

  private receiving(): boolean {
    return this.direction === 'sendrecv' || this.direction === 'recvonly';
  }

  private restartMediaTimeout(): void {
    this.lastRtpMs = this.clock.now();
    this.timedOut = false;
  }

  /** Statistics snapshot. */
  stats(): RtpStats {
    const rs = this.recvStats;
    const jb = this.jitter.stats();
    const expected = rs.expected;
    const fractionLost = expected > 0 ? Math.max(0, rs.cumulativeLost) / expected : 0;
    // One-way delay ~ network (rtt/2) + jitter buffer + packetization.
    const delay = (this.rtcp?.rttMs ?? 0) / 2 + jb.currentDelayMs + (this.o.ptimeMs ?? 20);
    // Loss the listener hears: packets rebuilt from in-band FEC are not impairments.
    const heardLost = Math.max(0, rs.cumulativeLost - jb.fecRecovered);
    const impairment = this.impairment;
    const rFactor = eModelRFactor(delay, expected > 0 ? (heardLost / expected) * 100 : 0, impairment);
    const scale = impairment.scale ?? 'narrowband';
    return {
      packetsSent: this.sender.packetsSent,
      silenceFillSent: this.sender.fillFrames,
      bytesSent: this.sender.octetsSent,
      packetsReceived: rs.packets,
      bytesReceived: rs.payloadBytes,
      lost: rs.cumulativeLost,
      fractionLost,
      jitterMs: rs.jitterMs,
      rttMs: this.rtcp?.rttMs,
      rFactor,
      rFactorScale: scale,
      mos: mosForScale(rFactor, scale),
      malformed: this.malformed,
      srtpFailures: this.srtpFailures,
      srtcpFailures: this.srtcpFailures,
      ignored: this.ignored,
      beforeKeys: this.beforeKeys,
      rtcpReceived: this.rtcp?.received ?? 0,
      rtcpSent: this.rtcp?.sent ?? 0,
      sendErrors: this.sendErrors,
      fecDecodeAvailable: this.o.codec.decoder.fecAvailable === true,
      jitterBuffer: jb,
    };
  }

  /** Send RTCP BYE (if RTCP runs), stop timers, detach from the sockets (which stay open). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // RFC 3550 §6.3.7: a participant that never sent an RTP or RTCP packet MUST NOT send
    // a BYE (a call hung up before its first media tick leaves silently).
    if (this.unsubscribe && (this.sender.packetsSent > 0 || (this.rtcp?.sent ?? 0) > 0))
      this.rtcp?.bye(this.clock.now());
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.o.sockets.rtp.off('message', this.onRtpMessage);
    this.o.sockets.rtp.off('error', this.onSocketError);
    this.o.sockets.rtcp?.off('message', this.onRtcpMessage);
    this.o.sockets.rtcp?.off('error', this.onSocketError);
    this.sender.clear();
  }

  private readonly onSocketError = (err: Error): void => {
    this.emit('socket-error', err);
  };

  private readonly onRtcpMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (!this.rtcp) return;
    if (this.awaitingKeys()) {
      this.beforeKeys++;
      return;
    }
    const outcome = this.rtcp.receive(msg, this.localSsrc, this.clock.now());
    if (outcome === 'srtp-failed') this.srtcpFailures++;
    else if (outcome === 'malformed') this.malformed++;
    else {
      // Symmetric RTCP (RFC 4961): answer where valid reports come from.
      if (this.o.symmetric !== false) this.rtcpRemote = { address: rinfo.address, port: rinfo.port };
      if (outcome === 'bye') this.emit('remote-bye');
    }
  };

  private readonly onRtpMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    if (this.o.rtcpMux && isRtcpPacket(msg)) {
      this.onRtcpMessage(msg, rinfo); // RFC 5761 §4
      return;
    }
    let data = msg;
    if (this.awaitingKeys()) {
      this.beforeKeys++; // SRTP that overtook our end of the DTLS handshake: not plain RTP
      return;
    }
    if (this.srtpRx) {
      const u = this.srtpRx.unprotect(msg); // RFC 3711 §3.3: authenticate before anything else
      if (!u.ok) {
        this.srtpFailures++;
        return;
      }
      data = u.packet;
    }
    const r = parseRtpPacket(data);
    if (!r.ok) {
      this.malformed++;
      return;
    }
    const p = r.packet;
    const now = this.clock.now();
    this.latch(rinfo, p.ssrc, now);
    this.lastRtpMs = now;
    this.timedOut = false;
    if (!this.gotFirst) {
      this.gotFirst = true;
      this.emit('first-packet');
    }
    if (p.payloadType === this.o.payloadType) {
      this.recvStats.update(p.ssrc, p.sequenceNumber, p.timestamp, now, p.payload.length);
      if (this.direction === 'sendrecv' || this.direction === 'recvonly') this.jitter.push(p, now);
    } else if (p.payloadType === this.o.dtmfPayloadType) {
      this.recvStats.update(p.ssrc, p.sequenceNumber, p.timestamp, now, p.payload.length);
      this.jitter.noteNonAudio(p); // RFC 4733 §2.5.1.5: events replace the audio: a gap, not loss
      const d = this.dtmfRx.receive(p.payload, p.timestamp, p.marker, now);
      if (d) this.emit('dtmf', { digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' });
    } else {
      this.ignored++; // comfort noise (RFC 3389, PT 13) and anything not negotiated
      this.jitter.noteNonAudio(p);
    }
  };

  /**
   * Symmetric RTP latching (RFC 4961 §2; "latching" as in RFC 7362 §3): send to where the
   * media comes from. Once latched, move only for the same SSRC (NAT rebinding) or after
   * the latched source has been silent for `relatchAfterMs` (limits media hijacking).
   */
  private latch(rinfo: RemoteInfo, ssrc: number, now: number): void {
    if (this.o.symmetric === false) return;
    if (rinfo.address === this.remote.address && rinfo.port === this.remote.port) {
      this.latched = true;
      return;
    }
    const silentLong = now - this.lastRtpMs >= (this.o.relatchAfterMs ?? 2000);
    if (this.latched && ssrc !== this.recvStats.sourceSsrc && !silentLong) return;
    this.latched = true;
    this.remote = { ...this.remote, address: rinfo.address, port: rinfo.port };
    this.emit('remote-changed', { address: rinfo.address, port: rinfo.port });
  }

  /** Send phase of a ptime tick: the one packet (or DTMF event, or silence fill) due now. */
  private readonly onSendTick = (nowMs: number): void => {
    if (++this.tickCount < this.ticksPerPtime) return;
    this.tickCount = 0;
    // Ticks the clock skipped after a long stall: keep the RTP timestamp on real time.
    const ptime = this.o.ptimeMs ?? 20;
    if (this.lastTickMs > 0) {
      const missed = Math.round((nowMs - this.lastTickMs) / ptime) - 1;
      if (missed > 0) this.sender.advanceTimestamp(missed);
    }
    this.lastTickMs = nowMs;
    this.workDueMs = nowMs;
    const sending = this.direction === 'sendrecv' || this.direction === 'sendonly';
    // Before DTLS-SRTP keys: the media clock runs on (timestamps stay on real time) but no
    // packet is built or counted, so the SR's counts are what left and the first real
    // packet carries the marker bit (RFC 3551 §4.1).
    if (sending && !this.awaitingKeys()) this.sender.tick(this.sendRtp);
    else this.sender.skipTick();
  };

  /** Work phase of the same ptime tick: playout, DTMF end detection, media timeout, RTCP. */
  private readonly onWorkTick = (nowMs: number): void => {
    if (this.workDueMs !== nowMs) return;
    const receiving = this.receiving();
    if (receiving) this.playout(nowMs);
    const d = this.dtmfRx.poll(nowMs); // lost end packets (RFC 4733 §2.5.2.2)
    if (d) this.emit('dtmf', { digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' });
    if (
      receiving &&
      this.mediaTimeoutMs > 0 &&
      !this.timedOut &&
      nowMs - this.lastRtpMs >= this.mediaTimeoutMs
    ) {
      this.timedOut = true;
      this.emit('timeout');
    }
    if (!this.awaitingKeys()) this.rtcp?.tick(nowMs);
  };

  /** A DTLS-SRTP session whose keys are not installed yet (`srtpPending`; setSrtp sets both contexts). */
  private awaitingKeys(): boolean {
    return this.o.srtpPending === true && !this.srtpTx;
  }

  /**
   * Emit one ptime frame: pull packets until a frame's worth of PCM is queued (more than
   * one pull per tick for short packets, fewer for long ones), decode or conceal, re-frame.
   */
  private playout(nowMs: number): void {
    const { decoder, samplesPerFrame, info } = this.o.codec;
    let ended = false;
    for (let pulls = 0; this.fifo.size < samplesPerFrame && pulls < 8; pulls++) {
      const slot = this.jitter.pull(nowMs);
      if (slot.kind === 'empty') {
        ended = true;
        break;
      }
      let pcm: Int16Array;
      if (slot.kind === 'packet') {
        try {
          pcm = decoder.decode(slot.packet.payload);
          this.detectInband(pcm);
        } catch {
          this.malformed++; // hostile payload: conceal instead
          pcm = decoder.conceal(samplesPerFrame);
        }
      } else {
        const samples = Math.round((slot.durationTicks * info.sampleRate) / info.clockRate);
        // RFC 7587 §3.3 / RFC 6716 §2.1.7: packet N+1 is buffered and may carry N's FEC.
        const recovered =
          slot.nextPayload && decoder.recover ? decoder.recover(samples, slot.nextPayload) : undefined;
        if (recovered) {
          this.jitter.noteFecRecovered();
          pcm = recovered;
        } else {
          pcm = decoder.conceal(samples, slot.nextPayload);
        }
      }
      this.fifo.push(pcm);
    }
    // A partial frame left at the end of a talkspurt is completed with silence.
    if (this.fifo.size >= samplesPerFrame || (ended && this.fifo.size > 0)) {
      this.emit('frame', this.fifo.take(samplesPerFrame));
    }
  }

  private detectInband(pcm: Int16Array): void {
    if (!this.inband) return;
    for (const hit of this.inband.process(pcm)) {
      this.emit('dtmf', { digit: hit.digit, durationMs: 0, source: 'inband' });
    }
  }
}
