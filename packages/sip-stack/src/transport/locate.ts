/**
 * Locating SIP servers (RFC 3263 §4): the ordered list of targets a request to a URI may
 * be sent to, for failover (§4.3). NAPTR (§4.1) picks the transport and the SRV name,
 * SRV (§4.2, RFC 2782) orders the servers by priority and weighted random, A/AAAA gives
 * the addresses. Every DNS failure or hostile answer only shortens the list.
 */
import net from 'node:net';
import type { SipUri } from '../message/types.js';
import type { Target, TransportProtocol } from './transport.js';
import { isWebSocketProtocol } from './transport.js';

/** An SRV record (RFC 2782). */
export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/** A NAPTR record (RFC 3403), as node:dns returns it. */
export interface NaptrRecord {
  readonly flags: string;
  readonly service: string;
  readonly regexp: string;
  readonly replacement: string;
  readonly order: number;
  readonly preference: number;
}

/** The DNS queries the locator makes; every method may reject (treated as "no records"). */
export interface LocatorResolver {
  /** One address of `host` (A or AAAA). */
  lookup(host: string): Promise<string>;
  /** Every address of `host` (A, then AAAA); default `[await lookup(host)]`. */
  lookupAll?(host: string): Promise<string[]>;
  resolveSrv?(name: string): Promise<SrvRecord[]>;
  resolveNaptr?(name: string): Promise<NaptrRecord[]>;
}

/** RFC 3263 §4.1: NAPTR service field -> transport (SIPS+D2T = TLS). */
const NAPTR_SERVICES: Readonly<Record<string, TransportProtocol>> = {
  'sip+d2u': 'udp',
  'sip+d2t': 'tcp',
  'sips+d2t': 'tls',
};

/** RFC 3263 §4.1: SRV prefix per transport when NAPTR gave nothing. */
function srvService(protocol: TransportProtocol): string {
  return protocol === 'tls' ? '_sips._tcp' : `_sip._${protocol}`;
}

/** Default port per transport (RFC 3261 §19.1.2). */
function defaultPortOf(protocol: TransportProtocol): number {
  return protocol === 'tls' || protocol === 'wss' ? 5061 : 5060;
}

/** Options of {@link locateTargets}. */
export interface LocateOptions {
  /**
   * Transports the client can use for this request, in its order of preference (RFC 3263
   * §4.1: NAPTR records of other services are discarded; without NAPTR records SRV is tried
   * for each). The first one is also used when DNS says nothing. Default `['udp']`.
   */
  readonly transports?: readonly TransportProtocol[];
  /** Random source in [0, 1) for the SRV weighted selection (tests). Default Math.random. */
  readonly random?: () => number;
}

/**
 * RFC 2782 ordering: ascending priority; inside one priority, repeatedly pick a record with
 * probability proportional to its weight (weight-0 records first in the running sum, so they
 * are chosen rarely but still chosen). Records with bad fields are dropped.
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const valid = records.filter(
    (r) =>
      r &&
      typeof r.name === 'string' &&
      r.name.length > 0 &&
      r.name !== '.' &&
      Number.isInteger(r.port) &&
      r.port > 0 &&
      r.port < 65536 &&
      Number.isInteger(r.priority) &&
      Number.isInteger(r.weight) &&
      r.weight >= 0,
  );
  const priorities = [...new Set(valid.map((r) => r.priority))].sort((a, b) => a - b);
  const out: SrvRecord[] = [];
  for (const p of priorities) {
    // RFC 2782: zero-weight records first, then the others, in the running-sum list.
    const group = valid
      .filter((r) => r.priority === p)
      .sort((a, b) => (a.weight === 0 ? -1 : 0) - (b.weight === 0 ? -1 : 0));
    while (group.length > 0) {
      const total = group.reduce((s, r) => s + r.weight, 0);
      const pick = Math.min(total, Math.floor(random() * (total + 1)));
      let sum = 0;
      let at = group.length - 1;
      for (let i = 0; i < group.length; i++) {
        sum += group[i]!.weight;
        if (sum >= pick) {
          at = i;
          break;
        }
      }
      out.push(group.splice(at, 1)[0]!);
    }
  }
  return out;
}

/**
 * RFC 3263 §4.1: the usable NAPTR records, ordered by order then preference: service
 * SIP+D2U/D2T/D2S (D2S, SCTP, is not spoken here and dropped) or SIPS+D2T, flag `s`
 * (the replacement is an SRV name), and a transport in `transports`.
 */
export function usableNaptr(
  records: readonly NaptrRecord[],
  transports: readonly TransportProtocol[],
): Array<{ protocol: TransportProtocol; srvName: string }> {
  const ok = records.filter(
    (r) =>
      r &&
      typeof r.service === 'string' &&
      typeof r.replacement === 'string' &&
      r.replacement.length > 0 &&
      r.replacement !== '.' &&
      typeof r.flags === 'string' &&
      r.flags.toLowerCase() === 's' &&
      Number.isInteger(r.order) &&
      Number.isInteger(r.preference),
  );
  ok.sort((a, b) => a.order - b.order || a.preference - b.preference);
  const out: Array<{ protocol: TransportProtocol; srvName: string }> = [];
  for (const r of ok) {
    const protocol = NAPTR_SERVICES[r.service.toLowerCase()];
    if (protocol && transports.includes(protocol)) out.push({ protocol, srvName: r.replacement });
  }
  return out;
}

async function quietly<T>(p: (() => Promise<T>) | undefined): Promise<T | undefined> {
  if (!p) return undefined;
  try {
    return await p();
  } catch {
    return undefined;
  }
}

async function addresses(resolver: LocatorResolver, host: string): Promise<string[]> {
  if (net.isIP(host)) return [host];
  const all = await quietly(resolver.lookupAll ? () => resolver.lookupAll!(host) : undefined);
  if (Array.isArray(all) && all.length > 0)
    return all.filter((a) => typeof a === 'string' && net.isIP(a) !== 0);
  const one = await quietly(() => resolver.lookup(host));
  return typeof one === 'string' && net.isIP(one) ? [one] : [];
}

/**
 * The ordered targets for `uri` (RFC 3263 §4). `maddr` wins over the host (RFC 3261
 * §19.1.1). An IP address, an explicit port or a `transport` parameter short-cut the
 * NAPTR step (§4.1); an explicit port or an IP skips SRV too (§4.2). WebSocket targets
 * (RFC 7118) are not looked up: their connection was resolved when it opened.
 * Resolves with an empty list when nothing resolves; never rejects.
 */
export async function locateTargets(
  uri: SipUri,
  protocolHint: TransportProtocol | undefined,
  resolver: LocatorResolver,
  opts: LocateOptions = {},
): Promise<Target[]> {
  const host = uri.params.get('maddr') ?? uri.host;
  const param = uri.params.get('transport')?.toLowerCase();
  const explicit: TransportProtocol | undefined =
    param === 'udp' || param === 'tcp' || param === 'tls'
      ? param
      : param === 'ws' || param === 'wss'
        ? protocolHint === 'wss'
          ? 'wss'
          : param
        : uri.scheme === 'sips'
          ? 'tls'
          : undefined;
  const supported = opts.transports?.length ? opts.transports : [protocolHint ?? 'udp'];
  const first = explicit ?? protocolHint ?? supported[0]!;
  if (net.isIP(host) || isWebSocketProtocol(first))
    return [{ protocol: first, address: host, port: uri.port ?? defaultPortOf(first) }];
  if (uri.port !== undefined) {
    // §4.2: a numeric port means A/AAAA only.
    return (await addresses(resolver, host)).map((address) => ({
      protocol: first,
      address,
      port: uri.port!,
      serverName: host,
    }));
  }
  // §4.1: NAPTR only when neither transport nor port is given; sips: keeps TLS only.
  let plan: Array<{ protocol: TransportProtocol; srvName: string }> = [];
  if (explicit === undefined || uri.scheme === 'sips') {
    const allowed = uri.scheme === 'sips' ? (['tls'] as TransportProtocol[]) : supported;
    const naptr = await quietly(resolver.resolveNaptr ? () => resolver.resolveNaptr!(host) : undefined);
    if (Array.isArray(naptr)) plan = usableNaptr(naptr, allowed);
  }
  // §4.1: no (usable) NAPTR: SRV for each transport we would use.
  if (plan.length === 0) {
    const protocols = explicit ? [explicit] : supported;
    plan = protocols.map((protocol) => ({ protocol, srvName: `${srvService(protocol)}.${host}` }));
  }
  const targets: Target[] = [];
  for (const step of plan) {
    const srv = await quietly(resolver.resolveSrv ? () => resolver.resolveSrv!(step.srvName) : undefined);
    if (!Array.isArray(srv) || srv.length === 0) continue;
    for (const rec of orderSrv(srv, opts.random)) {
      for (const address of await addresses(resolver, rec.name)) {
        targets.push({ protocol: step.protocol, address, port: rec.port, serverName: host });
      }
    }
  }
  if (targets.length > 0) return dedupe(targets);
  // §4.2: no SRV records: A/AAAA of the host on the default port of the transport.
  return (await addresses(resolver, host)).map((address) => ({
    protocol: first,
    address,
    port: defaultPortOf(first),
    serverName: host,
  }));
}

function dedupe(targets: Target[]): Target[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const k = `${t.protocol}/${t.address}/${t.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
