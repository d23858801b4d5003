import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir, SHARED } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { sleep, stopAll, until } from '../helpers/processes.js';
import {
  cancelOrAckFor,
  header,
  optionsRequest,
  TcpPeer,
  UdpPeer,
  type WireMessage,
} from '../helpers/sip-wire.js';

/**
 * RFC 4475 (SIP torture test messages) and RFC 5118 (IPv6 torture cases) over the wire:
 * every message is sent byte for byte over UDP to the running daemon, and what comes back
 * is checked against RFC 4475 §3. The unit-level table is
 * packages/sip-stack/src/message/rfc4475.test.ts; here the UA core and the call manager
 * decide (a valid INVITE rings, an in-dialog request without a dialog gets 481, a REGISTER
 * to a UA that is no registrar gets 405).
 *
 * Where do the responses go? RFC 3261 §18.2.2: over UDP to the Via `received` address
 * (added because the sent-by host differs from the source, §18.2.1) at the sent-by port,
 * 5060 when absent. So each message is sent from its own loopback address 127.R.R.n bound
 * on the Via port(s) (5060, and 5050 for quotbal), and the responses arrive there.
 *
 * The torture INVITEs offer media at 192.0.2.x (this machine's own network here): the
 * daemon rings (SIP_ANSWER_DELAY_MS) and every ringing INVITE is CANCELled, so no RTP is
 * ever sent anywhere (RFC 3261 §9: 200 to the CANCEL, 487 to the INVITE, ACK for the 487).
 */

const DIR = join(SHARED, 'conformance/rfc4475');

type Outcome =
  | { kind: 'status'; status: number | number[]; headers?: Record<string, RegExp> }
  /** A valid INVITE that the daemon processes: 1xx (180 ringing), then our CANCEL -> 487. */
  | { kind: 'call' }
  /** Nothing at all comes back (malformed or stray responses are discarded). */
  | { kind: 'none' };

interface Case {
  readonly section: string;
  readonly outcome: Outcome;
  readonly why: string;
  /** A known deviation: the assertion fails today (it.fails), with the bug described. */
  readonly bug?: string;
  /**
   * `b`: sent to a second daemon. RFC 4475 reuses Via branch + sent-by + method across
   * messages (cparam01/cparam02, escnull/regescrt, unkscm/novelsc): RFC 3261 §17.2.3 makes
   * the second one a retransmission of the first's server transaction, which a conforming
   * daemon absorbs (re-sending the first's response to the first's address).
   */
  readonly lane?: 'b';
}

const st = (status: number | number[], headers?: Record<string, RegExp>): Outcome => ({
  kind: 'status',
  status,
  headers,
});
const CALL: Outcome = { kind: 'call' };
const NONE: Outcome = { kind: 'none' };

const CASES: Record<string, Case> = {
  // §3.1.1 valid messages
  wsinv: {
    section: '3.1.1.1',
    outcome: st(481),
    why: 'valid INVITE, but its To carries a tag: no such dialog (RFC 3261 §12.2.2)',
  },
  intmeth: {
    section: '3.1.1.2',
    outcome: st(501),
    why: 'valid, unknown method: 501 (RFC 3261 §8.2.1, §21.5.2)',
  },
  esc01: { section: '3.1.1.3', outcome: CALL, why: 'valid INVITE with SDP: processed (rings)' },
  escnull: {
    section: '3.1.1.4',
    outcome: st(405, { allow: /INVITE/ }),
    why: 'valid REGISTER; the daemon is no registrar: 405 with Allow (RFC 3261 §8.2.1)',
  },
  esc02: { section: '3.1.1.5', outcome: st(501), why: 'method RE%47IST%45R is not REGISTER: unknown, 501' },
  lwsdisp: { section: '3.1.1.6', outcome: st(200), why: 'valid OPTIONS: 200' },
  longreq: {
    section: '3.1.1.7',
    outcome: CALL,
    why: 'valid INVITE (long values, 30+ Vias): processed (rings)',
  },
  dblreq: {
    section: '3.1.1.8',
    outcome: st(405),
    why: 'one REGISTER (the INVITE after Content-Length is noise, RFC 3261 §18.3): exactly one answer, to the REGISTER',
  },
  semiuri: { section: '3.1.1.9', outcome: st(200), why: 'valid OPTIONS: 200' },
  transports: {
    section: '3.1.1.10',
    outcome: st(200),
    why: 'valid OPTIONS with unusual Via transports: 200',
  },
  mpart01: {
    section: '3.1.1.11',
    outcome: st([200, 202, 405, 415]),
    why: 'valid MESSAGE with a multipart body: answered (accepted, or refused cleanly)',
  },
  unreason: {
    section: '3.1.1.12',
    outcome: NONE,
    why: 'a valid 200 response matching nothing: absorbed, never answered',
  },
  noreason: { section: '3.1.1.13', outcome: NONE, why: 'a valid 100 response matching nothing: absorbed' },

  // §3.1.2 invalid messages
  badinv01: {
    section: '3.1.2.1',
    outcome: st(400),
    why: 'Via ";;,;,," and Contact ";;;;": "should respond with a 400 Bad Request error"',
  },
  clerr: {
    section: '3.1.2.2',
    outcome: st(400),
    why: 'Content-Length larger than the datagram: 400 (RFC 3261 §18.3)',
  },
  ncl: { section: '3.1.2.3', outcome: st(400), why: 'Content-Length: -999: 400' },
  scalar02: { section: '3.1.2.4', outcome: st(400), why: 'CSeq number > 2**32-1: 400' },
  scalarlg: {
    section: '3.1.2.5',
    outcome: NONE,
    why: 'malformed response (overlarge CSeq, Expires): dropped',
  },
  quotbal: {
    section: '3.1.2.6',
    outcome: st(400),
    why: 'unterminated quoted string in To: 400 (to Via port 5050)',
  },
  ltgtruri: { section: '3.1.2.7', outcome: st(400), why: '<sip:...> as Request-URI: 400' },
  lwsruri: { section: '3.1.2.8', outcome: st(400), why: 'LWS inside the Request-URI: 400' },
  lwsstart: {
    section: '3.1.2.9',
    outcome: st(400),
    why: 'several SP in the request line: 400 (the RFC allows rejecting)',
  },
  trws: { section: '3.1.2.10', outcome: st(400), why: 'SP after SIP/2.0: 400 (the RFC allows rejecting)' },
  escruri: {
    section: '3.1.2.11',
    outcome: st(400),
    why: '?Route= in the Request-URI: 400 ("acceptable" per the RFC)',
  },
  baddate: {
    section: '3.1.2.12',
    outcome: CALL,
    why: 'non-GMT Date is unimportant to a UA: processed (rings)',
  },
  regbadct: { section: '3.1.2.13', outcome: st(400), why: 'Contact addr-spec with ? outside <>: 400' },
  badaspec: { section: '3.1.2.14', outcome: st(400), why: '"< sip:... >" in To: 400' },
  baddn: { section: '3.1.2.15', outcome: st(400), why: 'unquoted display name with a comma: 400' },
  badvers: { section: '3.1.2.16', outcome: st(505), why: 'SIP/7.0: 505 Version Not Supported' },
  mismatch01: { section: '3.1.2.17', outcome: st(400), why: 'method OPTIONS vs CSeq INVITE: 400' },
  mismatch02: {
    section: '3.1.2.18',
    outcome: st(501),
    why: 'NEWMETHOD vs CSeq INVITE: 501 (the RFC prefers it)',
  },
  bigcode: { section: '3.1.2.19', outcome: NONE, why: 'response code 4294967301: dropped' },

  // §3.2 transaction layer
  badbranch: { section: '3.2.1', outcome: st(400), why: 'branch=z9hG4bK alone: 400' },

  // §3.3 application layer
  insuf: {
    section: '3.3.1',
    outcome: st(400),
    why: 'no Call-ID, From, To: "Ideally, it will respond with a 400 Bad Request error"',
  },
  unkscm: { section: '3.3.2', outcome: st(416), why: 'unknown Request-URI scheme: 416' },
  novelsc: { section: '3.3.3', outcome: st(416), why: 'soap.beep: Request-URI: 416', lane: 'b' },
  unksm2: {
    section: '3.3.4',
    outcome: st(405),
    why: 'REGISTER with an isbn: To to a UA that is no registrar: 405',
  },
  bext01: {
    section: '3.3.5',
    outcome: st(420, { unsupported: /nothingSupportsThis\s*,\s*nothingSupportsThisEither/ }),
    why: 'Require of unknown tags: 420 listing both in Unsupported (RFC 3261 §8.2.2.3)',
  },
  invut: {
    section: '3.3.6',
    outcome: st(415, { accept: /application\/sdp/ }),
    why: 'body of unknown type application/unknownformat: 415 with Accept: application/sdp (RFC 3261 §8.2.3)',
  },
  regaut01: {
    section: '3.3.7',
    outcome: st(405),
    why: 'REGISTER with an unknown Authorization scheme, to a UA: 405',
  },
  multi01: { section: '3.3.8', outcome: st(400), why: 'two Call-ID, CSeq, From, To, Max-Forwards: 400' },
  mcl01: { section: '3.3.9', outcome: st(400), why: 'conflicting Content-Length values: 400' },
  bcast: {
    section: '3.3.10',
    outcome: NONE,
    why: 'a response with two Vias: discarded by a UAC (RFC 3261 §8.1.3.3)',
  },
  zeromf: {
    section: '3.3.11',
    outcome: st(200),
    why: 'OPTIONS with Max-Forwards 0 to an endpoint: processed, 200',
  },
  cparam01: { section: '3.3.12', outcome: st(405), why: 'valid REGISTER, to a UA: 405' },
  cparam02: { section: '3.3.13', outcome: st(405), why: 'valid REGISTER, to a UA: 405', lane: 'b' },
  regescrt: { section: '3.3.14', outcome: st(405), why: 'valid REGISTER, to a UA: 405', lane: 'b' },
  sdp01: {
    section: '3.3.15',
    outcome: st([406, 400]),
    why: 'INVITE with Accept: text/nobodyKnowsThis: the answer would need SDP, 406 Not Acceptable',
  },

  // §3.4 backward compatibility
  inv2543: {
    section: '3.4.1',
    outcome: CALL,
    why: 'RFC 2543 INVITE (no branch, no Max-Forwards, no Content-Length over UDP): processed',
  },
};

interface Status {
  active_calls: number;
}

/**
 * Two daemons on `base`..`base+43` (the second takes the RFC 4475 messages that share a
 * branch with another one: it would otherwise see them as retransmissions). They ring 4 s
 * before answering so a valid INVITE can be cancelled, and never hang up for lack of RTP.
 */
async function startDaemonPair(
  dir: string,
  base: number,
  name: string,
): Promise<[DaemonHandle, DaemonHandle]> {
  const env = { SIP_ANSWER_DELAY_MS: '4000', RTP_MEDIA_TIMEOUT_SEC: '0' };
  return Promise.all([
    startDaemon({
      dir,
      name,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 4,
      rtpPortMax: base + 23,
      env,
    }),
    startDaemon({
      dir,
      name: `${name}-b`,
      sipPort: base + 2,
      httpPort: base + 3,
      rtpPortMin: base + 24,
      rtpPortMax: base + 43,
      env,
    }),
  ]);
}

describe('RFC 4475 torture messages over the wire (UDP) to the daemon', () => {
  const dir = runDir('torture');
  let base = 0;
  let daemon: DaemonHandle;
  let daemonB: DaemonHandle;
  // 127.A.B.n: a private loopback address per message (Linux routes all of 127/8 to lo).
  const a = 1 + Math.floor(Math.random() * 250);
  const b = Math.floor(Math.random() * 250);
  let nextHost = 1;
  const freshHost = (): string => `127.${a}.${b}.${nextHost++}`;

  beforeAll(async () => {
    base = await freePortBlock(44);
    [daemon, daemonB] = await startDaemonPair(dir, base, 'daemon');
  });
  afterAll(async () => {
    await daemon?.stop();
    await daemonB?.stop();
    await stopAll();
  });

  /** OPTIONS from a fresh address: the daemon on `port` is alive and answering. */
  const ping = async (port = base): Promise<void> => {
    const host = freshHost();
    const peer = await UdpPeer.bind(host, [0]);
    try {
      await peer.send(
        optionsRequest({ host, port: peer.port, toPort: port, callId: `ping${nextHost}` }),
        port,
      );
      const got = await peer.collect(1500, (r) => r.some((m) => m.status === 200), 0);
      expect(got.map((m) => m.status)).toContain(200);
    } finally {
      peer.close();
    }
  };

  const viaPorts = (text: string): number[] => {
    const via = header(text, 'via') ?? '';
    const port = /^SIP\s*\/\s*[\d.]+\s*\/\s*\w+\s+[^\s;:,]+(?::(\d+))?/i.exec(via)?.[1];
    const ports = new Set([5060, Number(port ?? 5060)]);
    return [...ports];
  };

  /** Rings, then CANCEL: 200 to the CANCEL, 487 to the INVITE, ACK the 487. */
  const cancelCall = async (peer: UdpPeer, invite: string): Promise<void> => {
    await peer.collect(2000, (r) => r.some((m) => m.status === 180), 0);
    await peer.send(cancelOrAckFor(invite, 'CANCEL'), base);
    const got = await peer.collect(
      3000,
      (r) => r.some((m) => m.status !== undefined && m.status >= 300),
      100,
    );
    const final = got.find((m) => m.status !== undefined && m.status >= 300);
    const cancel200 = got.find((m) => m.status === 200 && /CANCEL/.test(header(m.text, 'cseq') ?? ''));
    expect(cancel200, 'the CANCEL is answered 200').toBeDefined();
    expect(final?.status, 'the INVITE gets 487 after CANCEL').toBe(487);
    await peer.send(cancelOrAckFor(invite, 'ACK', final!.text), base);
  };

  /**
   * Whatever the assertions said, leave no call behind: a ringing INVITE is CANCELled, a
   * 2xx is ACKed and followed by BYE (so that the daemon never sends its own BYE or media
   * to the torture messages' example hosts).
   */
  const cleanUp = async (peer: UdpPeer, request: string): Promise<void> => {
    if (!request.startsWith('INVITE ')) return;
    const got = peer.received;
    const final = got.find((m) => (m.status ?? 0) >= 200 && /INVITE/.test(header(m.text, 'cseq') ?? ''));
    if (!final && got.some((m) => m.status === 180)) {
      await peer.send(cancelOrAckFor(request, 'CANCEL'), base);
      const f = await peer.collect(3000, (r) => r.some((m) => (m.status ?? 0) >= 300), 0);
      const neg = f.find((m) => (m.status ?? 0) >= 300);
      if (neg) await peer.send(cancelOrAckFor(request, 'ACK', neg.text), base);
    } else if (final && final.status! < 300) {
      const ack = cancelOrAckFor(request, 'ACK', final.text).replace(
        /branch=[^;\s,]+/,
        'branch=z9hG4bKack2xx',
      );
      await peer.send(ack, base);
      const bye = cancelOrAckFor(request, 'ACK', final.text)
        .replaceAll('ACK', 'BYE')
        .replace(/CSeq: \d+/, 'CSeq: 999999999')
        .replace(/branch=[^;\s,]+/, 'branch=z9hG4bKbye2xx');
      await peer.send(bye, base);
      await peer.collect(1000, (r) => r.some((m) => /BYE/.test(header(m.text, 'cseq') ?? '')), 0);
    }
  };

  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.dat'))
    .map((f) => f.slice(0, -4))
    .sort();

  it('covers the 49 RFC 4475 messages', () => {
    expect(files).toHaveLength(49);
    expect(Object.keys(CASES).sort()).toEqual(files);
  });

  for (const [name, c] of Object.entries(CASES)) {
    const o = c.outcome;
    const label =
      o.kind === 'status'
        ? [o.status].flat().join('/')
        : o.kind === 'call'
          ? 'processed (rings; CANCEL -> 487)'
          : 'no response';
    const test = c.bug ? it.fails : it;
    test(`§${c.section} ${name}: ${label}: ${c.why}${c.bug ? ` [KNOWN BUG: ${c.bug}]` : ''}`, async () => {
      const bytes = readFileSync(join(DIR, `${name}.dat`));
      const text = bytes.toString('latin1');
      const peer = await UdpPeer.bind(freshHost(), viaPorts(text));
      try {
        await peer.send(bytes, c.lane === 'b' ? base + 2 : base);
        if (o.kind === 'none') {
          const got = await peer.collect(1500);
          expect(got.map((m) => m.status ?? m.method)).toEqual([]);
        } else if (o.kind === 'call') {
          const got = await peer.collect(
            2500,
            (r) => r.some((m) => m.status === 180 || (m.status ?? 0) >= 200),
            0,
          );
          const statuses = got.map((m) => m.status);
          expect(
            statuses.some((s) => s !== undefined && s >= 200),
            `no final yet: ${statuses}`,
          ).toBe(false);
          expect(statuses).toContain(180);
          await cancelCall(peer, text);
        } else {
          const finals = (r: WireMessage[]): WireMessage[] => r.filter((m) => (m.status ?? 0) >= 200);
          const got = await peer.collect(1500, (r) => finals(r).length > 0, name === 'dblreq' ? 1500 : 250);
          const f = finals(got);
          expect(
            f.map((m) => m.status),
            `responses: ${got.map((m) => m.text.split('\r\n')[0]).join(' | ')}`,
          ).toHaveLength(1);
          expect([o.status].flat()).toContain(f[0]!.status);
          for (const [h, re] of Object.entries(o.headers ?? {}))
            expect(header(f[0]!.text, h) ?? '').toMatch(re);
          // the response belongs to this request (RFC 3261 §8.2.6: Call-ID and CSeq copied)
          const callId = header(text, 'call-id');
          if (callId !== undefined && name !== 'multi01') expect(header(f[0]!.text, 'call-id')).toBe(callId);
        }
      } finally {
        await cleanUp(peer, text);
        peer.close();
      }
      await ping(c.lane === 'b' ? base + 2 : base);
    });
  }

  it('after the whole set: alive, /healthz 200, no call left (active_calls 0)', async () => {
    await ping();
    expect((await daemon.get('/healthz')).status).toBe(200);
    await until(
      async () => (await daemon.get<Status>('/sip/status')).body.active_calls === 0,
      8000,
      'active_calls 0',
    );
    expect(daemon.proc.child.exitCode).toBeNull();
    await ping(base + 2);
    expect((await daemonB.get('/healthz')).status).toBe(200);
  });
});

/**
 * The same set over TCP (one connection per message): responses come back on the
 * connection (RFC 3261 §18.2.2), and the stream framer decides where messages end. Where
 * framing changes the answer: clerr (Content-Length beyond the bytes sent) waits for the
 * rest of the body, so nothing comes back; inv2543 has no Content-Length, mandatory on a
 * stream (RFC 3261 §18.3, §20.14): 400; baddn.dat lacks the empty line that ends a head.
 * dblreq is a UDP case (on a stream its trailing
 * INVITE is a second message, a call) and is left out.
 */
const TCP_OVERRIDES: Record<string, { outcome: Outcome; why: string; bug?: string } | 'skip'> = {
  clerr: { outcome: NONE, why: 'the stream waits for the 9999 announced body bytes' },
  inv2543: { outcome: st(400), why: 'no Content-Length on a stream: 400 (RFC 3261 §18.3)' },
  baddn: {
    outcome: NONE,
    why: 'the .dat file has no empty line after its last header: on a stream the head is still incomplete',
  },
  ncl: { outcome: st(400), why: 'Content-Length: -999 on a stream: 400, then close' },
  mcl01: {
    outcome: st(400),
    why: 'two different Content-Length values on a stream: 400, then close',
  },
  dblreq: 'skip',
};

describe('RFC 4475 torture messages over TCP to the daemon', () => {
  const dir = runDir('torture-tcp');
  let base = 0;
  let daemon: DaemonHandle;
  let daemonB: DaemonHandle;

  beforeAll(async () => {
    base = await freePortBlock(44);
    [daemon, daemonB] = await startDaemonPair(dir, base, 'daemon-tcp');
  });
  afterAll(async () => {
    await daemon?.stop();
    await daemonB?.stop();
    await stopAll();
  });

  for (const [name, c] of Object.entries(CASES)) {
    const override = TCP_OVERRIDES[name];
    if (override === 'skip') continue;
    const o = override?.outcome ?? c.outcome;
    const why = override?.why ?? c.why;
    const label =
      o.kind === 'status'
        ? [o.status].flat().join('/')
        : o.kind === 'call'
          ? 'processed (rings; CANCEL -> 487)'
          : 'no response';
    const bug = override ? override.bug : c.bug;
    const test = bug ? it.fails : it;
    test(`§${c.section} ${name} over TCP: ${label}: ${why}${bug ? ` [KNOWN BUG: ${bug}]` : ''}`, async () => {
      const port = c.lane === 'b' ? base + 2 : base;
      const bytes = readFileSync(join(DIR, `${name}.dat`));
      const text = bytes.toString('latin1');
      const tcp = await TcpPeer.connect(port);
      const invite = (m: WireMessage): boolean => /INVITE/.test(header(m.text, 'cseq') ?? '');
      try {
        await tcp.write(bytes);
        if (o.kind === 'none') {
          expect((await tcp.collect(1200)).map((m) => m.status ?? m.method)).toEqual([]);
        } else if (o.kind === 'call') {
          const got = await tcp.collect(2500, (r) =>
            r.some((m) => m.status === 180 || (m.status ?? 0) >= 200),
          );
          expect(got.map((m) => m.status)).toContain(180);
          expect(got.some((m) => (m.status ?? 0) >= 200)).toBe(false);
        } else {
          const got = await tcp.collect(1500, (r) => r.some((m) => (m.status ?? 0) >= 200));
          const f = got.filter((m) => (m.status ?? 0) >= 200);
          expect(
            f.map((m) => m.status),
            `responses: ${got.map((m) => m.text.split('\r\n')[0]).join(' | ')}`,
          ).toHaveLength(1);
          expect([o.status].flat()).toContain(f[0]!.status);
          for (const [h, re] of Object.entries(o.headers ?? {}))
            expect(header(f[0]!.text, h) ?? '').toMatch(re);
        }
      } finally {
        // leave no call behind: CANCEL a ringing INVITE, ACK its 487 (same connection)
        if (text.startsWith('INVITE ') && !tcp.closed) {
          const got = tcp.messages();
          if (got.some((m) => m.status === 180) && !got.some((m) => (m.status ?? 0) >= 200 && invite(m))) {
            await tcp.write(cancelOrAckFor(text, 'CANCEL'));
            const r = await tcp.collect(3000, (x) => x.some((m) => (m.status ?? 0) >= 300));
            const neg = r.find((m) => (m.status ?? 0) >= 300);
            if (o.kind === 'call') expect(neg?.status).toBe(487);
            if (neg) await tcp.write(cancelOrAckFor(text, 'ACK', neg.text));
          }
        }
        tcp.close();
      }
    });
  }

  it('after the TCP set: both daemons alive, no call left', async () => {
    for (const d of [daemon, daemonB]) {
      expect((await d.get('/healthz')).status).toBe(200);
      await until(
        async () => (await d.get<Status>('/sip/status')).body.active_calls === 0,
        8000,
        'active_calls 0',
      );
    }
  });
});

describe('RFC 4475 messages that share a transaction key (RFC 3261 §17.2.3)', () => {
  const dir = runDir('torture-txkey');
  let base = 0;
  let daemon: DaemonHandle;
  const a = 1 + Math.floor(Math.random() * 250);
  const b = Math.floor(Math.random() * 250);

  beforeAll(async () => {
    base = await freePortBlock(8);
    daemon = await startDaemon({
      dir,
      name: 'daemon-txkey',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 2,
      rtpPortMax: base + 7,
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  // cparam02 repeats cparam01's top Via (saturn.example.com:5060;branch=z9hG4bKkdjuw) and
  // method REGISTER: to a server transaction that is one request, so cparam02 is absorbed as
  // a retransmission and the stored 405 goes again to where cparam01's went (§17.2.2).
  for (const [first, second] of [
    ['cparam01', 'cparam02'],
    ['escnull', 'regescrt'],
    ['unkscm', 'novelsc'],
  ] as const) {
    it(`${second} after ${first} (same branch, sent-by, method) is a retransmission: the first's answer is re-sent`, async () => {
      const x = await UdpPeer.bind(`127.${a}.${b}.${first.length}`, [5060]);
      const y = await UdpPeer.bind(`127.${a}.${b}.${100 + second.length}`, [5060]);
      try {
        await x.send(readFileSync(join(DIR, `${first}.dat`)), base);
        const got = await x.collect(1500, (r) => r.some((m) => (m.status ?? 0) >= 200), 0);
        const status = got.find((m) => (m.status ?? 0) >= 200)?.status;
        expect(status).toBeDefined();
        await y.send(readFileSync(join(DIR, `${second}.dat`)), base);
        await x.collect(1500, (r) => r.filter((m) => m.status === status).length >= 2, 0);
        expect(x.received.filter((m) => m.status === status)).toHaveLength(2);
        expect(header(x.received[1]!.text, 'call-id')).toBe(header(got[0]!.text, 'call-id'));
        expect(y.received).toEqual([]);
      } finally {
        x.close();
        y.close();
      }
    });
  }
});

describe('RFC 5118 IPv6 torture cases and hostile input, over the IPv4 sockets', () => {
  const dir = runDir('torture-hostile');
  let base = 0;
  let daemon: DaemonHandle;
  const a = 1 + Math.floor(Math.random() * 250);
  const b = Math.floor(Math.random() * 250);
  let n = 1;
  const freshHost = (): string => `127.${a}.${b}.${n++}`;

  beforeAll(async () => {
    base = await freePortBlock(24);
    daemon = await startDaemon({
      dir,
      name: 'daemon-hostile',
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 4,
      rtpPortMax: base + 23,
      env: { SIP_ANSWER_DELAY_MS: '4000', RTP_MEDIA_TIMEOUT_SEC: '0' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await stopAll();
  });

  const ping = async (): Promise<void> => {
    const host = freshHost();
    const peer = await UdpPeer.bind(host, [0]);
    try {
      await peer.send(optionsRequest({ host, port: peer.port, toPort: base, callId: `ping${n}` }), base);
      const got = await peer.collect(1500, (r) => r.some((m) => m.status === 200), 0);
      expect(got.map((m) => m.status)).toContain(200);
    } finally {
      peer.close();
    }
  };

  /**
   * RFC 5118 messages rebuilt around our own Via (sent-by = our address with rport, so the
   * answer comes back), keeping the IPv6 references in the Request-URI, To, From, Contact
   * and SDP that the RFC is about. The sections and expectations:
   * §4.1 ipv6-good (valid), §4.2 port-ambiguous (valid), §4.3 port-unambiguous (valid),
   * §4.4 ipv6-bad (Request-URI "sip:user@2001:db8::10", no brackets: 400),
   * §4.5 ipv6-in-Via with `received` (valid), §4.7 mixed IPv4-IPv6 (valid), §4.8 ipv4 in
   * IPv6 reference "[::ffff:192.0.2.10]" (valid). OPTIONS is used so that no call is made.
   */
  const rfc5118: Array<{ name: string; ruri: string; extra?: string[]; expect: number }> = [
    { name: '4.1 ipv6-good', ruri: 'sip:[2001:db8::10]', expect: 200 },
    { name: '4.2 port-ambiguous', ruri: 'sip:[2001:db8::9:1]', expect: 200 },
    { name: '4.3 port-unambiguous', ruri: 'sip:[2001:db8::9]:1', expect: 200 },
    { name: '4.4 ipv6-bad', ruri: 'sip:user@2001:db8::10', expect: 400 },
    {
      name: '4.5 ipv6 in Via, received',
      ruri: 'sip:user@[2001:db8::10]',
      extra: ['Via: SIP/2.0/UDP [2001:db8::9:255];branch=z9hG4bKas3-111;received=[2001:db8::9:255]'],
      expect: 200,
    },
    { name: '4.8 ipv4-mapped reference', ruri: 'sip:user@[::ffff:192.0.2.10]', expect: 200 },
    {
      name: '4.9 ipv6 Contact with a port',
      ruri: 'sip:user@[2001:db8::10]',
      extra: ['Contact: "Caller" <sip:caller@[2001:db8::20]:5060>'],
      expect: 200,
    },
  ];
  for (const c of rfc5118) {
    it(`RFC 5118 §${c.name}: ${c.expect}`, async () => {
      const host = freshHost();
      const peer = await UdpPeer.bind(host, [0]);
      try {
        const id = `v6-${n}-${Date.now()}`;
        const msg = [
          `OPTIONS ${c.ruri} SIP/2.0`,
          `Via: SIP/2.0/UDP ${host}:${peer.port};branch=z9hG4bK${id};rport`,
          ...(c.extra ?? []),
          'Max-Forwards: 70',
          `To: <${c.ruri}>`,
          `From: <sip:caller@[2001:db8::20]>;tag=${id}`,
          `Call-ID: ${id}`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n');
        await peer.send(msg, base);
        const got = await peer.collect(1500, (r) => r.some((m) => (m.status ?? 0) >= 200));
        expect(got.map((m) => m.status)).toEqual([c.expect]);
      } finally {
        peer.close();
      }
      await ping();
    });
  }

  it('the largest datagram, a request line and a Via then junk, gets 400; the daemon stays up', async () => {
    const peer = await UdpPeer.bind(freshHost(), [0, 5060]);
    try {
      const junk = Buffer.alloc(65_507, 'A'); // the largest UDP/IPv4 payload; a 70 KB one cannot be sent
      junk.write('INVITE sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKbig\r\n');
      await peer.send(junk, base);
      // RFC 3261 §21.4.1: malformed, but addressable (request line + Via): 400 to the sender.
      const got = await peer.collect(1000, (r) => r.length > 0);
      expect(got.map((m) => m.status ?? m.method)).toEqual([400]);
    } finally {
      peer.close();
    }
    // 70 KB over TCP: Content-Length announces more than the maximum message size.
    const tcp = await TcpPeer.connect(base);
    try {
      const body = Buffer.alloc(70 * 1024, 'x');
      const head = [
        'MESSAGE sip:echo@127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/TCP 127.0.0.1:${tcp.localPort};branch=z9hG4bKhuge70k`,
        'From: <sip:a@127.0.0.1>;tag=1',
        'To: <sip:echo@127.0.0.1>',
        'Call-ID: huge70k',
        'CSeq: 1 MESSAGE',
        'Max-Forwards: 70',
        'Content-Type: text/plain',
        `Content-Length: ${body.length}`,
        '',
        '',
      ].join('\r\n');
      await tcp.write(Buffer.concat([Buffer.from(head), body]));
      const got = await tcp.collect(1500, (r) => r.length > 0);
      // RFC 3261 §21.4.12 513 Message Too Large (or 400), and/or the connection closed.
      expect(got.every((m) => m.status === 513 || m.status === 400)).toBe(true);
      expect(got.length > 0 || tcp.closed).toBe(true);
    } finally {
      tcp.close();
    }
    await ping();
  });

  it('TCP: an oversize message gets 513 Message Too Large before the close (RFC 3261 §18.3)', async () => {
    const tcp = await TcpPeer.connect(base);
    try {
      const head = [
        'MESSAGE sip:echo@127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/TCP 127.0.0.1:${tcp.localPort};branch=z9hG4bKhuge513`,
        'From: <sip:a@127.0.0.1>;tag=1',
        'To: <sip:echo@127.0.0.1>',
        'Call-ID: huge513',
        'CSeq: 1 MESSAGE',
        'Max-Forwards: 70',
        'Content-Type: text/plain',
        `Content-Length: ${70 * 1024}`,
        '',
        '',
      ].join('\r\n');
      await tcp.write(head);
      const got = await tcp.collect(1500, (r) => r.length > 0);
      expect(got.map((m) => m.status)).toEqual([513]);
    } finally {
      tcp.close();
    }
  });

  it('random binary garbage datagrams (200 of them, seeded) get no answer and do not hurt', async () => {
    const peer = await UdpPeer.bind(freshHost(), [0, 5060]);
    let seed = 4475;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    try {
      for (let i = 0; i < 200; i++) {
        const len = 1 + (((rnd() << 8) | rnd()) % 4000);
        const buf = Buffer.alloc(len);
        for (let j = 0; j < len; j++) buf[j] = rnd();
        // a third start like SIP so that the parser goes deeper
        if (i % 3 === 0) buf.write('OPTIONS sip:a@b SIP/2.0\r\nVia: ');
        await peer.send(buf, base);
      }
      const got = await peer.collect(1000);
      expect(got.filter((m) => m.status !== undefined && m.status < 400)).toEqual([]);
    } finally {
      peer.close();
    }
    await ping();
    expect((await daemon.get('/healthz')).status).toBe(200);
  });

  it('TCP: a huge Content-Length (2**40) gets 513/400 or a closed connection, never a hang; daemon stays up', async () => {
    const tcp = await TcpPeer.connect(base);
    try {
      await tcp.write(
        [
          'OPTIONS sip:echo@127.0.0.1 SIP/2.0',
          `Via: SIP/2.0/TCP 127.0.0.1:${tcp.localPort};branch=z9hG4bKhugecl`,
          'From: <sip:a@127.0.0.1>;tag=1',
          'To: <sip:echo@127.0.0.1>',
          'Call-ID: hugecl',
          'CSeq: 1 OPTIONS',
          'Max-Forwards: 70',
          'Content-Length: 1099511627776',
          '',
          'xxxx',
        ].join('\r\n'),
      );
      const got = await tcp.collect(2000, (r) => r.length > 0);
      await until(() => tcp.closed || got.length > 0, 2000, 'an answer or a close');
      expect(got.every((m) => m.status === 513 || m.status === 400)).toBe(true);
    } finally {
      tcp.close();
    }
    await ping();
  });

  it('TCP: a torture message (lwsdisp) over a stream gets its 200 on the same connection', async () => {
    const tcp = await TcpPeer.connect(base);
    try {
      // Over TCP the daemon answers on the connection (RFC 3261 §18.2.2), whatever the Via says.
      await tcp.write(readFileSync(join(SHARED, 'conformance/rfc4475/lwsdisp.dat')));
      const got = await tcp.collect(1500, (r) => r.length > 0);
      expect(got.map((m) => m.status)).toEqual([200]);
    } finally {
      tcp.close();
    }
  });

  it('TCP: clerr (Content-Length beyond the bytes sent) waits for the rest; closing the connection leaves no trace', async () => {
    const tcp = await TcpPeer.connect(base);
    try {
      await tcp.write(readFileSync(join(SHARED, 'conformance/rfc4475/clerr.dat')));
      const got = await tcp.collect(800);
      expect(got).toEqual([]); // RFC 3261 §18.3: on a stream the body is still to come
      expect(tcp.closed).toBe(false);
    } finally {
      tcp.close();
    }
    await sleep(200);
    await ping();
    expect((await daemon.get<Status>('/sip/status')).body.active_calls).toBe(0);
  });
});
