import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestMatch, readWav, rms } from '../helpers/audio.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { PROMPTS, runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { sleep, startProcess, stopAll, until, type Managed } from '../helpers/processes.js';
import { runSipp } from '../helpers/sipp.js';
import { cancelOrAckFor, header, parseWire, UdpPeer, type WireMessage } from '../helpers/sip-wire.js';
import { speechWav } from '../helpers/speech.js';

/**
 * IPv6 on the wire (issue #3: "IPv4 and IPv6"; "the RFC 5118 IPv6 cases ... The daemon must
 * answer each over the wire"). The built daemon listens on ::1 (or on `::`, dual-stack) and
 * real peers reach it over IPv6 loopback: sipp calls it over UDP and TCP with RTP echoed back,
 * it registers to Kamailio on [::1] with digest auth, and the RFC 5118 §4 torture messages are
 * sent to it byte for byte over UDP.
 */

interface CallEnded {
  msg: string;
  callId?: string;
  stats?: { packetsSent: number; packetsReceived: number; sendErrors: number };
}

/** The messages sipp received (`-trace_msg`), parsed. */
function sippReceived(file: string): WireMessage[] {
  return readFileSync(file, 'utf8')
    .split(/\n-{20,}[^\n]*\n/)
    .filter((b) => /message received/.test(b.split('\n')[0] ?? ''))
    .map((b) => parseWire(b.replace(/^[^\n]*\n\n/, '').replace(/\r?\n/g, '\r\n')));
}

/** The daemon's "call ended" log lines for calls whose Call-ID matches. */
function endedCalls(daemon: DaemonHandle, callId: RegExp): CallEnded[] {
  return (daemon.logs() as unknown as CallEnded[]).filter(
    (l) => /^call ended/.test(l.msg) && callId.test(String(l.callId)),
  );
}

const isInvite200 = (m: WireMessage): boolean =>
  m.status === 200 && /INVITE/.test(header(m.text, 'cseq') ?? '');

describe('IPv6: sipp calls the daemon listening on ::1', () => {
  const dir = runDir('ipv6-sipp');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(100, 60, { ipv6: true });
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 50,
      rtpPortMax: base + 99,
      env: { SIP_LISTEN_ADDRESS: '::1', LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  it('listens on UDP and TCP [::1]', async () => {
    const { body } = await daemon.get<{ listen: Array<{ protocol: string; host: string; port: number }> }>(
      '/sip/status',
    );
    expect(body.listen).toEqual(
      expect.arrayContaining([
        { protocol: 'udp', host: '::1', port: base },
        { protocol: 'tcp', host: '::1', port: base },
      ]),
    );
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`${transport.toUpperCase()}: 3 INVITE/200/ACK/BYE calls from [::1], 0 failed; the 200 offers c=IN IP6 ::1 and RTP flows both ways`, async () => {
      const offset = transport === 'udp' ? 0 : 1;
      const messages = join(dir, `${transport}-messages.log`);
      const r = await runSipp(
        [
          `[::1]:${base}`,
          '-i',
          '::1',
          '-p',
          String(base + 10 + offset),
          ...(transport === 'tcp' ? ['-t', 't1'] : []),
          '-sn',
          'uac',
          '-s',
          'echo',
          '-m',
          '3',
          '-l',
          '1',
          '-d',
          '2000',
          '-mp',
          String(base + 20 + 4 * offset),
          '-rtp_echo', // sipp sends back every RTP packet it receives on -mp
          '-trace_msg',
          '-message_file',
          messages,
        ],
        { dir, name: `ipv6-${transport}`, timeoutSec: 40 },
      );
      expect(r.exitCode, r.output.slice(-2000)).toBe(0);
      expect(r.successful).toBe(3);
      expect(r.failed).toBe(0);

      const oks = sippReceived(messages).filter(isInvite200);
      expect(oks).toHaveLength(3);
      for (const ok of oks) {
        const body = ok.text.split('\r\n\r\n')[1] ?? '';
        expect(body).toMatch(/^c=IN IP6 ::1\r?$/m);
        expect(body).toMatch(/^o=\S+ \d+ \d+ IN IP6 ::1\r?$/m);
        const port = Number(/^m=audio (\d+) /m.exec(body)?.[1]);
        expect(port).toBeGreaterThanOrEqual(base + 50);
        expect(port).toBeLessThanOrEqual(base + 99);
        expect(header(ok.text, 'contact')).toBe(
          transport === 'udp' ? `<sip:echo@[::1]:${base}>` : `<sip:echo@[::1]:${base};transport=tcp>`,
        );
      }

      // Each call: the daemon sent ~2 s of RTP to [::1] and got every packet echoed back.
      const callIds = new Set(oks.map((m) => header(m.text, 'call-id')));
      await until(
        () => endedCalls(daemon, /@::1$/).filter((l) => callIds.has(l.callId)).length === 3,
        5000,
        'three calls ended',
      );
      for (const l of endedCalls(daemon, /@::1$/).filter((c) => callIds.has(c.callId))) {
        expect(l.stats?.packetsSent).toBeGreaterThan(50);
        expect(l.stats?.packetsReceived).toBeGreaterThan(50);
        expect(l.stats?.sendErrors).toBe(0);
      }
    });
  }

  it('no call is left and the daemon is healthy', async () => {
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'active_calls 0',
    );
    expect((await daemon.get('/healthz')).status).toBe(200);
  });
});

describe('IPv6: a dual-stack daemon (SIP_LISTEN_ADDRESS=::)', () => {
  const dir = runDir('ipv6-dual');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(60, 60, { ipv6: true });
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 30,
      rtpPortMax: base + 59,
      env: { SIP_LISTEN_ADDRESS: '::', LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  it('takes a call from [::1] over UDP: c=IN IP6 ::1 and RTP both ways', async () => {
    const messages = join(dir, 'v6-messages.log');
    const r = await runSipp(
      [
        `[::1]:${base}`,
        '-i',
        '::1',
        '-p',
        String(base + 10),
        '-sn',
        'uac',
        '-s',
        'echo',
        '-m',
        '1',
        '-d',
        '2000',
        '-mp',
        String(base + 20),
        '-rtp_echo',
        '-trace_msg',
        '-message_file',
        messages,
      ],
      { dir, name: 'dual-v6', timeoutSec: 30 },
    );
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    expect(r.successful).toBe(1);
    const ok = sippReceived(messages).find(isInvite200);
    expect(ok?.text.split('\r\n\r\n')[1]).toMatch(/^c=IN IP6 ::1\r?$/m);
    const callId = header(ok!.text, 'call-id');
    await until(() => endedCalls(daemon, /@::1$/).find((l) => l.callId === callId), 5000, 'call ended');
    const ended = endedCalls(daemon, /@::1$/).find((l) => l.callId === callId);
    expect(ended?.stats?.packetsReceived).toBeGreaterThan(50);
    expect(ended?.stats?.sendErrors).toBe(0);
  });

  it('also answers IPv4 on the same socket: a call from 127.0.0.1 completes (signalling)', async () => {
    const r = await runSipp(
      [
        `127.0.0.1:${base}`,
        '-i',
        '127.0.0.1',
        '-p',
        String(base + 11),
        '-sn',
        'uac',
        '-s',
        'echo',
        '-m',
        '2',
        '-l',
        '1',
        '-d',
        '500',
        '-mp',
        String(base + 24),
      ],
      { dir, name: 'dual-v4', timeoutSec: 30 },
    );
    expect(r.exitCode, r.output.slice(-2000)).toBe(0);
    expect(r.successful).toBe(2);
    expect(r.failed).toBe(0);
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'active_calls 0',
    );
  });
});

/**
 * A UDP relay on [::1]: what the daemon sends to `listenPort` goes on to `upstreamPort` from
 * the relay's own port `relayPort`, and what comes back goes to the daemon. Kamailio then sees
 * the REGISTER come from [::1]:relayPort, not from the Via sent-by port: it must stamp
 * `received`/`rport` (RFC 3581 §4) and answer there; the relay records both directions.
 */
class Ipv6Relay {
  readonly seen: Array<{ dir: 'up' | 'down'; text: string }> = [];
  private client: { address: string; port: number } | undefined;
  private constructor(
    private readonly front: UdpSocket,
    private readonly back: UdpSocket,
    upstreamPort: number,
  ) {
    front.on('message', (m, r) => {
      this.client = { address: r.address, port: r.port };
      this.seen.push({ dir: 'up', text: m.toString('latin1') });
      back.send(m, upstreamPort, '::1');
    });
    back.on('message', (m) => {
      this.seen.push({ dir: 'down', text: m.toString('latin1') });
      if (this.client) front.send(m, this.client.port, this.client.address);
    });
  }

  static async start(listenPort: number, relayPort: number, upstreamPort: number): Promise<Ipv6Relay> {
    const bind = (port: number): Promise<UdpSocket> =>
      new Promise((resolve, reject) => {
        const s = createSocket('udp6');
        s.once('error', reject);
        s.bind(port, '::1', () => resolve(s));
      });
    return new Ipv6Relay(await bind(listenPort), await bind(relayPort), upstreamPort);
  }

  close(): void {
    this.front.close();
    this.back.close();
  }
}

describe('IPv6: registration to Kamailio on [::1] with digest auth', () => {
  const dir = runDir('ipv6-registration');
  let base = 0;
  let kamailio: Kamailio;

  beforeAll(async () => {
    base = await freePortBlock(40, 60, { ipv6: true });
    kamailio = await startKamailio({ dir, port: base, users: { voice: 'voicepw' }, ipv6: true });
  });
  afterAll(stopAll);

  interface Status {
    status: string;
    sip_server: string;
    accounts: Array<{ status: string; transport: string; expires_sec: number | null }>;
  }

  const register = (name: string, port: number, env: Record<string, string>): Promise<DaemonHandle> =>
    startDaemon({
      dir,
      name,
      sipPort: port,
      httpPort: port + 1,
      rtpPortMin: base + 30,
      rtpPortMax: base + 39,
      env: {
        SIP_LISTEN_ADDRESS: '::1',
        SIP_SERVER: '::1',
        SIP_PORT: String(kamailio.port),
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_DOMAIN: 'localhost',
        LOG_LEVEL: 'info',
        ...env,
      },
    });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`over ${transport.toUpperCase()}: 401 challenge answered, /sip/status connected, Contact [::1] saved`, async () => {
      const port = base + (transport === 'udp' ? 2 : 4);
      const daemon = await register(`daemon-${transport}`, port, { SIP_TRANSPORT: transport });
      try {
        await daemon.waitLog(/^SIP registration successful$/, 15_000);
        const { body } = await daemon.get<Status>('/sip/status');
        expect(body).toMatchObject({ status: 'connected', sip_server: '::1' });
        expect(body.accounts[0]).toMatchObject({ status: 'connected', transport, expires_sec: 300 });
        const saved = new RegExp(
          `REGISTER sip:voice@localhost OK \\(contact <sip:voice@\\[::1\\]:${port}${transport === 'tcp' ? ';transport=tcp' : ''}>`,
        );
        await kamailio.proc.waitFor(saved, 5000);
        expect(kamailio.proc.output()).toMatch(
          new RegExp(`REGISTER sip:voice@localhost from ::1:\\d+: auth failed/absent`),
        );
        expect((await daemon.get('/readyz')).status).toBe(200);
        // un-REGISTER on shutdown, exit 0
        expect(await daemon.stop()).toBe(0);
      } finally {
        await daemon.stop();
      }
    });
  }

  it('behind a relay (source port != Via port): the replies carry received=::1 and rport=<relay port>, and the daemon registers', async () => {
    const relay = await Ipv6Relay.start(base + 10, base + 11, kamailio.port);
    const port = base + 6;
    const daemon = await register('daemon-relay', port, { SIP_PORT: String(base + 10) });
    try {
      await daemon.waitLog(/^SIP registration successful$/, 15_000);
      expect((await daemon.get<Status>('/sip/status')).body.status).toBe('connected');
      const up = relay.seen.filter((m) => m.dir === 'up' && m.text.startsWith('REGISTER '));
      const down = relay.seen.filter((m) => m.dir === 'down').map((m) => parseWire(m.text));
      expect(up.length).toBeGreaterThanOrEqual(2);
      // The daemon's Via: its own [::1]:port, with an empty rport (RFC 3581 §3).
      for (const m of up)
        expect(header(m.text, 'via')).toMatch(
          new RegExp(`^SIP/2\\.0/UDP \\[::1\\]:${port};branch=z9hG4bK\\S*;rport$`),
        );
      expect(down.map((m) => m.status)).toEqual(expect.arrayContaining([401, 200]));
      for (const m of down) {
        const via = header(m.text, 'via') ?? '';
        expect(via).toMatch(new RegExp(`;rport=${base + 11}(;|$)`));
        expect(via).toMatch(/;received=\[?::1\]?(;|$)/);
      }
    } finally {
      await daemon.stop();
      relay.close();
    }
  });
});

/**
 * RFC 5118 §4 "SIP Torture Test Messages for IPv6", sent byte for byte over UDP from [::1]
 * to the daemon on [::1]. The messages are the RFC's, except that the three Content-Length
 * values the RFC prints for its SDP bodies (268, 181, 236) do not match those bodies (251,
 * 189, 245 bytes with CRLF line ends): here they are computed, as the RFC intends these
 * messages to be valid (RFC 3261 §18.3 would otherwise make them 400s or truncate them).
 *
 * Where the responses go: RFC 3261 §18.2.2 to the Via `received` address (::1: the sent-by
 * hosts are 2001:db8:: documentation addresses) at the sent-by port, 5060 when absent. So a
 * peer is bound on [::1] at 5060, 6050 (§4.7) and 19823 (§4.9).
 *
 * Several messages share a transaction key (RFC 3261 §17.2.3: branch z9hG4bKas3-111, sent-by
 * [2001:db8::9:1], method REGISTER for §4.1-4.4): a conforming daemon absorbs the second as a
 * retransmission of the first. The daemon runs with T1 = 50 ms, so a non-INVITE server
 * transaction ends after Timer J = 64*T1 = 3.2 s; each message that shares a key with an
 * earlier one waits that out, and its answer is checked to be a fresh one (a new To tag).
 */
const CRLF = '\r\n';
function message(head: string[], body?: string[]): string {
  const content = body ? body.join(CRLF) + CRLF : '';
  const lines = body
    ? [...head, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(content)}`]
    : [...head, 'Content-Length: 0'];
  return lines.join(CRLF) + CRLF + CRLF + content;
}
const register5118 = (ruri: string): string =>
  message([
    `REGISTER ${ruri} SIP/2.0`,
    'To: sip:user@example.com',
    'From: sip:user@example.com;tag=81x2',
    'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
    'Call-ID: SSG9559905523997077@hlau_4100',
    'Max-Forwards: 70',
    'Contact: "Caller" <sip:caller@[2001:db8::1]>',
    'CSeq: 98176 REGISTER',
  ]);

interface Rfc5118Case {
  readonly name: string;
  readonly section: string;
  readonly text: string;
  /** The final response expected, and why (what RFC 5118 / RFC 3261 prescribe for a UA). */
  readonly status: number;
  readonly why: string;
  /** Port the response is routed to (the top Via's sent-by port). */
  readonly port: number;
  /** A valid INVITE that rings: CANCEL it (200, then 487) and ACK. */
  readonly rings?: boolean;
  /** Shares its transaction key with an earlier case: wait for Timer J first. */
  readonly afterTimerJ?: boolean;
}

const RFC5118: Rfc5118Case[] = [
  {
    name: 'ipv6-bad',
    section: '4.2',
    text: register5118('sip:2001:db8::10'),
    status: 400,
    why: 'an IPv6 reference without brackets in the Request-URI is invalid: 400',
    port: 5060,
  },
  {
    name: 'ipv6-good',
    section: '4.1',
    text: register5118('sip:[2001:db8::10]'),
    status: 405,
    why: 'valid; a REGISTER to a UA that is no registrar: 405 with Allow (RFC 3261 §8.2.1)',
    port: 5060,
    afterTimerJ: true,
  },
  {
    name: 'port-ambiguous',
    section: '4.3',
    text: register5118('sip:[2001:db8::10:5070]'),
    status: 405,
    why: 'valid ([2001:db8::10:5070] is an address without a port): processed, 405',
    port: 5060,
    afterTimerJ: true,
  },
  {
    name: 'port-unambiguous',
    section: '4.4',
    text: register5118('sip:[2001:db8::10]:5070'),
    status: 405,
    why: 'valid (port 5070 outside the brackets): processed, 405',
    port: 5060,
    afterTimerJ: true,
  },
  {
    name: 'via-received-param-with-delim',
    section: '4.5',
    text: message([
      'BYE sip:[2001:db8::10] SIP/2.0',
      'To: sip:user@example.com;tag=bd76ya',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111',
      'Call-ID: SSG9559905523997077@hlau_4100',
      'Max-Forwards: 70',
      'CSeq: 321 BYE',
    ]),
    status: 481,
    why: 'valid (received=[...] with delimiters is accepted); a BYE for no dialog: 481',
    port: 5060,
  },
  {
    name: 'via-received-param-no-delim',
    section: '4.5',
    text: message([
      'OPTIONS sip:[2001:db8::10] SIP/2.0',
      'To: sip:user@example.com',
      'From: sip:user@example.com;tag=81x2',
      'Via: SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3',
      'Call-ID: SSG95523997077@hlau_4100',
      'Max-Forwards: 70',
      'Contact: "Caller" <sip:caller@[2001:db8::9:1]>',
      'CSeq: 921 OPTIONS',
    ]),
    status: 200,
    why: 'valid (received=2001:db8::9:255 without delimiters): OPTIONS 200',
    port: 5060,
  },
  {
    name: 'ipv6-in-sdp',
    section: '4.6',
    text: message(
      [
        'INVITE sip:user@[2001:db8::10] SIP/2.0',
        'To: sip:user@[2001:db8::10]',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::20];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "Caller" <sip:caller@[2001:db8::20]>',
        'CSeq: 8612 INVITE',
        'Max-Forwards: 70',
      ],
      [
        'v=0',
        'o=assistant 971731711378798081 0 IN IP6 2001:db8::20',
        "s=Live video feed for today's meeting",
        'c=IN IP6 2001:db8::20',
        't=3338481189 3370017201',
        'm=audio 6000 RTP/AVP 2',
        'a=rtpmap:2 G726-32/8000',
        'm=video 6024 RTP/AVP 107',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    status: 488,
    why: 'valid, IPv6 in the SDP; the offer (G726-32 audio, H.263 video) has no codec we take: 488 (RFC 3261 §13.3.1.3)',
    port: 5060,
  },
  {
    name: 'mult-ip-in-header',
    section: '4.7',
    text: message([
      'BYE sip:user@host.example.net SIP/2.0',
      'Via: SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144',
      'Via: SIP/2.0/TCP [2001:db8::9:255];branch=z9hG4bK451jj;received=192.0.2.200',
      'Call-ID: 997077@lau_4100',
      'Max-Forwards: 70',
      'CSeq: 89187 BYE',
      'To: sip:user@example.net;tag=9817--94',
      'From: sip:user@example.com;tag=81x2',
    ]),
    status: 481,
    why: 'valid (IPv6 and IPv4 Vias); a BYE for no dialog: 481, to the top Via port 6050',
    port: 6050,
  },
  {
    name: 'mult-ip-in-sdp',
    section: '4.8',
    text: message(
      [
        'INVITE sip:user@[2001:db8::10] SIP/2.0',
        'To: sip:user@[2001:db8::10]',
        'From: sip:user@example.com;tag=81x2',
        'Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "Caller" <sip:caller@[2001:db8::9:1]>',
        'Max-Forwards: 70',
        'CSeq: 8912 INVITE',
      ],
      [
        'v=0',
        'o=bob 280744730 28977631 IN IP4 host.example.com',
        's=',
        't=0 0',
        'm=audio 22334 RTP/AVP 0',
        'c=IN IP4 192.0.2.1',
        'm=video 6024 RTP/AVP 107',
        'c=IN IP6 2001:db8::1',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    status: 487,
    why: 'valid (PCMU audio on IPv4, video on IPv6): processed, rings; CANCEL -> 487',
    port: 5060,
    rings: true,
  },
  {
    name: 'ipv4-mapped-ipv6',
    section: '4.9',
    text: message(
      [
        'INVITE sip:user@example.com SIP/2.0',
        'To: sip:user@example.com',
        'From: sip:user@east.example.com;tag=81x2',
        'Via: SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19',
        'Via: SIP/2.0/UDP [::ffff:192.0.2.2];branch=z9hG4bKas3-111',
        'Call-ID: SSG9559905523997077@hlau_4100',
        'Contact: "T. desk phone" <sip:ted@[::ffff:192.0.2.2]>',
        'CSeq: 612 INVITE',
        'Max-Forwards: 70',
      ],
      [
        'v=0',
        'o=assistant 971731711378798081 0 IN IP6 ::ffff:192.0.2.2',
        's=Call me soon, please!',
        'c=IN IP6 ::ffff:192.0.2.2',
        't=3338481189 3370017201',
        'm=audio 6000 RTP/AVP 2',
        'a=rtpmap:2 G726-32/8000',
        'm=video 6024 RTP/AVP 107',
        'a=rtpmap:107 H263-1998/90000',
      ],
    ),
    status: 488,
    why: 'valid (IPv4-mapped IPv6 in Via, Contact, SDP); G726-32/H.263 only: 488, to port 19823',
    port: 19823,
  },
  {
    name: 'ipv6-correct-abnf-2-colons',
    section: '4.10',
    text: message([
      'OPTIONS sip:user@[2001:db8::192.0.2.1] SIP/2.0',
      'To: sip:user@[2001:db8::192.0.2.1]',
      'From: sip:user@example.com;tag=810x2',
      'Via: SIP/2.0/UDP lab1.east.example.com;branch=z9hG4bKas3-111',
      'Call-ID: G9559905523997077@hlau_4100',
      'CSeq: 689 OPTIONS',
      'Max-Forwards: 70',
    ]),
    status: 200,
    why: 'valid (IPv4 in an IPv6 reference, RFC 4291 form): OPTIONS 200',
    port: 5060,
  },
];

describe('RFC 5118 IPv6 torture messages over UDP on [::1] to the daemon', () => {
  const dir = runDir('ipv6-rfc5118');
  let base = 0;
  let daemon: DaemonHandle;
  let peer: UdpPeer;
  const T1_MS = 50;
  const TIMER_J_MS = 64 * T1_MS;
  /** To tags of the answers so far: a fresh answer has a new one. */
  const toTags: string[] = [];

  beforeAll(async () => {
    base = await freePortBlock(24, 60, { ipv6: true });
    const cfg = join(dir, 'rfc5118.yaml');
    writeFileSync(cfg, `sip:\n  t1_ms: ${T1_MS}\n`);
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 4,
      rtpPortMax: base + 23,
      args: ['--config', cfg],
      // ring 4 s before answering (the valid INVITE is CANCELled); never hang up for lack of RTP
      env: { SIP_LISTEN_ADDRESS: '::1', SIP_ANSWER_DELAY_MS: '4000', RTP_MEDIA_TIMEOUT_SEC: '0' },
    });
    // the first port sends; 5060, 6050 and 19823 are where the Vias route the answers
    peer = await UdpPeer.bind('::1', [base + 2, 5060, 6050, 19823]);
  });
  afterAll(async () => {
    peer?.close();
    await daemon?.stop();
    await stopAll();
  });

  const finalOf = (got: WireMessage[], method: string): WireMessage | undefined =>
    got.find((m) => (m.status ?? 0) >= 200 && new RegExp(method).test(header(m.text, 'cseq') ?? ''));

  for (const c of RFC5118) {
    it(`§${c.section} ${c.name}: ${c.status}: ${c.why}`, async () => {
      if (c.afterTimerJ) await sleep(TIMER_J_MS + 400);
      peer.received.length = 0;
      await peer.send(c.text, base);
      const method = c.text.split(' ')[0]!;
      if (c.rings) {
        const got = await peer.collect(3000, (r) => r.some((m) => m.status === 180), 0);
        expect(got.map((m) => m.status)).toContain(180);
        expect(finalOf(got, method)).toBeUndefined();
        await peer.send(cancelOrAckFor(c.text, 'CANCEL'), base);
      }
      const got = await peer.collect(3000, (r) => finalOf(r, method) !== undefined, 200);
      const final = finalOf(got, method);
      expect(final?.status, got.map((m) => m.text.split('\r\n')[0]).join(' | ')).toBe(c.status);
      // routed per RFC 3261 §18.2.2: received=::1 stamped on the top Via, kept intact
      const via = header(final!.text, 'via') ?? '';
      expect(via).toMatch(/;received=\[?::1\]?(;|$)/);
      expect(header(final!.text, 'call-id')).toBe(header(c.text, 'call-id'));
      if (c.status === 405) expect(header(final!.text, 'allow')).toMatch(/INVITE/);
      if (c.rings)
        expect(
          got.find((m) => m.status === 200 && /CANCEL/.test(header(m.text, 'cseq') ?? '')),
          'the CANCEL is answered 200',
        ).toBeDefined();
      // The answer is the daemon's own to this message, not a retransmitted earlier one.
      const tag = /;tag=([^;\s]+)/.exec(header(final!.text, 'to') ?? '')?.[1];
      if (c.afterTimerJ) expect(toTags).not.toContain(tag);
      if (tag) toTags.push(tag);
      // ACK a non-2xx final answer to an INVITE (RFC 3261 §17.1.1.3), or it is retransmitted.
      if (method === 'INVITE') await peer.send(cancelOrAckFor(c.text, 'ACK', final!.text), base);
    });
  }

  it('answers an IPv6 source per RFC 3581: rport=<source port> and received=::1, sent to the source port', async () => {
    const rp = await UdpPeer.bind('::1', [0]);
    try {
      const id = `v6rport${Date.now()}`;
      await rp.send(
        [
          `OPTIONS sip:echo@[::1]:${base} SIP/2.0`,
          `Via: SIP/2.0/UDP [2001:db8::9:1]:5099;branch=z9hG4bK${id};rport`,
          `From: <sip:probe@[2001:db8::9:1]>;tag=${id}`,
          `To: <sip:echo@[::1]:${base}>`,
          `Call-ID: ${id}`,
          'CSeq: 1 OPTIONS',
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join(CRLF),
        base,
      );
      const got = await rp.collect(2000, (r) => r.some((m) => m.status === 200), 0);
      expect(got.map((m) => m.status)).toEqual([200]);
      const via = header(got[0]!.text, 'via') ?? '';
      expect(via).toMatch(/^SIP\/2\.0\/UDP \[2001:db8::9:1\]:5099;/);
      expect(via).toMatch(new RegExp(`;rport=${rp.port}(;|$)`));
      expect(via).toMatch(/;received=\[?::1\]?(;|$)/);
    } finally {
      rp.close();
    }
  });

  it('after the set: the daemon is alive and no call is left', async () => {
    expect((await daemon.get('/healthz')).status).toBe(200);
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      8000,
      'active_calls 0',
    );
    expect(daemon.proc.child.exitCode).toBeNull();
  });
});

/**
 * baresip as a phone on [::1] (SIP and RTP over IPv6; `net_interface ::1`), driven over
 * ctrl_tcp (on 127.0.0.1: only the control channel). test/helpers/baresip.ts binds 127.0.0.1,
 * so this suite writes its own minimal configuration.
 */
async function startBaresipV6(opts: {
  dir: string;
  sipPort: number;
  ctrlPort: number;
  rtpPort: number;
  sourceWav: string;
}): Promise<{
  proc: Managed;
  events: string[];
  dial(uri: string): void;
  recordings(): { enc: string; dec: string };
}> {
  mkdirSync(opts.dir, { recursive: true });
  writeFileSync(
    join(opts.dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen [::1]:${opts.sipPort}`,
      'net_interface ::1',
      'audio_player alsa,null',
      'audio_alert alsa,null',
      `audio_source aufile,${opts.sourceWav}`,
      'module_path /usr/lib/baresip/modules',
      ...['g711.so', 'aufile.so', 'alsa.so', 'sndfile.so'].map((m) => `module ${m}`),
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${opts.ctrlPort}`,
      `snd_path ${opts.dir}`,
      `rtp_ports ${opts.rtpPort}-${opts.rtpPort + 19}`,
      'answermode manual',
      '',
    ].join('\n'),
  );
  writeFileSync(join(opts.dir, 'accounts'), '<sip:alice@[::1]>;regint=0;audio_codecs=PCMU/8000/1\n');
  const proc = startProcess('baresip-v6', 'baresip', ['-f', opts.dir], {
    logFile: join(opts.dir, 'baresip.log'),
  });
  await proc.waitFor(/baresip is ready/, 10_000);
  const sock = await until(
    () =>
      new Promise<ReturnType<typeof connect> | undefined>((resolve) => {
        const c = connect(opts.ctrlPort, '127.0.0.1');
        c.once('connect', () => resolve(c));
        c.once('error', () => resolve(undefined));
      }),
    5000,
    'baresip ctrl_tcp',
  );
  const events: string[] = [];
  let buf = '';
  sock.on('data', (d) => {
    buf += d.toString('utf8');
    // netstrings: "<len>:<json>,"
    for (let m = /^(\d+):/.exec(buf); m; m = /^(\d+):/.exec(buf)) {
      const len = Number(m[1]);
      const start = m[0].length;
      if (buf.length < start + len + 1) break;
      const msg = JSON.parse(buf.slice(start, start + len)) as { event?: boolean; type?: string };
      if (msg.event) events.push(String(msg.type));
      buf = buf.slice(start + len + 1);
    }
  });
  proc.exited.then(
    () => sock.destroy(),
    () => sock.destroy(),
  );
  return {
    proc,
    events,
    dial(uri) {
      const json = JSON.stringify({ command: 'dial', params: uri, token: 'dial' });
      sock.write(`${Buffer.byteLength(json)}:${json},`);
    },
    recordings() {
      const files = readdirSync(opts.dir).filter((f) => f.startsWith('dump-'));
      const pick = (kind: string): string =>
        join(
          opts.dir,
          files
            .filter((f) => f.endsWith(`-${kind}.wav`))
            .sort()
            .pop() ?? 'missing',
        );
      return { enc: pick('enc'), dec: pick('dec') };
    },
  };
}

describe('IPv6: baresip calls the daemon on [::1] (PCMU): greeting heard, own speech echoed back', () => {
  const dir = runDir('ipv6-baresip');
  let base = 0;
  let daemon: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(80, 60, { ipv6: true });
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 40,
      rtpPortMax: base + 59,
      env: { SIP_LISTEN_ADDRESS: '::1', LOG_LEVEL: 'info' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  it('audio flows both ways over IPv6', async () => {
    const SPEECH =
      'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. ' +
      'Peter Piper picked a peck of pickled peppers. How much wood would a woodchuck chuck.';
    // The greeting lasts ~11 s; the caller talks for 18 s, then baresip hangs up.
    const source = speechWav(dir, 'caller', SPEECH, 8000, 18);
    const phone = await startBaresipV6({
      dir: join(dir, 'baresip'),
      sipPort: base + 4,
      ctrlPort: base + 6,
      rtpPort: base + 60,
      sourceWav: source,
    });
    try {
      phone.dial(`sip:echo@[::1]:${base}`);
      await until(() => phone.events.includes('CALL_ESTABLISHED'), 10_000, 'call established');
      const status = await until(
        async () => {
          const r = await daemon.get<{ calls: Array<{ state: string; codec: string; remote?: unknown }> }>(
            '/sip/status',
          );
          return r.body.calls[0]?.state === 'active' ? r.body.calls[0] : undefined;
        },
        5000,
        'call active',
      );
      expect(status.codec).toBe('PCMU');
      await until(() => phone.events.includes('CALL_CLOSED'), 30_000, 'baresip hangs up', 200);
      await until(() => endedCalls(daemon, /./).length === 1, 5000, 'call ended');
    } finally {
      await phone.proc.stop();
    }
    // The daemon got ~18 s of RTP from [::1] and sent as much; baresip said where from.
    const ended = endedCalls(daemon, /./)[0];
    expect(ended?.stats?.packetsReceived).toBeGreaterThan(600);
    expect(ended?.stats?.packetsSent).toBeGreaterThan(600);
    expect(ended?.stats?.sendErrors).toBe(0);
    expect(phone.proc.output()).toMatch(/incoming rtp for 'audio' established, receiving from \[::1\]:\d+/);

    const { enc, dec } = phone.recordings();
    const sent = readWav(enc).samples;
    const heard = readWav(dec).samples;
    const rate = 8000;
    // the daemon -> baresip direction: the greeting's start is what the caller heard first
    const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
    const g = bestMatch(greeting.subarray(rate * 0.5, rate * 2.5), heard, 0, rate * 3);
    expect(g.corr, `greeting correlation ${g.corr.toFixed(3)} at lag ${g.lag}`).toBeGreaterThan(0.8);
    // baresip -> daemon -> baresip: what the caller said after the greeting comes back (echo).
    // One-second windows at 12..16 s, each searched around the same moment in what was heard
    // (the decode dump skips lost frames, so its timeline drifts a little): most must match;
    // a scheduling hiccup on a loaded machine can spoil one window.
    const matches = [12, 13, 14, 15, 16].map((t) => {
      const segment = sent.subarray(rate * t, rate * (t + 1));
      return rms(segment) > 300 ? bestMatch(segment, heard, rate * (t - 2), rate * (t + 1)).corr : NaN;
    });
    expect(matches.filter((c) => !Number.isNaN(c)).length, 'speech in the windows').toBeGreaterThanOrEqual(3);
    expect(
      matches.filter((c) => c > 0.8).length,
      `echo correlations ${matches.map((c) => c.toFixed(3)).join(' ')}`,
    ).toBeGreaterThanOrEqual(3);
  });
});
