import { describe, expect, it } from 'vitest';
import { parseUri } from '../message/uri.js';
import type { SipUri } from '../message/types.js';
import type { LocatorResolver, NaptrRecord, SrvRecord } from './locate.js';
import { locateTargets, orderSrv, usableNaptr } from './locate.js';
import { createResolver, resolveTarget } from './resolve-target.js';

const uri = (s: string): SipUri => parseUri(s) as SipUri;

/** A table-driven resolver; names absent from a table reject like NXDOMAIN. */
function tableResolver(t: {
  naptr?: Record<string, NaptrRecord[]>;
  srv?: Record<string, SrvRecord[]>;
  a?: Record<string, string[]>;
}): LocatorResolver & { queries: string[] } {
  const queries: string[] = [];
  const get = <T>(table: Record<string, T> | undefined, kind: string, name: string): Promise<T> => {
    queries.push(`${kind} ${name}`);
    const v = table?.[name];
    return v === undefined ? Promise.reject(new Error('ENOTFOUND')) : Promise.resolve(v);
  };
  return {
    queries,
    lookup: async (h) => (await get(t.a, 'A', h))[0]!,
    lookupAll: (h) => get(t.a, 'A', h),
    resolveSrv: (n) => get(t.srv, 'SRV', n),
    resolveNaptr: (n) => get(t.naptr, 'NAPTR', n),
  };
}

const naptr = (order: number, preference: number, service: string, replacement: string): NaptrRecord => ({
  order,
  preference,
  service,
  replacement,
  flags: 's',
  regexp: '',
});
const srv = (name: string, port: number, priority = 10, weight = 0): SrvRecord => ({
  name,
  port,
  priority,
  weight,
});

describe('RFC 3263 locator', () => {
  it('NAPTR (order, then preference, supported transports only) -> SRV -> A: an ordered target list', async () => {
    const r = tableResolver({
      naptr: {
        'example.com': [
          naptr(20, 10, 'SIP+D2U', '_sip._udp.example.com'),
          naptr(10, 20, 'SIP+D2T', '_sip._tcp.example.com'),
          naptr(10, 10, 'SIPS+D2T', '_sips._tcp.example.com'),
          naptr(5, 10, 'SIP+D2S', '_sip._sctp.example.com'), // SCTP: not ours
        ],
      },
      srv: {
        '_sip._udp.example.com': [srv('b.example.com', 5070, 20), srv('a.example.com', 5060, 10)],
        '_sip._tcp.example.com': [srv('a.example.com', 5060)],
      },
      a: { 'a.example.com': ['192.0.2.1', '192.0.2.11'], 'b.example.com': ['192.0.2.2'] },
    });
    const targets = await locateTargets(uri('sip:example.com'), undefined, r, { transports: ['udp', 'tcp'] });
    expect(targets.map((t) => `${t.protocol}:${t.address}:${t.port}`)).toEqual([
      'tcp:192.0.2.1:5060',
      'tcp:192.0.2.11:5060',
      'udp:192.0.2.1:5060',
      'udp:192.0.2.11:5060',
      'udp:192.0.2.2:5070',
    ]);
    expect(targets[0]!.serverName).toBe('example.com');
    // SIPS+D2T was discarded (no TLS transport), and no SRV query was made for it.
    expect(r.queries).not.toContain('SRV _sips._tcp.example.com');
  });

  it('without NAPTR: SRV of each supported transport; without SRV: A on the default port', async () => {
    const r = tableResolver({
      srv: { '_sip._udp.example.com': [srv('a.example.com', 5090)] },
      a: { 'a.example.com': ['192.0.2.1'], 'example.com': ['192.0.2.9'] },
    });
    expect(await locateTargets(uri('sip:example.com'), 'udp', r)).toEqual([
      { protocol: 'udp', address: '192.0.2.1', port: 5090, serverName: 'example.com' },
    ]);
    expect(await locateTargets(uri('sip:example.com;transport=tcp'), undefined, r)).toEqual([
      { protocol: 'tcp', address: '192.0.2.9', port: 5060, serverName: 'example.com' },
    ]);
    expect(await locateTargets(uri('sips:example.com'), undefined, r)).toEqual([
      { protocol: 'tls', address: '192.0.2.9', port: 5061, serverName: 'example.com' },
    ]);
  });

  it('an explicit port means A/AAAA only (§4.2); an IP address is not looked up', async () => {
    const r = tableResolver({ a: { 'example.com': ['192.0.2.9', '2001:db8::9'] } });
    expect(await locateTargets(uri('sip:example.com:5080;transport=tcp'), undefined, r)).toEqual([
      { protocol: 'tcp', address: '192.0.2.9', port: 5080, serverName: 'example.com' },
      { protocol: 'tcp', address: '2001:db8::9', port: 5080, serverName: 'example.com' },
    ]);
    expect(r.queries).toEqual(['A example.com']);
    expect(await locateTargets(uri('sip:192.0.2.7'), 'udp', r)).toEqual([
      { protocol: 'udp', address: '192.0.2.7', port: 5060 },
    ]);
  });

  it('hostile answers never throw: bad records are dropped, nothing resolvable gives []', async () => {
    const bad = {
      lookup: () => Promise.resolve('not an ip'),
      lookupAll: () => Promise.resolve([42 as unknown as string, 'x']),
      resolveSrv: () =>
        Promise.resolve([
          { name: '', port: 5060, priority: 1, weight: 1 },
          { name: 'a', port: 0, priority: 1, weight: 1 },
          null as unknown as SrvRecord,
          { name: 'b', port: 70000, priority: 1, weight: 1 },
        ]),
      resolveNaptr: () =>
        Promise.resolve([{ bogus: true } as unknown as NaptrRecord, naptr(1, 1, 'SIP+D2U', '.')]),
    };
    expect(await locateTargets(uri('sip:example.com'), 'udp', bad)).toEqual([]);
    await expect(resolveTarget(uri('sip:example.com'), 'udp', bad)).rejects.toThrow(/cannot resolve/);
  });

  it('orders SRV by priority, then weighted random (RFC 2782)', () => {
    const recs = [srv('low', 1, 20, 0), srv('heavy', 1, 10, 90), srv('light', 1, 10, 10)];
    expect(orderSrv(recs, () => 0).map((r) => r.name)).toEqual(['heavy', 'light', 'low']);
    expect(orderSrv(recs, () => 0.95).map((r) => r.name)).toEqual(['light', 'heavy', 'low']);
    // Weight 0 in a group with others is still picked (first in the running sum, rarely).
    expect(orderSrv([srv('zero', 1, 1, 0), srv('w', 1, 1, 5)], () => 0).map((r) => r.name)).toEqual([
      'zero',
      'w',
    ]);
    let heavy = 0;
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    for (let i = 0; i < 1000; i++) if (orderSrv(recs, rnd)[0]!.name === 'heavy') heavy++;
    expect(heavy).toBeGreaterThan(820);
    expect(heavy).toBeLessThan(960);
  });

  it('keeps only flag-s NAPTR records of SIP services we can use', () => {
    expect(
      usableNaptr(
        [naptr(1, 1, 'SIPS+D2T', '_sips._tcp.x'), { ...naptr(1, 2, 'SIP+D2U', '_sip._udp.x'), flags: 'a' }],
        ['udp', 'tls'],
      ),
    ).toEqual([{ protocol: 'tls', srvName: '_sips._tcp.x' }]);
  });

  it('createResolver rejects a bad server address', () => {
    expect(() => createResolver(['not-an-address'])).toThrow();
    expect(() => createResolver(['127.0.0.1:5353'])).not.toThrow();
  });
});
