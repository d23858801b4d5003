/**
 * Server-reflexive address discovery (RFC 8489 §6.2.1 Binding over UDP) and the
 * `stun:` / `turn:` URIs of RFC 7064 / RFC 7065, used to gather the srflx and relay
 * candidates advertised next to our host candidate (RFC 8445 §5.1.1).
 */
import { randomBytes } from 'node:crypto';
import type { RemoteInfo } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { IceCandidate } from '../sdp/types.js';
import type { DatagramSocket } from '../session/session-types.js';
import { type TransportAddress, localCandidate } from './ice-lite.js';
import {
  StunAttr,
  StunMethod,
  decodeXorAddress,
  encodeStun,
  getAttribute,
  parseStun,
} from './stun-message.js';
import { TurnClient } from './turn-client.js';
import { parseTurnsUri, TurnTlsSocket } from './turn-tls-socket.js';

/** A parsed `stun:`/`turn:` URI (RFC 7064 §3.1, RFC 7065 §3.1); UDP only (`turns:` is {@link parseTurnsUri}). */
export interface IceServerUri {
  readonly scheme: 'stun' | 'turn';
  readonly host: string;
  /** Default 3478. */
  readonly port: number;
}

/** Parse `stun:host[:port]`, `turn:host[:port][?transport=udp]` or a bare `host[:port]`. Undefined when unusable. */
export function parseIceServerUri(uri: string, defaultScheme: 'stun' | 'turn'): IceServerUri | undefined {
  const m =
    /^(?:(stuns?|turns?):)?(\[[0-9a-fA-F:.]+\]|[^:?/\s]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/i.exec(
      uri.trim(),
    );
  if (m === null) return undefined;
  const scheme = (m[1]?.toLowerCase() ?? defaultScheme) as string;
  if (scheme !== 'stun' && scheme !== 'turn') return undefined; // stuns:/turns: (TLS) not supported
  if (m[4] !== undefined && m[4].toLowerCase() !== 'udp') return undefined;
  const port = m[3] === undefined ? 3478 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { scheme, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** Resolve a host name to an IPv4/IPv6 literal (literals pass through). */
export async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host;
  return (await lookup(host)).address;
}

/**
 * Send a Binding request from `socket` to `server` and resolve with our mapped address
 * (XOR-MAPPED-ADDRESS). Retransmits at `rtoMs`, doubling, 5 tries (RFC 8489 §6.2.1, Rc
 * shortened). Rejects when the server does not answer.
 */
export function stunBinding(
  socket: DatagramSocket,
  server: TransportAddress,
  opts: { rtoMs?: number } = {},
): Promise<TransportAddress> {
  const tid = randomBytes(12);
  const request = encodeStun(
    { method: StunMethod.BINDING, cls: 'request', transactionId: tid, attributes: [] },
    { fingerprint: true },
  );
  const rto = opts.rtoMs ?? 250;
  return new Promise<TransportAddress>((resolve, reject) => {
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
    };
    const onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
      if (rinfo.address !== server.address || rinfo.port !== server.port) return;
      const m = parseStun(msg);
      if (m === undefined || !m.transactionId.equals(tid) || m.cls !== 'success') return;
      const xma = getAttribute(m, StunAttr.XOR_MAPPED_ADDRESS);
      const mapped = xma && decodeXorAddress(xma, m.transactionId);
      if (!mapped) return;
      done();
      resolve(mapped);
    };
    const fire = (): void => {
      if (tries >= 5) {
        done();
        reject(new Error(`STUN server ${server.address}:${server.port} did not answer`));
        return;
      }
      try {
        socket.send(request, server.port, server.address);
      } catch {
        // closed socket: the next try or the final rejection reports it
      }
      timer = setTimeout(fire, rto * 2 ** tries++);
    };
    socket.on('message', onMessage);
    fire();
  });
}

/**
 * A TURN server: `turn:host[:port]` (UDP, on the media socket) or `turns:host[:port]`
 * (RFC 7065 §3.1: one TLS connection to the server, RFC 8656 §3.1; the relay still carries
 * UDP to the peers), with its long-term credentials (RFC 8656 §9.2).
 */
export interface TurnServerOptions {
  readonly uri: string;
  readonly username: string;
  readonly password: string;
  /** `turns:`: PEM CA(s) the server certificate must chain to. Default Node's roots. */
  readonly ca?: string | Buffer | undefined;
  /** `turns:`: verify the server certificate. Default true. */
  readonly rejectUnauthorized?: boolean | undefined;
}

/** Options of {@link gatherCandidates}. */
export interface GatherOptions {
  /** The media socket (bound). */
  readonly socket: DatagramSocket;
  /** Our host candidate's address and port (the socket's). */
  readonly host: TransportAddress;
  /** `SIP_STUN_SERVER`, e.g. `stun:stun.example.com:3478`. */
  readonly stunServer?: string;
  /** `SIP_TURN_SERVER` with its long-term credentials (`turn:` over UDP, `turns:` over TLS). */
  readonly turn?: TurnServerOptions;
  /** First retransmission interval of STUN/TURN requests (doubling, 5 tries). Default 250 ms. */
  readonly rtoMs?: number;
}

/** Gathered candidates beyond the host one, and the TURN allocation to close with the call. */
export interface GatheredCandidates {
  /** srflx and relay candidates (pass as `prepareSecureMedia` `extraCandidates`). */
  readonly candidates: IceCandidate[];
  /** The allocation when TURN succeeded. */
  readonly relay?: TurnClient;
  /** What failed (gathering is best effort: a dead STUN/TURN server must not fail the call). */
  readonly problems: string[];
}

/**
 * Gather server-reflexive (STUN) and relayed (TURN) candidates (RFC 8445 §5.1.1) on the
 * media socket. Best effort: failures are listed in `problems`.
 */
export async function gatherCandidates(o: GatherOptions): Promise<GatheredCandidates> {
  const candidates: IceCandidate[] = [];
  const problems: string[] = [];
  let relay: TurnClient | undefined;
  if (o.stunServer !== undefined) {
    const uri = parseIceServerUri(o.stunServer, 'stun');
    try {
      if (uri === undefined) throw new Error(`unusable STUN server ${o.stunServer}`);
      const server = { address: await resolveHost(uri.host), port: uri.port };
      const mapped = await stunBinding(o.socket, server, o.rtoMs !== undefined ? { rtoMs: o.rtoMs } : {});
      if (mapped.address !== o.host.address || mapped.port !== o.host.port)
        candidates.push(localCandidate('srflx', mapped, o.host));
    } catch (err) {
      problems.push(String(err));
    }
  }
  if (o.turn !== undefined) {
    try {
      relay = await turnClientFor(o.turn, o.socket, o.rtoMs);
      candidates.push(localCandidate('relay', await relay.allocate(), o.host));
    } catch (err) {
      relay?.close();
      relay = undefined;
      problems.push(String(err));
    }
  }
  return { candidates, ...(relay ? { relay } : {}), problems };
}

/** A TURN client for `turn` over the media socket (`turn:`) or its own TLS connection (`turns:`). */
async function turnClientFor(
  turn: TurnServerOptions,
  socket: DatagramSocket,
  rtoMs: number | undefined,
): Promise<TurnClient> {
  const credentials = { username: turn.username, password: turn.password };
  const tlsUri = parseTurnsUri(turn.uri);
  if (tlsUri !== undefined) {
    const tlsSocket = await TurnTlsSocket.connect({
      host: tlsUri.host,
      port: tlsUri.port,
      ca: turn.ca,
      ...(turn.rejectUnauthorized !== undefined ? { rejectUnauthorized: turn.rejectUnauthorized } : {}),
    });
    // RFC 8489 §6.2.2: over a reliable transport each request is sent once.
    return new TurnClient({
      socket: tlsSocket,
      server: tlsSocket.server,
      ...credentials,
      reliable: true,
      ownsSocket: true,
    });
  }
  const uri = parseIceServerUri(turn.uri, 'turn');
  if (uri === undefined) throw new Error(`unusable TURN server ${turn.uri}`);
  return new TurnClient({
    socket,
    server: { address: await resolveHost(uri.host), port: uri.port },
    ...credentials,
    ...(rtoMs !== undefined ? { rtoMs } : {}),
  });
}
