/**
 * rtp: CPU cost of the media path per packet, as concurrent calls per core, next to the
 * physical references measured in the same run.
 *
 * Run: `pnpm bench rtp-media-path` (optional: BENCH_MS=1500 per socket round,
 * BENCH_ROUNDS=5, BENCH_PACKETS=20000 per in-process round).
 *
 * What one "packet" means everywhere below: one RTP packet received AND one sent, i.e. the
 * work of one 20 ms frame of an echo call in both directions. A call is 50 such packets/s.
 *
 *  A. Real sockets (loopback), each server in its own child process whose CPU is read with
 *     process.cpuUsage() (user + system) between two IPC messages; the load client (this
 *     process) keeps 8 packets in flight per server and is not measured:
 *      - raw echo: dgram 'message' -> socket.send back (the physical reference); also on a
 *        connect()ed socket (send without an address), to show what that saves;
 *      - our path: real dgram socket -> RtpSession (SRTP unprotect -> parse -> jitter
 *        buffer -> decode) -> 'frame' -> sendFrame -> (encode -> RTP header -> SRTP
 *        protect) -> dgram send. The session's media clock is advanced one 20 ms tick per
 *        received packet, so pacing costs nothing and the work per packet is exactly one
 *        receive, one playout and one send.
 *     Configs: PCMU and Opus (16 kHz, complexity 5, 24 kbit/s), each with and without
 *     SRTP (AES_CM_128_HMAC_SHA1_80).
 *  B. In process, fake sockets (no syscalls): the same session path, and each stage alone
 *     (parse, SRTP unprotect/protect, jitter push+pull, codec encode/decode, RTP header),
 *     plus the references: alawmulaw for G.711, @discordjs/opus called directly for Opus.
 *
 * All figures are CPU time (not wall time), median of BENCH_ROUNDS interleaved rounds after
 * a warm-up. Targets (issue 4): G.711 path <= 2x the raw dgram echo per packet; 110
 * Opus-transcoded calls (16 kHz, complexity 5) per core.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { createCipheriv, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import {
  G711Decoder,
  G711Encoder,
  GoertzelDtmfDetector,
  JitterBuffer,
  OpusAudioDecoder,
  OpusAudioEncoder,
  RtpSession,
  SrtpContext,
  createCodec,
  decodeMuLaw,
  parseRtpPacket,
  writeRtpHeader,
  type DatagramSocket,
  type MediaClock,
  type MediaTickHandler,
} from '../packages/rtp/src/index.js';

const root = resolve(import.meta.dirname, '..');
const rtpRequire = createRequire(join(root, 'packages/rtp/package.json'));

const BENCH_MS = Number(process.env.BENCH_MS ?? 1500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACKETS = Number(process.env.BENCH_PACKETS ?? 20000);
const IN_FLIGHT = 8;
const PACKETS_PER_CALL_PER_S = 50; // one packet each way every 20 ms

type CodecName = 'PCMU' | 'opus';
interface Config {
  readonly codec: CodecName;
  readonly srtp: boolean;
}
const SUITE = 'AES_CM_128_HMAC_SHA1_80' as const;
/** Fixed keys: client->server and server->client (30 bytes: master key || salt). */
const KEY_C2S = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d', 'hex');
const KEY_S2C = Buffer.from('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00112233445566778899aabbccdd', 'hex');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

// ---------------------------------------------------------------------------------------
// Audio and packets
// ---------------------------------------------------------------------------------------

/** Deterministic speech-like signal: voiced harmonics with a syllable envelope plus noise. */
function speech(rate: number, samples: number): Int16Array {
  const out = new Int16Array(samples);
  let seed = 12345;
  for (let i = 0; i < samples; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const t = i / rate;
    const f0 = 120 + 30 * Math.sin(2 * Math.PI * 0.7 * t);
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t);
    let v = 0;
    for (let h = 1; h <= 8; h++) v += Math.sin(2 * Math.PI * f0 * h * t) / h;
    out[i] = Math.round(6000 * env * v + ((seed >>> 16) / 65536 - 0.5) * 800);
  }
  return out;
}

interface CodecSetup {
  readonly rate: number;
  readonly samplesPerFrame: number;
  readonly ticksPerFrame: number;
  readonly payloadType: number;
  readonly info: { name: string; clockRate: number; channels: number; sampleRate: number };
}
function codecSetup(codec: CodecName): CodecSetup {
  return codec === 'PCMU'
    ? {
        rate: 8000,
        samplesPerFrame: 160,
        ticksPerFrame: 160,
        payloadType: 0,
        info: { name: 'PCMU', clockRate: 8000, channels: 1, sampleRate: 8000 },
      }
    : {
        rate: 16000,
        samplesPerFrame: 320,
        ticksPerFrame: 960,
        payloadType: 111,
        info: { name: 'opus', clockRate: 48000, channels: 2, sampleRate: 16000 },
      };
}

/** 2 s of encoded frames (100 payloads) to cycle through. */
function payloads(codec: CodecName): Buffer[] {
  const c = codecSetup(codec);
  const pcm = speech(c.rate, c.samplesPerFrame * 100);
  const inst = createCodec({ ...c.info, frameMs: 20, opusComplexity: 5 });
  const out: Buffer[] = [];
  for (let i = 0; i < 100; i++) {
    out.push(
      Buffer.from(inst.encoder.encode(pcm.subarray(i * c.samplesPerFrame, (i + 1) * c.samplesPerFrame))),
    );
  }
  return out;
}

/** Builds the client's packets one by one (RTP header + payload, SRTP-protected if asked). */
class PacketSource {
  private seq = 1000;
  private ts = 5000;
  private n = 0;
  private readonly tx: SrtpContext | undefined;
  private readonly c: CodecSetup;
  constructor(
    private readonly cfg: Config,
    private readonly frames: Buffer[],
  ) {
    this.c = codecSetup(cfg.codec);
    this.tx = cfg.srtp ? new SrtpContext({ suite: SUITE, keyAndSalt: KEY_C2S }) : undefined;
  }
  next(): Buffer {
    const payload = this.frames[this.n++ % this.frames.length]!;
    const pkt = Buffer.allocUnsafe(12 + payload.length);
    writeRtpHeader(pkt, 0, {
      marker: this.n === 1,
      payloadType: this.c.payloadType,
      sequenceNumber: this.seq,
      timestamp: this.ts,
      ssrc: 0x11223344,
    });
    payload.copy(pkt, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + this.c.ticksPerFrame) >>> 0;
    return this.tx ? this.tx.protect(pkt) : pkt;
  }
}

/** A media clock advanced by hand: one 20 ms tick per call of `tick()`. */
class ManualClock implements MediaClock {
  readonly periodMs = 20;
  private t = 0;
  private readonly handlers = new Set<MediaTickHandler>();
  now(): number {
    return this.t;
  }
  subscribe(h: MediaTickHandler): () => void {
    this.handlers.add(h);
    return () => this.handlers.delete(h);
  }
  tick(): void {
    this.t += this.periodMs;
    for (const h of this.handlers) h(this.t);
  }
}

/** RtpSession echoing what it plays out, on the given socket and a manual clock. */
function echoSession(cfg: Config, socket: DatagramSocket, remote: { address: string; port: number }) {
  const c = codecSetup(cfg.codec);
  const codec = createCodec({ ...c.info, frameMs: 20, opusComplexity: 5 });
  const clock = new ManualClock();
  const session = new RtpSession({
    sockets: { rtp: socket },
    remote,
    payloadType: c.payloadType,
    codec: { ...codec, info: c.info },
    dtmfPayloadType: 101, // negotiated by every PBX we know: no in-band Goertzel
    ptimeMs: 20,
    clock,
    mediaTimeoutMs: 0,
    srtp: cfg.srtp ? { suite: SUITE, localKey: KEY_S2C, remoteKey: KEY_C2S } : undefined,
  });
  session.on('frame', (pcm) => session.sendFrame(pcm));
  session.start();
  return { session, clock };
}

// ---------------------------------------------------------------------------------------
// A. Child process servers (real sockets)
// ---------------------------------------------------------------------------------------

type ChildMode = 'raw' | 'raw-connected' | `${CodecName}${'' | '+srtp'}`;
type ToChild = { cmd: 'start' } | { cmd: 'stop' };
type FromChild =
  | { kind: 'ready'; port: number }
  | { kind: 'started' }
  | { kind: 'result'; cpuUs: number; received: number; sent: number; wallMs: number };

function runChild(mode: ChildMode): void {
  const sock = createSocket('udp4');
  let received = 0;
  let sent = 0;
  let cpu0 = 0;
  let wall0 = 0;
  if (mode === 'raw') {
    sock.on('message', (msg: Buffer, r: RemoteInfo) => {
      received++;
      sent++;
      sock.send(msg, r.port, r.address);
    });
  } else if (mode === 'raw-connected') {
    // The same echo on a connect()ed socket: no per-packet address argument (no lookup hop).
    let state: 'no' | 'connecting' | 'yes' = 'no';
    sock.on('message', (msg: Buffer, r: RemoteInfo) => {
      received++;
      if (state === 'yes') {
        sent++;
        sock.send(msg);
      } else if (state === 'no') {
        state = 'connecting'; // packets arriving meanwhile are dropped (the client's stall timer refills)
        sock.connect(r.port, r.address, () => (state = 'yes'));
      }
    });
  } else {
    const [codec, srtp] = mode.split('+') as [CodecName, string | undefined];
    const counted: DatagramSocket = {
      send: (msg, port, address, cb) => {
        sent++;
        sock.send(msg, port, address, cb);
      },
      on: (ev: 'message' | 'error', l: never) => sock.on(ev, l),
      off: (ev: 'message' | 'error', l: never) => sock.off(ev, l),
    };
    // Remote is learned by symmetric latching from the first packet.
    const { clock } = echoSession({ codec, srtp: srtp === 'srtp' }, counted, {
      address: '127.0.0.1',
      port: 9,
    });
    sock.on('message', () => {
      received++;
      clock.tick(); // after the session's own listener: one playout + one send per packet
    });
  }
  sock.bind(0, '127.0.0.1', () =>
    process.send!({ kind: 'ready', port: sock.address().port } satisfies FromChild),
  );
  process.on('message', (m: ToChild) => {
    if (m.cmd === 'start') {
      received = 0;
      sent = 0;
      cpu0 = cpuUs();
      wall0 = performance.now();
      process.send!({ kind: 'started' } satisfies FromChild);
    } else {
      const msg: FromChild = {
        kind: 'result',
        cpuUs: cpuUs() - cpu0,
        received,
        sent,
        wallMs: performance.now() - wall0,
      };
      process.send!(msg);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

interface Server {
  readonly mode: ChildMode;
  readonly child: ChildProcess;
  readonly port: number;
  readonly cfg: Config | undefined;
}

function startServer(mode: ChildMode): Promise<Server> {
  const child = fork(import.meta.filename, ['child', mode], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const cfg: Config | undefined =
    mode === 'raw' || mode === 'raw-connected'
      ? undefined
      : { codec: mode.split('+')[0] as CodecName, srtp: mode.endsWith('+srtp') };
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`child ${mode} did not start`)), 30_000);
    child.once('message', (m: FromChild) => {
      clearTimeout(t);
      if (m.kind === 'ready') res({ mode, child, port: m.port, cfg });
    });
    child.once('exit', (code) => rej(new Error(`child ${mode} exited ${code}`)));
  });
}

function ask(child: ChildProcess, cmd: ToChild): Promise<FromChild> {
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('child did not answer')), 10_000);
    child.once('message', (m: FromChild) => {
      clearTimeout(t);
      res(m);
    });
    child.send(cmd);
  });
}

interface SocketRound {
  cpuUsPerPacket: number;
  packetsPerS: number;
  received: number;
  sent: number;
}

/** Drive one server for `ms`, keeping IN_FLIGHT packets outstanding; returns the child's CPU per packet. */
async function socketRound(
  client: Socket,
  server: Server,
  source: () => Buffer,
  ms: number,
): Promise<SocketRound> {
  let inFlight = 0;
  let lastReply = performance.now();
  const send = (): void => {
    inFlight++;
    client.send(source(), server.port, '127.0.0.1');
  };
  const onMessage = (): void => {
    inFlight = Math.max(0, inFlight - 1);
    lastReply = performance.now();
    while (inFlight < IN_FLIGHT) send();
  };
  client.on('message', onMessage);
  // The session holds ~2 frames in its jitter buffer, so replies lag sends: a stall timer
  // tops the window up when nothing came back for 5 ms (also covers loss).
  const stall = setInterval(() => {
    if (performance.now() - lastReply > 5) {
      inFlight = 0;
      while (inFlight < IN_FLIGHT) send();
    }
  }, 5);
  let r: Extract<FromChild, { kind: 'result' }>;
  try {
    await ask(server.child, { cmd: 'start' });
    while (inFlight < IN_FLIGHT) send();
    await new Promise((r1) => setTimeout(r1, ms));
    r = (await ask(server.child, { cmd: 'stop' })) as Extract<FromChild, { kind: 'result' }>;
  } finally {
    clearInterval(stall);
    client.off('message', onMessage);
  }
  await new Promise((r2) => setTimeout(r2, 50)); // let stragglers drain
  const packets = Math.max(1, r.received);
  return {
    cpuUsPerPacket: r.cpuUs / packets,
    packetsPerS: (r.received * 1000) / r.wallMs,
    received: r.received,
    sent: r.sent,
  };
}

// ---------------------------------------------------------------------------------------
// B. In process
// ---------------------------------------------------------------------------------------

/** CPU µs per call of `fn(i)` over `n` calls (one timed run). */
function cpuPer(n: number, fn: (i: number) => void): number {
  const t0 = cpuUs();
  for (let i = 0; i < n; i++) fn(i);
  return (cpuUs() - t0) / n;
}

/** Median over ROUNDS (after one warm-up run) of cpuPer, with a fresh `setup` per round. */
function stage<T>(n: number, setup: () => T, fn: (state: T, i: number) => void): number {
  const w = setup();
  cpuPer(n, (i) => fn(w, i)); // warm-up: a full round, so the JIT has settled
  const xs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = setup();
    xs.push(cpuPer(n, (i) => fn(s, i)));
  }
  return median(xs);
}

/** A socket that goes nowhere: `send` only counts. */
class NullSocket extends EventEmitter implements DatagramSocket {
  sent = 0;
  send(msg: Buffer, _port: number, _address: string, cb?: (e: Error | null, n: number) => void): void {
    this.sent++;
    cb?.(null, msg.length);
  }
}

const RINFO: RemoteInfo = { address: '127.0.0.1', port: 40000, family: 'IPv4', size: 0 };

function sessionInProcess(cfg: Config, frames: Buffer[]): number {
  return stage(
    PACKETS,
    () => {
      const src = new PacketSource(cfg, frames);
      const pkts = Array.from({ length: PACKETS }, () => src.next());
      const sock = new NullSocket();
      const { clock } = echoSession(cfg, sock, { address: RINFO.address, port: RINFO.port });
      return { pkts, sock, clock };
    },
    (s, i) => {
      s.sock.emit('message', s.pkts[i]!, RINFO);
      s.clock.tick();
    },
  );
}

// ---------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------

const fmt = (x: number, d = 2): string => x.toFixed(d);
const calls = (usPerPacket: number): number => 1e6 / (PACKETS_PER_CALL_PER_S * usPerPacket);
const pad = (s: string, n: number): string => s.padEnd(n);

async function main(): Promise<void> {
  const frames: Record<CodecName, Buffer[]> = { PCMU: payloads('PCMU'), opus: payloads('opus') };
  const configs: Config[] = [
    { codec: 'PCMU', srtp: false },
    { codec: 'PCMU', srtp: true },
    { codec: 'opus', srtp: false },
    { codec: 'opus', srtp: true },
  ];
  const name = (c: Config): string =>
    `${c.codec === 'PCMU' ? 'G.711 PCMU' : 'Opus 16k c5'}${c.srtp ? ' + SRTP' : ''}`;
  console.log(
    `rtp media path (${ROUNDS} rounds, median; CPU time; 1 packet = 1 in + 1 out = 20 ms of a call)`,
  );

  // ---- A: real sockets ----
  const modes: ChildMode[] = ['raw', 'raw-connected', 'PCMU', 'PCMU+srtp', 'opus', 'opus+srtp'];
  const servers: Server[] = [];
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  const socketResults = new Map<ChildMode, SocketRound[]>();
  try {
    for (const m of modes) servers.push(await startServer(m));
    const sources = new Map<ChildMode, () => Buffer>();
    for (const s of servers) {
      if (!s.cfg) {
        const raw = new PacketSource({ codec: 'PCMU', srtp: false }, frames.PCMU);
        sources.set(s.mode, () => raw.next());
      } else {
        const src = new PacketSource(s.cfg, frames[s.cfg.codec]);
        sources.set(s.mode, () => src.next());
      }
      socketResults.set(s.mode, []);
      await socketRound(client, s, sources.get(s.mode)!, Math.min(1000, BENCH_MS)); // warm-up
    }
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of servers)
        socketResults.get(s.mode)!.push(await socketRound(client, s, sources.get(s.mode)!, BENCH_MS));
    }
  } finally {
    for (const s of servers) s.child.kill('SIGTERM');
    client.close();
  }
  const sock = (m: ChildMode): { us: number; pps: number } => ({
    us: median(socketResults.get(m)!.map((x) => x.cpuUsPerPacket)),
    pps: median(socketResults.get(m)!.map((x) => x.packetsPerS)),
  });
  const raw = sock('raw');
  console.log(`\nA. real sockets on loopback, server CPU per packet (in + out), ${BENCH_MS} ms per round`);
  console.log(
    `  ${pad('server', 24)} ${'µs/pkt'.padStart(8)} ${'pkt/s'.padStart(9)} ${'calls/core'.padStart(11)} ${'x raw'.padStart(7)}`,
  );
  const rowA = (label: string, v: { us: number; pps: number }): void =>
    console.log(
      `  ${pad(label, 24)} ${fmt(v.us).padStart(8)} ${Math.round(v.pps).toString().padStart(9)} ${Math.round(calls(v.us)).toString().padStart(11)} ${fmt(v.us / raw.us).padStart(6)}x`,
    );
  rowA('raw dgram echo (ref)', raw);
  rowA('  same, connect()ed socket', sock('raw-connected'));
  for (const m of modes.slice(2)) {
    const cfg: Config = { codec: m.split('+')[0] as CodecName, srtp: m.endsWith('+srtp') };
    rowA(name(cfg), sock(m));
  }
  const lossNote = [...socketResults.entries()]
    .map(([m, rs]) => `${m} ${rs.reduce((a, x) => a + x.sent, 0)}/${rs.reduce((a, x) => a + x.received, 0)}`)
    .join(', ');
  console.log(`  (server sent/received over all rounds: ${lossNote})`);

  // ---- B: in process ----
  const inProc = new Map<string, number>();
  for (const c of configs) inProc.set(name(c), sessionInProcess(c, frames[c.codec]));

  const pcm8 = speech(8000, 160 * 100);
  const pcm16 = speech(16000, 320 * 100);
  const frame8 = (i: number): Int16Array => pcm8.subarray((i % 100) * 160, (i % 100) * 160 + 160);
  const frame16 = (i: number): Int16Array => pcm16.subarray((i % 100) * 320, (i % 100) * 320 + 320);
  const alawmulaw = rtpRequire('alawmulaw') as {
    mulaw: { encode(s: Int16Array): Uint8Array; decode(s: Uint8Array): Int16Array };
  };
  const NativeOpus = (
    rtpRequire('@discordjs/opus') as {
      OpusEncoder: new (
        rate: number,
        ch: number,
      ) => {
        encode(b: Buffer): Buffer;
        decode(b: Buffer): Buffer;
        applyEncoderCTL(c: number, v: number): void;
      };
    }
  ).OpusEncoder;
  const rawOpus = () => {
    const e = new NativeOpus(16000, 1);
    e.applyEncoderCTL(4000, 2048); // OPUS_SET_APPLICATION VOIP
    e.applyEncoderCTL(4024, 3001); // OPUS_SET_SIGNAL voice
    e.applyEncoderCTL(4002, 24000); // OPUS_SET_BITRATE
    e.applyEncoderCTL(4010, 5); // OPUS_SET_COMPLEXITY
    e.applyEncoderCTL(4004, 1103); // OPUS_SET_MAX_BANDWIDTH wideband
    return e;
  };
  const pcm16Bufs = Array.from({ length: 100 }, (_, i) => Buffer.from(frame16(i).slice().buffer));
  const N = PACKETS;
  const srtpPkts = (() => {
    const src = new PacketSource({ codec: 'PCMU', srtp: true }, frames.PCMU);
    return Array.from({ length: N }, () => src.next());
  })();
  const plainPkts = (() => {
    const src = new PacketSource({ codec: 'PCMU', srtp: false }, frames.PCMU);
    return Array.from({ length: N }, () => src.next());
  })();
  const opusPkts = (() => {
    const src = new PacketSource({ codec: 'opus', srtp: false }, frames.opus);
    return Array.from({ length: N }, () => src.next());
  })();
  let sink = 0;
  const st = {
    parse: stage(
      N,
      () => 0,
      (_, i) => (sink ^= parseRtpPacket(plainPkts[i]!).ok ? 1 : 0),
    ),
    header: stage(
      N,
      () => Buffer.alloc(172),
      (b, i) =>
        writeRtpHeader(b, 0, {
          marker: false,
          payloadType: 0,
          sequenceNumber: i,
          timestamp: i * 160,
          ssrc: 1,
        }),
    ),
    unprotect: stage(
      N,
      () => new SrtpContext({ suite: SUITE, keyAndSalt: KEY_C2S }),
      (ctx, i) => (sink ^= ctx.unprotect(srtpPkts[i]!).ok ? 1 : 0),
    ),
    protect: stage(
      N,
      () => new SrtpContext({ suite: SUITE, keyAndSalt: KEY_S2C }),
      (ctx, i) => (sink ^= ctx.protect(plainPkts[i]!).length),
    ),
    jitter: stage(
      N,
      () => new JitterBuffer({ clockRate: 8000 }),
      (jb, i) => {
        const r = parseRtpPacket(plainPkts[i]!);
        if (r.ok) jb.push(r.packet, i * 20);
        sink ^= jb.pull(i * 20 + 10).kind.length;
      },
    ),
    g711enc: stage(
      N,
      () => new G711Encoder('PCMU'),
      (e, i) => (sink ^= e.encode(frame8(i)).length),
    ),
    g711dec: stage(
      N,
      () => new G711Decoder('PCMU'),
      (d, i) => (sink ^= d.decode(frames.PCMU[i % 100]!).length),
    ),
    alawmulawEnc: stage(
      N,
      () => 0,
      (_, i) => (sink ^= alawmulaw.mulaw.encode(frame8(i)).length),
    ),
    tableDec: stage(
      N,
      () => 0,
      (_, i) => (sink ^= decodeMuLaw(frames.PCMU[i % 100]!).length),
    ),
    nodeCryptoSrtp: stage(
      N,
      () => 0,
      (_, i) => {
        // One packet's worth of SRTP work done directly with node:crypto (a fresh AES-CTR
        // cipher and HMAC per packet): the floor for an SRTP built on node:crypto.
        const pkt = plainPkts[i]!;
        const iv = Buffer.alloc(16);
        iv.writeUInt32BE(i, 12);
        const enc = createCipheriv('aes-128-ctr', KEY_C2S.subarray(0, 16), iv).update(pkt.subarray(12));
        sink ^= createHmac('sha1', KEY_C2S.subarray(0, 20))
          .update(pkt.subarray(0, 12))
          .update(enc)
          .digest()[0]!;
      },
    ),
    alawmulawDec: stage(
      N,
      () => 0,
      (_, i) => (sink ^= alawmulaw.mulaw.decode(frames.PCMU[i % 100]!).length),
    ),
    goertzel: stage(
      N,
      () => new GoertzelDtmfDetector({ sampleRate: 8000 }),
      (d, i) => (sink ^= d.process(frame8(i)).length),
    ),
    opusEnc: stage(
      N,
      () => new OpusAudioEncoder({ sampleRate: 16000, complexity: 5, bitrate: 24000 }),
      (e, i) => (sink ^= e.encode(frame16(i)).length),
    ),
    opusDec: stage(
      N,
      () => new OpusAudioDecoder({ sampleRate: 16000 }),
      (d, i) => (sink ^= d.decode(frames.opus[i % 100]!).length),
    ),
    rawOpusEnc: stage(N, rawOpus, (e, i) => (sink ^= e.encode(pcm16Bufs[i % 100]!).length)),
    rawOpusDec: stage(
      N,
      () => new NativeOpus(16000, 1),
      (d, i) => (sink ^= d.decode(frames.opus[i % 100]!).length),
    ),
    opusJitter: stage(
      N,
      () => new JitterBuffer({ clockRate: 48000 }),
      (jb, i) => {
        const r = parseRtpPacket(opusPkts[i]!);
        if (r.ok) jb.push(r.packet, i * 20);
        sink ^= jb.pull(i * 20 + 10).kind.length;
      },
    ),
  };
  console.log(
    `\nB. in process, fake socket (no syscalls), CPU µs per packet or per 20 ms frame (${N} per round)`,
  );
  console.log(
    `  ${pad('session path (recv+jitter+decode+echo+encode+send)', 52)} ${'µs/pkt'.padStart(8)} ${'calls/core'.padStart(11)}`,
  );
  for (const [k, v] of inProc)
    console.log(`  ${pad(k, 52)} ${fmt(v).padStart(8)} ${Math.round(calls(v)).toString().padStart(11)}`);
  console.log(`  stages:`);
  const row = (label: string, v: number, note = ''): void =>
    console.log(`    ${pad(label, 50)} ${fmt(v, 3).padStart(8)} ${note}`);
  row('parseRtpPacket', st.parse);
  row('jitter buffer push + pull (8 kHz clock, incl. parse)', st.jitter);
  row('jitter buffer push + pull (48 kHz clock, incl. parse)', st.opusJitter);
  row('writeRtpHeader', st.header);
  row('SRTP unprotect (AES-CM-128 + HMAC-SHA1-80, 160 B)', st.unprotect);
  row('SRTP protect', st.protect);
  row('  reference: node:crypto aes-128-ctr + hmac-sha1, 1 pkt', st.nodeCryptoSrtp, '(one direction)');
  row(
    'G.711 encode 160 samples (ours, tables)',
    st.g711enc,
    `alawmulaw ${fmt(st.alawmulawEnc, 3)} (${fmt(st.alawmulawEnc / st.g711enc, 1)}x ours)`,
  );
  row(
    'G.711 decode 160 bytes (ours, tables + PLC history)',
    st.g711dec,
    `alawmulaw ${fmt(st.alawmulawDec, 3)} (${fmt(st.alawmulawDec / st.g711dec, 1)}x ours)`,
  );
  row(
    '  of which decodeMuLaw table lookups only',
    st.tableDec,
    `alawmulaw ${fmt(st.alawmulawDec, 3)} (${fmt(st.alawmulawDec / st.tableDec, 1)}x ours)`,
  );
  row('in-band DTMF (Goertzel), 160 samples', st.goertzel, '(runs only without telephone-event)');
  row('Opus encode 20 ms 16 kHz c5 (ours)', st.opusEnc, `raw @discordjs/opus ${fmt(st.rawOpusEnc, 3)}`);
  row('Opus decode 20 ms 16 kHz (ours)', st.opusDec, `raw @discordjs/opus ${fmt(st.rawOpusDec, 3)}`);

  // ---- ratios ----
  const g711Sock = sock('PCMU').us;
  const g711SrtpSock = sock('PCMU+srtp').us;
  const opusSock = sock('opus').us;
  const opusSrtpSock = sock('opus+srtp').us;
  const rawOpusCalls = calls(st.rawOpusEnc + st.rawOpusDec);
  console.log('\nratios (same run)');
  console.log(
    `  G.711 path / raw dgram echo, per packet         = ${fmt(g711Sock / raw.us)}x  (target <= 2x: ${g711Sock / raw.us <= 2 ? 'met' : 'MISSED'})`,
  );
  console.log(`  G.711 + SRTP path / raw dgram echo             = ${fmt(g711SrtpSock / raw.us)}x`);
  console.log(
    `  Opus calls per core (real sockets, no SRTP)     = ${Math.round(calls(opusSock))}  (target 110: ${calls(opusSock) >= 110 ? 'met' : 'MISSED'})`,
  );
  console.log(`  Opus calls per core (real sockets, SRTP)        = ${Math.round(calls(opusSrtpSock))}`);
  console.log(
    `  raw libopus ceiling (enc + dec only)            = ${Math.round(rawOpusCalls)} calls/core; our Opus path reaches ${fmt((100 * calls(opusSock)) / rawOpusCalls, 0)}% of it`,
  );
  console.log(
    `  G.711 calls per core (real sockets)             = ${Math.round(calls(g711Sock))}; raw dgram echo ceiling = ${Math.round(calls(raw.us))}`,
  );
  if (sink === 42) console.log('');
}

if (process.argv[2] === 'child') runChild(process.argv[3] as ChildMode);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
