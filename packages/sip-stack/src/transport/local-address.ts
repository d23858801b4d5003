import os from 'node:os';

/**
 * The address to advertise in Via sent-by and Contact for a socket bound to `bindHost`
 * (RFC 3261 §18.1.1: sent-by is where responses should come). A wildcard bind (0.0.0.0
 * or ::) is replaced by the first non-internal interface address of that family,
 * falling back to loopback. `publicAddress` always wins.
 */
export function advertisedHost(bindHost: string, publicAddress?: string): string {
  if (publicAddress) return publicAddress;
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  const family = bindHost === '::' ? 'IPv6' : 'IPv4';
  for (const list of Object.values(os.networkInterfaces())) {
    for (const ni of list ?? []) {
      if (!ni.internal && ni.family === family && !ni.address.startsWith('fe80')) return ni.address;
    }
  }
  return family === 'IPv6' ? '::1' : '127.0.0.1';
}
