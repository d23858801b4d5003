/**
 * Locating a SIP server (RFC 3263): the transport from the URI `transport` parameter (or
 * `sips:` -> TLS, or the preferred/default UDP), then NAPTR (§4.1), SRV (§4.2) and A/AAAA
 * in `locate.ts`. {@link resolveTarget} returns the first target; the user agent walks the
 * whole list with `locateTargets` for failover (§4.3).
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import type { SipUri } from '../message/types.js';
import type { Target, TransportProtocol } from './transport.js';
import { TransportError } from './transport.js';
import type { LocatorResolver } from './locate.js';
import { locateTargets } from './locate.js';

export type { SrvRecord, NaptrRecord, LocatorResolver } from './locate.js';

/**
 * Injectable DNS for tests: `lookup` (one address) is required; `lookupAll`, `resolveSrv`
 * and `resolveNaptr` are optional (missing = no such records).
 */
export type Resolver = LocatorResolver;

/** Query timeout of the resolvers made here: 2000 ms per try, 2 tries. */
const DNS_TIMEOUT_MS = 2000;

/**
 * A resolver over node:dns. Without `servers`: the system resolver (`dns.lookup` for
 * addresses, so /etc/hosts counts). With `servers` (`ip` or `ip:port`, IPv6 as `[v6]:port`):
 * every query, A/AAAA included, goes to those servers (`Resolver#setServers`), then
 * `dns.lookup` as a last resort for names such as `localhost`. Throws TypeError on a bad
 * server address.
 */
export function createResolver(servers?: readonly string[]): Resolver {
  const r = new dns.Resolver({ timeout: DNS_TIMEOUT_MS, tries: 2 });
  const custom = servers !== undefined && servers.length > 0;
  if (custom) r.setServers([...servers]);
  const viaServers = async (host: string): Promise<string[]> => {
    const [v4, v6] = await Promise.all([
      r.resolve4(host).catch(() => [] as string[]),
      r.resolve6(host).catch(() => [] as string[]),
    ]);
    return [...v4, ...v6];
  };
  const lookup = async (host: string): Promise<string> => {
    if (net.isIP(host)) return host;
    if (custom) {
      const found = await viaServers(host);
      if (found[0] !== undefined) return found[0];
    }
    return (await dns.lookup(host)).address;
  };
  return {
    lookup,
    lookupAll: async (host) => {
      if (net.isIP(host)) return [host];
      if (custom) {
        const found = await viaServers(host);
        if (found.length > 0) return found;
      }
      return (await dns.lookup(host, { all: true })).map((a) => a.address);
    },
    resolveSrv: (name) => r.resolveSrv(name),
    resolveNaptr: (name) => r.resolveNaptr(name),
  };
}

/** Node's system resolver (see {@link createResolver}). */
export const systemResolver: Resolver = createResolver();

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
 * Resolve `uri` to its first target (RFC 3263: NAPTR, SRV, A/AAAA; see `locateTargets`).
 * `maddr` wins over the host (RFC 3261 §19.1.1). Rejects with TransportError when the
 * name does not resolve.
 */
export async function resolveTarget(
  uri: SipUri,
  preferred?: TransportProtocol,
  resolver: Resolver = systemResolver,
): Promise<Target> {
  const protocol = uriTransport(uri, preferred);
  const [first] = await locateTargets(uri, preferred, resolver, { transports: [protocol] });
  if (!first) throw new TransportError(`cannot resolve ${uri.params.get('maddr') ?? uri.host}`);
  return first;
}
