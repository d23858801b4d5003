/**
 * Route sets and next-hop selection for requests inside a dialog
 * (RFC 3261 §12.1.1, §12.1.2, §12.2.1.1, §16.12 loose routing).
 */
import type { SipMessage } from '../message/types.js';
import { parseNameAddrList } from '../message/name-addr.js';

/**
 * The route set from Record-Route: in order for the UAS (§12.1.1), reversed for the
 * UAC (§12.1.2). Each entry is the full name-addr text. Malformed values are skipped.
 */
export function routeSetFrom(msg: SipMessage, reverse: boolean): string[] {
  const out: string[] = [];
  for (const h of msg.headers) {
    if (h.name !== 'Record-Route') continue;
    const list = parseNameAddrList(h.value);
    if (!list) continue;
    for (const na of list) out.push(`<${na.uri}>`);
  }
  return reverse ? out.reverse() : out;
}

/** Request-URI, Route headers and next-hop URI of an in-dialog request. */
export interface RoutedRequest {
  readonly requestUri: string;
  readonly routes: readonly string[];
  /** The URI to resolve to find where to send it. */
  readonly nextHopUri: string;
}

/** URI text inside `<...>` of a route entry. */
function routeUri(route: string): string {
  const lt = route.indexOf('<');
  const gt = route.lastIndexOf('>');
  return lt >= 0 && gt > lt ? route.slice(lt + 1, gt) : route;
}

/**
 * RFC 3261 §12.2.1.1: empty route set -> R-URI = remote target. First route with `lr`
 * (loose) -> R-URI = remote target, Route = route set, next hop = first route. Otherwise
 * (strict, RFC 2543) -> R-URI = first route URI, Route = rest + remote target.
 */
export function routeInDialog(remoteTarget: string, routeSet: readonly string[]): RoutedRequest {
  const first = routeSet[0];
  if (first === undefined) return { requestUri: remoteTarget, routes: [], nextHopUri: remoteTarget };
  const firstUri = routeUri(first);
  if (/;\s*lr(?:[;=>?]|$)/i.test(firstUri)) {
    return { requestUri: remoteTarget, routes: routeSet, nextHopUri: firstUri };
  }
  return {
    requestUri: firstUri.replace(/;\s*(?:method|maddr|ttl|transport|lr)(?:=[^;?]*)?/gi, ''),
    routes: [...routeSet.slice(1), `<${remoteTarget}>`],
    nextHopUri: firstUri,
  };
}
