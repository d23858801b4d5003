/**
 * A tiny authoritative DNS server over UDP for interop tests (RFC 1035 wire format): it
 * answers A, AAAA, SRV (RFC 2782) and NAPTR (RFC 3403) questions from a table, NXDOMAIN for
 * names it does not know, and records every question it saw. Loopback only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/** Records by owner name (no trailing dot, case-insensitive). */
export interface DnsTable {
  readonly a?: Record<string, string[]>;
  readonly aaaa?: Record<string, string[]>;
  readonly srv?: Record<string, Array<{ priority: number; weight: number; port: number; target: string }>>;
  readonly naptr?: Record<
    string,
    Array<{
      order: number;
      preference: number;
      flags: string;
      service: string;
      regexp?: string;
      replacement: string;
    }>
  >;
}

export interface DnsServer {
  readonly port: number;
  /** Questions seen, as `TYPE name` (e.g. `SRV _sip._udp.example.test`). */
  readonly queries: string[];
  close(): Promise<void>;
}

const TYPES: Record<number, string> = { 1: 'A', 28: 'AAAA', 33: 'SRV', 35: 'NAPTR' };

/** A domain name as labels (RFC 1035 §3.1), uncompressed. */
function encodeName(name: string): Buffer {
  const parts = name.replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'ascii')])),
    Buffer.from([0]),
  ]);
}

/** A <character-string> (RFC 1035 §3.3): one length byte, then the bytes. */
function charString(s: string): Buffer {
  return Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'ascii')]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function ipv6Bytes(addr: string): Buffer {
  const [head, tail] = addr.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.concat(groups.map((g) => u16(parseInt(g || '0', 16))));
}

/** Reads the question name at `at`; returns it and the offset after it (no compression in questions). */
function readName(msg: Buffer, at: number): { name: string; next: number } | undefined {
  const labels: string[] = [];
  while (at < msg.length) {
    const len = msg[at]!;
    if (len === 0) return { name: labels.join('.'), next: at + 1 };
    if (len > 63 || at + 1 + len > msg.length) return undefined;
    labels.push(msg.toString('ascii', at + 1, at + 1 + len));
    at += 1 + len;
  }
  return undefined;
}

function rdataFor(table: DnsTable, type: number, name: string): Buffer[] | undefined {
  const key = name.toLowerCase();
  const pick = <T>(t: Record<string, T[]> | undefined): T[] | undefined =>
    t && Object.entries(t).find(([k]) => k.toLowerCase() === key)?.[1];
  switch (type) {
    case 1:
      return pick(table.a)
        ?.filter((a) => isIPv4(a))
        .map((a) => Buffer.from(a.split('.').map(Number)));
    case 28:
      return pick(table.aaaa)
        ?.filter((a) => isIPv6(a))
        .map(ipv6Bytes);
    case 33:
      return pick(table.srv)?.map((r) =>
        Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), encodeName(r.target)]),
      );
    case 35:
      return pick(table.naptr)?.map((r) =>
        Buffer.concat([
          u16(r.order),
          u16(r.preference),
          charString(r.flags),
          charString(r.service),
          charString(r.regexp ?? ''),
          encodeName(r.replacement),
        ]),
      );
    default:
      return undefined;
  }
}

/** True when the table has any record for `name`. */
function known(table: DnsTable, name: string): boolean {
  const key = name.toLowerCase();
  return [table.a, table.aaaa, table.srv, table.naptr].some(
    (t) => t !== undefined && Object.keys(t).some((k) => k.toLowerCase() === key),
  );
}

/** Answer one query (or undefined to stay silent on garbage). */
export function answerQuery(table: DnsTable, query: Buffer, seen?: string[]): Buffer | undefined {
  if (query.length < 12 || (query[2]! & 0x80) !== 0 || query.readUInt16BE(4) !== 1) return undefined;
  const q = readName(query, 12);
  if (!q || q.next + 4 > query.length) return undefined;
  const type = query.readUInt16BE(q.next);
  seen?.push(`${TYPES[type] ?? type} ${q.name}`);
  const question = query.subarray(12, q.next + 4);
  const rdatas = rdataFor(table, type, q.name) ?? [];
  // RFC 1035 §4.1.1: QR, AA, RD copied; RCODE 3 (NXDOMAIN) for unknown names, else NOERROR.
  const rcode = known(table, q.name) ? 0 : 3;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8400 | ((query[2]! & 0x01) << 8) | rcode, 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(rdatas.length, 6);
  const answers = rdatas.map((rd) =>
    Buffer.concat([u16(0xc00c), u16(type), u16(1), Buffer.from([0, 0, 0, 30]), u16(rd.length), rd]),
  );
  return Buffer.concat([header, question, ...answers]);
}

/** Starts the server on 127.0.0.1:`port` (0 = ephemeral). */
export async function startDnsServer(table: DnsTable, port = 0): Promise<DnsServer> {
  const socket: Socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const res = answerQuery(table, msg, queries);
    if (res) socket.send(res, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return {
    port: socket.address().port,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
