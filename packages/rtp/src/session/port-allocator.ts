/**
 * RTP/RTCP port allocation: even RTP ports with RTCP on port + 1 (RFC 3550 §11), both
 * sockets bound before the allocation is handed out; ports held by other processes are
 * skipped. The search starts after the last allocated port (round robin), so a port just
 * released is not reused at once and late packets of an old call cannot leak into a new one.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

/**
 * The socket's resolver: an IP literal answers at once (Node's default `dns.lookup` answers
 * it too, but a tick later, costing a closure and a trip through the tick queue on every
 * `send()` and `bind()`); anything else goes to `dns.lookup` as before.
 */
function literalFirstLookup(
  address: string,
  options: dns.LookupOneOptions | number,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const ipFamily = net.isIP(address);
  if (ipFamily !== 0) callback(null, address, ipFamily);
  else if (typeof options === 'number') dns.lookup(address, options, callback);
  else dns.lookup(address, options, callback);
}

/** Options of {@link PortAllocator}. */
export interface PortAllocatorOptions {
  /** Lowest port of the range (rounded up to even). */
  min: number;
  /** Highest port of the range (the last RTCP port). */
  max: number;
  /** Local bind address. Default `0.0.0.0` (`::` sockets when an IPv6 address is given). */
  host?: string;
  /** Also bind the RTCP socket on port + 1. Default true (false for rtcp-mux only). */
  rtcp?: boolean;
}

/** A bound RTP (and RTCP) socket pair. */
export interface PortAllocation {
  /** Bound RTP socket (even port). */
  readonly rtp: dgram.Socket;
  /** Bound RTCP socket (port + 1), absent when allocated with `rtcp: false`. */
  readonly rtcp?: dgram.Socket;
  /** The RTP port (even); RTCP is `port + 1`. */
  readonly port: number;
  /** Close both sockets and return the port pair to the pool. Idempotent. */
  release(): void;
}

/** Thrown by {@link PortAllocator.allocate} when no port pair can be bound. */
export class PortsExhaustedError extends Error {
  override readonly name = 'PortsExhaustedError';
}

function bindSocket(type: 'udp4' | 'udp6', port: number, address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type, lookup: literalFirstLookup });
    const onError = (err: Error): void => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

/** Allocates RTP/RTCP port pairs from a range. */
export class PortAllocator {
  private readonly first: number;
  private readonly pairs: number;
  private readonly host: string;
  private readonly type: 'udp4' | 'udp6';
  private readonly withRtcp: boolean;
  private readonly taken = new Set<number>();
  private cursor = 0;

  constructor(opts: PortAllocatorOptions) {
    this.first = opts.min + (opts.min & 1);
    this.pairs = Math.max(0, Math.floor((opts.max - this.first + 1) / 2));
    if (this.pairs === 0) throw new RangeError(`port range ${opts.min}-${opts.max} holds no RTP/RTCP pair`);
    this.host = opts.host ?? '0.0.0.0';
    this.type = net.isIPv6(this.host) ? 'udp6' : 'udp4';
    this.withRtcp = opts.rtcp ?? true;
  }

  /** Port pairs currently allocated by this allocator. */
  get inUse(): number {
    return this.taken.size;
  }

  /** Bind the next free pair. Rejects with {@link PortsExhaustedError} when none is free. */
  async allocate(): Promise<PortAllocation> {
    for (let i = 0; i < this.pairs; i++) {
      const index = this.cursor;
      this.cursor = (this.cursor + 1) % this.pairs;
      const port = this.first + index * 2;
      if (this.taken.has(port)) continue;
      this.taken.add(port); // reserve before awaiting so parallel calls skip it
      let rtp: dgram.Socket | undefined;
      try {
        rtp = await bindSocket(this.type, port, this.host);
        const rtcp = this.withRtcp ? await bindSocket(this.type, port + 1, this.host) : undefined;
        return this.makeAllocation(port, rtp, rtcp);
      } catch {
        rtp?.close(); // in use by another process: skip the pair
        this.taken.delete(port);
      }
    }
    throw new PortsExhaustedError(
      `no free RTP port pair in ${this.first}-${this.first + this.pairs * 2 - 1}`,
    );
  }

  private makeAllocation(port: number, rtp: dgram.Socket, rtcp: dgram.Socket | undefined): PortAllocation {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const s of [rtp, rtcp]) {
        try {
          s?.close();
        } catch {
          // already closed
        }
      }
      this.taken.delete(port);
    };
    return rtcp ? { rtp, rtcp, port, release } : { rtp, port, release };
  }
}
