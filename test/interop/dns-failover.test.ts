import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../helpers/daemon.js';
import { startDnsServer, type DnsServer } from '../helpers/dns-server.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll } from '../helpers/processes.js';

interface Status {
  status: string;
  sip_username: string | null;
  accounts: Array<{ name: string; status: string }>;
}

/** Kamailio answering every REGISTER with 503 (a registrar out of service). */
const refuse503 = (cfg: string): string =>
  cfg.replace(
    'if (is_method("REGISTER")) {',
    'if (is_method("REGISTER")) {\n        xlog("L_NOTICE", "REGISTER refused with 503 from $si:$sp\\n");\n        sl_send_reply("503", "Service Unavailable");\n        exit;',
  );

/**
 * RFC 3263 with a real resolver path: the daemon asks a DNS server of the test
 * (SIP_DNS_SERVERS) for NAPTR, SRV and A records of its registrar domain, and fails over
 * from the first SRV target (a Kamailio answering 503) to the second (RFC 3263 §4.3).
 */
describe('RFC 3263 locating with failover (NAPTR -> SRV -> A, two Kamailio registrars)', () => {
  const dir = runDir('dns-failover');
  let base = 0;
  let dns: DnsServer;
  let k1: Kamailio;
  let k2: Kamailio;

  beforeAll(async () => {
    base = await freePortBlock(30);
    k1 = await startKamailio({
      dir: join(dir, 'k1'),
      port: base,
      users: { voice: 'voicepw' },
      cfgTransform: refuse503,
    });
    k2 = await startKamailio({ dir: join(dir, 'k2'), port: base + 1, users: { voice: 'voicepw' } });
    dns = await startDnsServer({
      naptr: {
        'voice.test': [
          // TCP is preferred by order, but the account registers over UDP: discarded (§4.1).
          { order: 10, preference: 10, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.voice.test' },
          { order: 20, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.voice.test' },
        ],
      },
      srv: {
        '_sip._udp.voice.test': [
          { priority: 20, weight: 0, port: k2.port, target: 'reg2.voice.test' },
          { priority: 10, weight: 0, port: k1.port, target: 'reg1.voice.test' },
        ],
        '_sip._tcp.voice.test': [{ priority: 10, weight: 0, port: k2.port, target: 'reg2.voice.test' }],
      },
      a: { 'reg1.voice.test': ['127.0.0.1'], 'reg2.voice.test': ['127.0.0.1'] },
    });
  });
  afterAll(async () => {
    await stopAll();
    await dns?.close();
  });

  it('registers via the second SRV target after the first answered 503', async () => {
    const daemon = await startDaemon({
      dir,
      name: 'daemon-dns',
      sipPort: base + 5,
      httpPort: base + 6,
      rtpPortMin: base + 10,
      rtpPortMax: base + 19,
      env: {
        SIP_SERVER: 'voice.test', // a host name without a port: dns_srv (RFC 3263)
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_DNS_SERVERS: `127.0.0.1:${dns.port}`,
      },
    });
    await daemon.waitLog(/^SIP registration successful$/, 20_000);
    const { body } = await daemon.get<Status>('/sip/status');
    expect(body).toMatchObject({ status: 'connected', sip_username: 'voice' });
    // The first target refused it, the second registered the AOR.
    await k1.proc.waitFor(/REGISTER refused with 503/, 5000);
    await k2.proc.waitFor(/REGISTER sip:voice@voice\.test OK/, 5000);
    expect(k1.proc.output()).not.toMatch(/REGISTER sip:voice@voice\.test OK/);
    // NAPTR, then SRV of the UDP service only, then the addresses of the SRV targets.
    expect(dns.queries).toContain('NAPTR voice.test');
    expect(dns.queries).toContain('SRV _sip._udp.voice.test');
    expect(dns.queries).not.toContain('SRV _sip._tcp.voice.test');
    expect(dns.queries).toContain('A reg1.voice.test');
    expect(dns.queries).toContain('A reg2.voice.test');
    expect(await daemon.stop()).toBe(0);
  });
});
