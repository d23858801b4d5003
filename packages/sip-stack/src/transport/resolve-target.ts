/**
 * Locating a SIP server (RFC 3263, simplified): transport from the URI `transport`
 * parameter (or `sips:` -> TLS, or the preferred/default UDP), port from the URI or an
 * SRV lookup (§4.2) when the host is a name without a port, then A/AAAA.
 * NAPTR (§4.1) is not consulted.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import type { SipUri } from '../message/types.js';
import type { Target, TransportProtocol } from './transport.js';
import { TransportError, isWebSocketProtocol } from './transport.js';

/** Injectable DNS for tests. */
export interface Resolver {
  lookup(host: string): Promise<string>;
  resolveSrv?(name: string): Promise<Array<{ name: string; port: number; priority: number; weight: number }>>;
}

/** Node's resolver: `dns.lookup` (system resolver, /etc/hosts) and `dns.resolveSrv`. */
export const systemResolver: Resolver = {
  lookup: async (host) => (await dns.lookup(host)).address,
  resolveSrv: (name) => dns.resolveSrv(name),
};

/**
 * The transport a URI asks for (RFC 3263 §4.1 with the URI's own hints). RFC 7118 §5.2:
 * `transport=ws` names SIP over WebSocket, secure or not: it keeps a preferred `wss`.
 */
export function uriTransport(uri: SipUri, preferred?: TransportProtocol): TransportProtocol {
  const param = uri.params.get('transport')?.toLowerCase();
  if (param === 'udp' || param === 'tcp' || param === 'tls') return param;
  if (param === 'ws' || param === 'wss') return preferred === 'wss' ? 'wss' : param;
  if (uri.scheme === 'sips') return 'tls';
  return preferred ?? 'udp';
}

/**
 * Resolve `uri` to a concrete target. `maddr` wins over the host (RFC 3261 §19.1.1).
 * Rejects with TransportError when the name does not resolve.
 */
export async function resolveTarget(
  uri: SipUri,
  preferred?: TransportProtocol,
  resolver: Resolver = systemResolver,
): Promise<Target> {
  const protocol = uriTransport(uri, preferred);
  const host = uri.params.get('maddr') ?? uri.host;
  const defaultPort = protocol === 'tls' || protocol === 'wss' ? 5061 : 5060;
  // RFC 7118: a WebSocket client sends everything over its one connection to the WS server
  // (its URL was resolved when it connected): the host of the URI is not looked up.
  if (net.isIP(host) || isWebSocketProtocol(protocol))
    return { protocol, address: host, port: uri.port ?? defaultPort };
  let name = host;
  let port = uri.port;
  if (port === undefined && resolver.resolveSrv) {
    const service = protocol === 'tls' ? '_sips._tcp' : `_sip._${protocol}`;
    try {
      const records = await resolver.resolveSrv(`${service}.${host}`);
      records.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const best = records[0];
      if (best) {
        name = best.name;
        port = best.port;
      }
    } catch {
      // No SRV records: fall back to A/AAAA on the default port (RFC 3263 §4.2).
    }
  }
  try {
    const address = await resolver.lookup(name);
    return { protocol, address, port: port ?? defaultPort, serverName: host };
  } catch (err) {
    throw new TransportError(`cannot resolve ${name}: ${(err as Error).message}`);
  }
}
