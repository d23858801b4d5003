import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';

/** Options of {@link freePortBlock}. */
export interface FreePortBlockOptions {
  /**
   * Also probe each port on `::` (UDP and TCP, dual-stack): the block is then free on ::1,
   * on every IPv6 address and (for a dual-stack `::` bind) on every IPv4 address too.
   * For suites that bind ::1 or `::`. Default false (127.0.0.1 only).
   */
  readonly ipv6?: boolean;
}

/**
 * Finds a block of consecutive ports free for both UDP and TCP on 127.0.0.1 (and on `::`
 * with `opts.ipv6`), chosen at random in 21000..32000 (below Linux's ephemeral range, above
 * the daemon's default RTP range), so that suites running in parallel never collide. Each
 * port is probed by binding it.
 */
export async function freePortBlock(
  size: number,
  attempts = 60,
  opts: FreePortBlockOptions = {},
): Promise<number> {
  const hosts = opts.ipv6 ? ['127.0.0.1', '::'] : ['127.0.0.1'];
  for (let i = 0; i < attempts; i++) {
    const base = 21000 + 2 * Math.floor((Math.random() * (11000 - size)) / 2);
    let ok = true;
    for (let p = base; p < base + size && ok; p++)
      for (const h of hosts) ok = ok && (await udpFree(p, h)) && (await tcpFree(p, h));
    if (ok) return base;
  }
  throw new Error(`no free block of ${size} ports found`);
}

/** True when nobody holds UDP `port` on `host` (127.0.0.1; an IPv6 address probes a udp6 socket). */
export function udpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    s.once('error', () => resolve(false));
    s.bind(port, host, () => s.close(() => resolve(true)));
  });
}

export function tcpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });
}
