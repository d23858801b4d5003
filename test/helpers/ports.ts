import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/**
 * Finds a block of consecutive ports free for both UDP and TCP on 127.0.0.1, chosen at
 * random in 21000..32000 (below Linux's ephemeral range, above the daemon's default RTP
 * range), so that suites running in parallel never collide. Each port is probed by binding it.
 */
export async function freePortBlock(size: number, attempts = 60): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const base = 21000 + 2 * Math.floor((Math.random() * (11000 - size)) / 2);
    let ok = true;
    for (let p = base; p < base + size && ok; p++) ok = (await udpFree(p)) && (await tcpFree(p));
    if (ok) return base;
  }
  throw new Error(`no free block of ${size} ports found`);
}

/** True when nobody holds UDP `port` on 127.0.0.1. */
export function udpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
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
