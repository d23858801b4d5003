import { describe, expect, it } from 'vitest';
import { resolveInstanceId } from '../sip/instance-id.js';
import { resolveConfig } from './load.js';

const server = { SIP_SERVER: 'pbx.example.com', SIP_USERNAME: '100', SIP_PASSWORD: 'pw' };

describe('SIP options: session timers, RFC 5626 instance, keep-alive, RFC 3263, outbound proxy', () => {
  it('has RFC defaults', () => {
    const { config, problems } = resolveConfig(undefined, server);
    expect(problems).toEqual([]);
    const sip = config!.sip;
    expect(sip.sessionExpiresSec).toBe(1800);
    expect(sip.minSeSec).toBe(90);
    expect(sip.instanceId).toBeUndefined();
    expect(sip.heartbeatIntervalSec).toBe(30);
    expect(sip.pathMtu).toBe(1500);
    const a = sip.accounts[0]!;
    expect(a.keepalive).toBe('auto');
    expect(a.keepaliveIntervalSec).toBe(30);
    expect(a.dnsSrv).toBe(true); // host name, no port: NAPTR/SRV (RFC 3263 §4.2)
    expect(a.outboundProxy).toBeUndefined();
    expect(a.retryInitialMs).toBe(2000);
  });

  it('reads the guide keys heartbeat_interval and registration_retry as account defaults', () => {
    const yaml = 'sip:\n  registration_retry: 5\n  heartbeat_interval: 45\n';
    const { config, problems } = resolveConfig(yaml, server);
    expect(problems).toEqual([]);
    expect(config!.sip.accounts[0]!.keepaliveIntervalSec).toBe(45);
    expect(config!.sip.accounts[0]!.retryInitialMs).toBe(5000);
  });

  it('turns SRV off for an explicit port, an IP literal or dns_srv: false', () => {
    const port = resolveConfig(undefined, { ...server, SIP_PORT: '5060' }).config!.sip.accounts[0]!;
    expect(port.dnsSrv).toBe(false);
    const ip = resolveConfig(undefined, { ...server, SIP_SERVER: '192.0.2.1' }).config!.sip.accounts[0]!;
    expect(ip.dnsSrv).toBe(false);
    const off = resolveConfig(undefined, { ...server, SIP_DNS_SRV: 'false' }).config!.sip.accounts[0]!;
    expect(off.dnsSrv).toBe(false);
  });

  it('normalises the outbound proxy to a loose-routing URI', () => {
    const read = (v: string): string | undefined =>
      resolveConfig(undefined, { ...server, SIP_OUTBOUND_PROXY: v }).config?.sip.accounts[0]?.outboundProxy;
    expect(read('proxy.example.com')).toBe('sip:proxy.example.com;lr');
    expect(read('proxy.example.com:5070')).toBe('sip:proxy.example.com:5070;lr');
    expect(read('sip:10.0.0.1:5060;transport=tcp')).toBe('sip:10.0.0.1:5060;transport=tcp;lr');
    expect(read('sips:[2001:db8::1]:5061;lr')).toBe('sips:[2001:db8::1]:5061;lr');
    const bad = resolveConfig(undefined, { ...server, SIP_OUTBOUND_PROXY: 'http://x y' });
    expect(bad.problems.map((p) => p.field)).toEqual(['sip.accounts[0].outbound_proxy']);
  });

  it('validates keep-alive, session timer and instance values with clear problems', () => {
    const { problems } = resolveConfig(undefined, {
      ...server,
      SIP_KEEPALIVE: 'ping',
      SIP_SESSION_EXPIRES: '60',
      SIP_INSTANCE_ID: 'not a urn',
    });
    expect(problems.map((p) => p.field).sort()).toEqual([
      'sip.accounts[0].keepalive',
      'sip.instance_id',
      'sip.session_expires_sec',
    ]);
    const off = resolveConfig(undefined, { ...server, SIP_SESSION_EXPIRES: '0', SIP_KEEPALIVE: 'options' });
    expect(off.problems).toEqual([]);
    expect(off.config!.sip.sessionExpiresSec).toBe(0);
    expect(off.config!.sip.accounts[0]!.keepalive).toBe('options');
  });

  it('normalises instance ids; auto is a stable name-based UUID per host', () => {
    const uuid = 'F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6';
    expect(resolveConfig(undefined, { SIP_INSTANCE_ID: uuid }).config!.sip.instanceId).toBe(
      `urn:uuid:${uuid.toLowerCase()}`,
    );
    expect(resolveConfig(undefined, { SIP_INSTANCE_ID: 'auto' }).config!.sip.instanceId).toBe('auto');
    const a = resolveInstanceId('auto', 'pod-a');
    expect(a).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(resolveInstanceId('auto', 'pod-a')).toBe(a);
    expect(resolveInstanceId('auto', 'pod-b')).not.toBe(a);
    expect(resolveInstanceId(undefined)).toBeUndefined();
  });
});
