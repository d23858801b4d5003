import { describe, expect, it } from 'vitest';
import { hostOnly } from './outbound.js';

describe('hostOnly', () => {
  it('drops the port of host:port and [v6]:port, keeps bare hosts and IPv6 literals', () => {
    expect(hostOnly('127.0.0.2:5060')).toBe('127.0.0.2');
    expect(hostOnly('pbx.example.com')).toBe('pbx.example.com');
    expect(hostOnly('[::1]:5060')).toBe('::1');
    expect(hostOnly('[2001:db8::1]')).toBe('2001:db8::1');
    expect(hostOnly('2001:db8::1')).toBe('2001:db8::1');
  });
});
