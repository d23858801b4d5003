import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6, type Socket } from 'node:net';
import { sleep } from './processes.js';

/**
 * Raw SIP over the wire for conformance suites: send exact bytes, collect what comes back.
 * Deliberately independent of packages/sip-stack (the code under test): responses are read
 * with a few regular expressions, enough to see the status line and a handful of headers.
 */

/** One message received back: the raw text plus its status (undefined for a request). */
export interface WireMessage {
  readonly text: string;
  readonly status?: number;
  readonly method?: string;
}

/** Splits a message into unfolded header lines (RFC 3261 §7.3.1 line folding undone). */
export function headerLines(text: string): string[] {
  const head = text.split(/\r?\n\r?\n/)[0] ?? '';
  return head
    .replace(/\r?\n[ \t]+/g, ' ')
    .split(/\r?\n/)
    .slice(1);
}

const COMPACT: Record<string, string> = {
  v: 'via',
  f: 'from',
  t: 'to',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  c: 'content-type',
  k: 'supported',
  s: 'subject',
  e: 'content-encoding',
  x: 'session-expires',
};

/** Every value of header `name` (case-insensitive, compact forms understood), in order. */
export function headerValues(text: string, name: string): string[] {
  const want = name.toLowerCase();
  const out: string[] = [];
  for (const line of headerLines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    let n = line.slice(0, colon).trim().toLowerCase();
    n = COMPACT[n] ?? n;
    if (n === want) out.push(line.slice(colon + 1).trim());
  }
  return out;
}

/** The first value of header `name`, or undefined. */
export function header(text: string, name: string): string | undefined {
  return headerValues(text, name)[0];
}

export function parseWire(text: string): WireMessage {
  const first = text.slice(0, text.search(/\r?\n/) >>> 0);
  const status = /^SIP\/2\.0 (\d{3}) /.exec(first + ' ');
  if (status) return { text, status: Number(status[1]) };
  return { text, method: first.split(' ')[0] };
}

/**
 * A UDP endpoint bound to `address` on each of `ports` (the first one sends). Used to
 * receive responses the daemon routes per RFC 3261 §18.2.2 to the Via `received`
 * address and the sent-by port (5060 when absent), whatever port we sent from.
 * An IPv6 `address` (e.g. `::1`) binds IPv6 sockets, which then send to `::1` by default.
 */
export class UdpPeer {
  readonly received: WireMessage[] = [];
  private constructor(
    readonly address: string,
    private readonly sockets: UdpSocket[],
  ) {
    for (const s of sockets) s.on('message', (m) => this.received.push(parseWire(m.toString('latin1'))));
  }

  static async bind(address: string, ports: number[]): Promise<UdpPeer> {
    const sockets: UdpSocket[] = [];
    try {
      for (const port of ports) {
        const s = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind(port, address, () => {
            s.off('error', reject);
            resolve();
          });
        });
      }
    } catch (err) {
      for (const s of sockets) s.close();
      throw err;
    }
    return new UdpPeer(address, sockets);
  }

  get port(): number {
    return this.sockets[0]!.address().port;
  }

  /** Sends from the first socket to `host` (default 127.0.0.1, or ::1 for an IPv6 peer). */
  send(
    data: Buffer | string,
    port: number,
    host = isIPv6(this.address) ? '::1' : '127.0.0.1',
  ): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    return new Promise((resolve, reject) =>
      this.sockets[0]!.send(buf, port, host, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Responses (not requests) received so far. */
  responses(): WireMessage[] {
    return this.received.filter((m) => m.status !== undefined);
  }

  /** Waits up to `ms` for `done` to hold over what was received, then `graceMs` more. */
  async collect(
    ms: number,
    done: (r: WireMessage[]) => boolean = () => false,
    graceMs = 250,
  ): Promise<WireMessage[]> {
    const end = Date.now() + ms;
    while (Date.now() < end && !done(this.received)) await sleep(20);
    if (done(this.received)) await sleep(graceMs);
    return this.received;
  }

  close(): void {
    for (const s of this.sockets) {
      try {
        s.close();
      } catch {
        /* closed */
      }
    }
  }
}

/** A TCP connection to the daemon collecting everything it sends back. */
export class TcpPeer {
  private data = '';
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => (this.data += d.toString('latin1')));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TcpPeer> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new TcpPeer(s));
      });
      s.once('error', reject);
    });
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  write(data: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
    });
  }

  /** Messages received so far, framed by Content-Length (absent: 0). */
  messages(): WireMessage[] {
    const out: WireMessage[] = [];
    let rest = this.data;
    for (let i = 0; i < 1000 && rest.length > 0; i++) {
      rest = rest.replace(/^(\r\n)+/, '');
      const end = rest.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = rest.slice(0, end + 4);
      const cl = Number(/\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)/i.exec(head)?.[1] ?? 0);
      out.push(parseWire(rest.slice(0, end + 4 + cl)));
      rest = rest.slice(end + 4 + cl);
    }
    return out;
  }

  async collect(ms: number, done: (r: WireMessage[]) => boolean = () => false): Promise<WireMessage[]> {
    const end = Date.now() + ms;
    while (Date.now() < end && !this.closed && !done(this.messages())) await sleep(20);
    return this.messages();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An OPTIONS request from `peer` (with rport, so the answer comes back to its port). */
export function optionsRequest(opts: {
  host: string;
  port: number;
  toPort: number;
  callId: string;
  proto?: string;
}): string {
  const proto = opts.proto ?? 'UDP';
  return [
    `OPTIONS sip:echo@127.0.0.1:${opts.toPort} SIP/2.0`,
    `Via: SIP/2.0/${proto} ${opts.host}:${opts.port};branch=z9hG4bK${opts.callId};rport`,
    `From: <sip:probe@${opts.host}:${opts.port}>;tag=${opts.callId}`,
    `To: <sip:echo@127.0.0.1:${opts.toPort}>`,
    `Call-ID: ${opts.callId}`,
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/**
 * CANCEL (or ACK for a non-2xx final, RFC 3261 §17.1.1.3) for an INVITE given as raw
 * text: same Request-URI, top Via, Call-ID, From and CSeq number; To as in the INVITE
 * (CANCEL) or as in the final response (ACK).
 */
export function cancelOrAckFor(invite: string, method: 'CANCEL' | 'ACK', finalResponse?: string): string {
  const uri = invite.split(/\r?\n/)[0]!.split(' ')[1]!;
  const seq = /^\s*(\d+)/.exec(header(invite, 'cseq') ?? '')?.[1] ?? '1';
  const to = method === 'ACK' && finalResponse ? header(finalResponse, 'to') : header(invite, 'to');
  return [
    `${method} ${uri} SIP/2.0`,
    `Via: ${header(invite, 'via')}`,
    `From: ${header(invite, 'from')}`,
    `To: ${to}`,
    `Call-ID: ${header(invite, 'call-id')}`,
    `CSeq: ${seq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** A plain INVITE with a PCMU offer (media at `host`:`mediaPort`), with rport. */
export function inviteRequest(opts: {
  host: string;
  port: number;
  toPort: number;
  callId: string;
  mediaPort: number;
}): string {
  const sdp = [
    'v=0',
    `o=probe 1 1 IN IP4 ${opts.host}`,
    's=-',
    `c=IN IP4 ${opts.host}`,
    't=0 0',
    `m=audio ${opts.mediaPort} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\r\n');
  return [
    `INVITE sip:echo@127.0.0.1:${opts.toPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${opts.host}:${opts.port};branch=z9hG4bK${opts.callId};rport`,
    `From: <sip:probe@${opts.host}:${opts.port}>;tag=${opts.callId}`,
    `To: <sip:echo@127.0.0.1:${opts.toPort}>`,
    `Call-ID: ${opts.callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:probe@${opts.host}:${opts.port}>`,
    'Max-Forwards: 70',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
}

/** An in-dialog request (ACK for a 2xx, BYE) for a call set up by {@link inviteRequest}. */
export function inDialogRequest(
  method: 'ACK' | 'BYE',
  opts: { host: string; port: number; toPort: number; callId: string; toTag: string; seq: number },
): string {
  return [
    `${method} sip:echo@127.0.0.1:${opts.toPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${opts.host}:${opts.port};branch=z9hG4bK${opts.callId}-${method}-${opts.seq};rport`,
    `From: <sip:probe@${opts.host}:${opts.port}>;tag=${opts.callId}`,
    `To: <sip:echo@127.0.0.1:${opts.toPort}>;tag=${opts.toTag}`,
    `Call-ID: ${opts.callId}`,
    `CSeq: ${opts.seq} ${method}`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
