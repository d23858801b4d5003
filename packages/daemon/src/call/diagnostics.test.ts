import { describe, expect, it } from 'vitest';
import { callWarnings, isPrivateAddress } from './diagnostics.js';

describe('call diagnostics', () => {
  it('knows private addresses', () => {
    for (const a of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      'fd00::1',
      '::1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '203.0.113.5', '2001:db8::1'])
      expect(isPrivateAddress(a), a).toBe(false);
  });
  it('flags a private address offered to a public peer', () => {
    const w = callWarnings({ localAddress: '192.168.1.10', remoteAddress: '203.0.113.5', hold: false });
    expect(w[0]).toMatch(/private address 192\.168\.1\.10 offered to public peer 203\.0\.113\.5/);
    expect(
      callWarnings({ localAddress: '192.168.1.10', remoteAddress: '192.168.1.20', hold: false }),
    ).toEqual([]);
  });
  it('suspects one-way audio when no RTP arrived 5 s after answer, unless on hold', () => {
    expect(callWarnings({ answeredSecAgo: 6, packetsReceived: 0, hold: false })[0]).toMatch(
      /one-way audio suspected/,
    );
    expect(callWarnings({ answeredSecAgo: 3, packetsReceived: 0, hold: false })).toEqual([]);
    expect(callWarnings({ answeredSecAgo: 6, packetsReceived: 10, hold: false })).toEqual([]);
    expect(callWarnings({ answeredSecAgo: 60, packetsReceived: 0, hold: true })).toEqual([]);
  });
});
