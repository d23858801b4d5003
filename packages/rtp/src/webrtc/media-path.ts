/**
 * Where the media of a DTLS-SRTP call runs, for the answering side (`prepareSecureMedia`)
 * and the offering side (`createSecureOffer`) alike: candidate gathering (RFC 8445 §5.1.1)
 * on the media socket gives either the host path (our host candidate, plus a
 * server-reflexive one learnt from `SIP_STUN_SERVER`) or a TURN relay (RFC 8656, `turn:`
 * over UDP or `turns:` over TLS), which then carries ALL media and is the only candidate.
 */
import type { IceCandidate, NegotiatedMedia } from '../sdp/types.js';
import type { DatagramSocket } from '../session/session-types.js';
import type { TransportAddress } from './ice-lite.js';
import { gatherCandidates, type TurnServerOptions } from './stun-client.js';
import type { TurnClient } from './turn-client.js';

/** The STUN/TURN servers to gather candidates from (both optional). */
export interface IceServerOptions {
  /**
   * `SIP_STUN_SERVER` (`stun:host[:port]`): add a server-reflexive candidate learnt on the
   * media socket (RFC 8445 §5.1.1.2). Best effort: failures go to `problems`.
   */
  readonly stunServer?: string | undefined;
  /**
   * `SIP_TURN_SERVER` and credentials: allocate a relay and carry ALL media through it
   * (relay-only: `c=`, port and the only candidate are the relayed address; the allocation
   * is released by `close`). Falls back to host (+srflx) when TURN fails.
   */
  readonly turn?: TurnServerOptions | undefined;
  /** STUN/TURN request retransmission start (doubling, 5 tries). Default 250 ms. */
  readonly rtoMs?: number;
}

/** The gathered path of the media. */
export interface MediaPath {
  /** Where ICE, DTLS and SRTP run: the media socket, or the relay's `relayedSocket`. */
  readonly socket: DatagramSocket;
  /** The address for `c=` and the m-line port: the host's or the relayed one. */
  readonly address: TransportAddress;
  /** The TURN allocation media runs through (whoever holds the path closes it). */
  readonly relay: TurnClient | undefined;
  /** Server-reflexive candidates (host path only). */
  readonly srflx: readonly IceCandidate[];
  /** What failed while gathering (unreachable STUN/TURN server...), for the log. */
  readonly problems: readonly string[];
}

/**
 * Gather on `socket` (bound at `host`): the relay path when TURN allocates, else the host
 * path with any srflx candidate. Never rejects: failures are listed in `problems`.
 */
export async function gatherMediaPath(
  socket: DatagramSocket,
  host: TransportAddress,
  o: IceServerOptions,
): Promise<MediaPath> {
  if (o.stunServer === undefined && o.turn === undefined)
    return { socket, address: host, relay: undefined, srflx: [], problems: [] };
  const g = await gatherCandidates({
    socket,
    host,
    ...(o.stunServer !== undefined ? { stunServer: o.stunServer } : {}),
    ...(o.turn !== undefined ? { turn: o.turn } : {}),
    ...(o.rtoMs !== undefined ? { rtoMs: o.rtoMs } : {}),
  });
  const relayed = g.relay?.relayedAddress;
  if (g.relay && relayed)
    return {
      socket: g.relay.relayedSocket,
      address: relayed,
      relay: g.relay,
      srflx: [],
      problems: g.problems,
    };
  const srflx = g.candidates.filter((c) => c.type === 'srflx');
  return { socket, address: host, relay: undefined, srflx, problems: g.problems };
}

/**
 * RFC 8656 §9: a relay drops peer data without a permission for the peer's IP. Create one
 * for the remote `c=` address and each remote candidate (at most 8). Rejects when the
 * server refuses.
 */
export async function permitPeers(
  relay: { createPermission(peerAddress: string): Promise<void> },
  media: NegotiatedMedia,
): Promise<void> {
  const peers = new Set([media.remoteAddress, ...(media.ice?.remoteCandidates.map((c) => c.address) ?? [])]);
  try {
    await Promise.all([...peers].slice(0, 8).map((p) => relay.createPermission(p)));
  } catch (err) {
    throw new Error(`TURN permission failed: ${String(err)}`);
  }
}
