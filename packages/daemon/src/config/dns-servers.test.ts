import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';

describe('sip.dns_servers (RFC 3263 resolver)', () => {
  it('defaults to none (system resolver) and reads SIP_DNS_SERVERS / YAML lists', () => {
    expect(resolveConfig(undefined, {}).config!.sip.dnsServers).toEqual([]);
    expect(
      resolveConfig(undefined, { SIP_DNS_SERVERS: '127.0.0.1:5353, 10.0.0.53' }).config!.sip.dnsServers,
    ).toEqual(['127.0.0.1:5353', '10.0.0.53']);
    expect(resolveConfig('sip:\n  dns_servers: ["[::1]:53", "::1"]\n', {}).config!.sip.dnsServers).toEqual([
      '[::1]:53',
      '::1',
    ]);
  });

  it('reports names and bad ports', () => {
    const r = resolveConfig(undefined, { SIP_DNS_SERVERS: 'dns.example.com,127.0.0.1:99999,127.0.0.1' });
    expect(r.problems.map((p) => `${p.field} ${p.value}`)).toEqual([
      'sip.dns_servers "dns.example.com"',
      'sip.dns_servers "127.0.0.1:99999"',
    ]);
  });
});
