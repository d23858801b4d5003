/**
 * A minimal DTLS-SRTP/ICE echo UAS for the WebRTC interop tests, run as a child process
 * (inside the test's network namespace) with `node --import tsx echo-harness.ts`.
 * It answers one INVITE with prepareSecureMedia (ICE-lite, DTLS-SRTP, rtcp-mux), echoes
 * every decoded frame back through an RtpSession keyed from DTLS, and prints JSON lines
 * (`{"event": ...}`) on stdout. Env: HOST, SIP_PORT, RTP_PORT, optional TURN_SERVER
 * (host:port), TURN_USERNAME, TURN_PASSWORD (relay-only media through prepareSecureMedia's
 * `turn` option, as the daemon does), MAX_MS (default 60000).
 */
import { createSocket } from 'node:dgram';
import { UserAgent } from '../../../packages/sip-stack/src/index.js';
import { RtpSession, createCodec, prepareSecureMedia } from '../../../packages/rtp/src/index.js';

const host = process.env.HOST ?? '127.0.0.1';
const sipPort = Number(process.env.SIP_PORT);
const rtpPort = Number(process.env.RTP_PORT);
const maxMs = Number(process.env.MAX_MS ?? 60000);
const say = (event: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(JSON.stringify({ event, ...extra }) + '\n');
};

const hardStop = setTimeout(() => {
  say('timeout');
  process.exit(2);
}, maxMs);

async function main(): Promise<void> {
  const ua = new UserAgent({
    transports: [{ protocol: 'udp', host, port: sipPort }],
    userAgent: 'webrtc-echo-harness',
  });
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(rtpPort, host, resolve));
  const turn = process.env.TURN_SERVER
    ? {
        uri: `turn:${process.env.TURN_SERVER}`,
        username: process.env.TURN_USERNAME ?? '',
        password: process.env.TURN_PASSWORD ?? '',
      }
    : undefined;
  ua.on('invite', (inc) => {
    void (async () => {
      say('invite', { from: inc.from.uri, offer: inc.body.toString('utf8') });
      // The daemon's path: gather (TURN relay-only when configured) + ICE-lite + DTLS-SRTP.
      const r = await prepareSecureMedia(inc.body.toString('utf8'), socket, {
        local: { address: host, port: rtpPort, codecs: ['PCMU', 'PCMA'] },
        turn,
      });
      if (!r.ok) {
        say('refused', { status: r.status, reason: r.reason });
        inc.reject(r.status);
        return;
      }
      say('answer', { sdp: r.answerSdp, role: r.media.dtls?.role, ice: r.media.ice !== undefined });
      const dialog = await inc.accept({ body: Buffer.from(r.answerSdp), contentType: 'application/sdp' });
      const keys = await r.ready;
      say('dtls-connected', { suite: keys.suite, remote: r.transport.remote, nominated: r.ice?.nominated });
      if (r.relay) {
        say('turn-allocated', { relayed: r.relay.relayedAddress });
        // RFC 8656 §11: media to the nominated peer as 4-byte-header ChannelData from now on.
        const channel = await r.relay.channelBind(r.transport.remote);
        say('turn-channel', { channel, peer: r.transport.remote });
      }
      const codec = createCodec({ ...r.media.codec, fmtp: r.media.fmtp, frameMs: r.media.ptimeMs });
      const session = new RtpSession({
        sockets: { rtp: r.transport },
        remote: { address: r.transport.remote.address, port: r.transport.remote.port },
        payloadType: r.media.payloadType,
        codec: { ...codec, info: r.media.codec },
        ptimeMs: r.media.ptimeMs,
        rtcpMux: r.media.rtcpMux,
        srtp: keys,
        mediaTimeoutMs: 0,
      });
      let frames = 0;
      session.on('frame', (pcm) => {
        frames++;
        session.sendFrame(pcm);
      });
      session.on('first-packet', () => say('first-packet'));
      session.start();
      const finish = (): void => {
        const s = session.stats();
        say('stats', {
          frames,
          packetsReceived: s.packetsReceived,
          packetsSent: s.packetsSent,
          srtpFailures: s.srtpFailures,
        });
        session.close();
        r.close();
        socket.close();
        void ua.stop().finally(() => {
          clearTimeout(hardStop);
          say('done');
          process.exit(0);
        });
      };
      dialog.on('terminated', finish);
    })().catch((err: unknown) => {
      say('error', { message: String(err) });
    });
  });
  await ua.start();
  say('ready', { host, sipPort, rtpPort });
}

main().catch((err: unknown) => {
  say('error', { message: String(err) });
  process.exit(1);
});
