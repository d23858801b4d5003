import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { parseIceServerUri, resolveHost, stunBinding } from '@voice-assistant/rtp';

/** Where the address we advertise (Via, Contact, SDP `c=`) comes from. */
export interface PublicAddress {
  /** The address, or undefined: the local address toward each peer is used. */
  readonly address?: string | undefined;
  /** `config` (SIP_PUBLIC_ADDRESS), `stun` (SIP_STUN_SERVER), or `none`. */
  readonly source: 'config' | 'stun' | 'none';
  /** Why STUN discovery failed, when it did. */
  readonly error?: string | undefined;
}

/**
 * Our public (server-reflexive) address, learnt with a STUN Binding request (RFC 8489)
 * from a UDP socket bound like the SIP listener. NATs that keep the address but change
 * the port (most) are served: we advertise the address and keep our own ports, relying on
 * symmetric RTP and rport on the far side. Never rejects.
 */
export async function discoverPublicAddress(
  stunServer: string,
  bindAddress: string,
  opts: { rtoMs?: number } = {},
): Promise<PublicAddress> {
  const uri = parseIceServerUri(stunServer, 'stun');
  if (!uri)
    return { source: 'none', error: `unusable STUN server "${stunServer}" (expected stun:host[:port])` };
  let server: string;
  try {
    server = await resolveHost(uri.host);
  } catch (err) {
    return { source: 'none', error: `cannot resolve ${uri.host}: ${(err as Error).message}` };
  }
  const v6 = isIP(server) === 6;
  const socket = createSocket(v6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, bindAddress === '0.0.0.0' && v6 ? '::' : bindAddress, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const mapped = await stunBinding(
      socket,
      { address: server, port: uri.port },
      { rtoMs: opts.rtoMs ?? 250 },
    );
    return { address: mapped.address, source: 'stun' };
  } catch (err) {
    return { source: 'none', error: `STUN ${stunServer}: ${(err as Error).message}` };
  } finally {
    socket.close();
  }
}
