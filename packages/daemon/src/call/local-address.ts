import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const cache = new Map<string, string>();

/**
 * The local IP address the kernel would use to reach `remote` (a connected UDP socket's
 * source address; nothing is sent). Used for SDP `c=` and Contact when we listen on
 * 0.0.0.0 and no public address is configured. Cached per remote address.
 */
export async function localAddressFor(remote: string): Promise<string> {
  const hit = cache.get(remote);
  if (hit) return hit;
  const fallback = isIPv6(remote) ? '::1' : '127.0.0.1';
  const addr = await new Promise<string>((resolve) => {
    const s = createSocket(isIPv6(remote) ? 'udp6' : 'udp4');
    s.once('error', () => {
      s.close();
      resolve(fallback);
    });
    s.connect(9, remote, () => {
      const a = s.address().address;
      s.close();
      resolve(a);
    });
  });
  if (cache.size > 1000) cache.clear();
  cache.set(remote, addr);
  return addr;
}
