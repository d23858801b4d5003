import { describe, expect, it } from 'vitest';
import { formatUri, isSipUri, parseHostPort, parseUri } from './uri.js';
import type { SipUri, TelUri } from './types.js';

describe('parseUri', () => {
  it('parses a full sip URI', () => {
    const u = parseUri(
      'sip:alice:secret@Example.com:5070;transport=TCP;lr?subject=project%20x&priority=urgent',
    );
    expect(u).toMatchObject({
      scheme: 'sip',
      user: 'alice',
      password: 'secret',
      host: 'Example.com',
      port: 5070,
    });
    const s = u as SipUri;
    expect([...s.params]).toEqual([
      ['transport', 'TCP'],
      ['lr', null],
    ]);
    expect(s.headers.get('subject')).toBe('project x');
  });

  it('handles IPv6 references (RFC 5118)', () => {
    const u = parseUri('sips:[2001:db8::10]:5061;maddr=[2001:db8::20]') as SipUri;
    expect(u.host).toBe('2001:db8::10');
    expect(u.port).toBe(5061);
    expect(formatUri(u)).toBe('sips:[2001:db8::10]:5061;maddr=[2001:db8::20]');
    expect(parseUri('sip:[::ffff:192.0.2.1]')).toMatchObject({ host: '::ffff:192.0.2.1' });
    expect(parseUri('sip:2001:db8::10')).toBeUndefined();
    expect(parseUri('sip:[2001:db8::10')).toBeUndefined();
    expect(parseUri('sip:[1:2:3:4:5:6:7:8:9]')).toBeUndefined();
  });

  it('decodes escapes and re-escapes on format', () => {
    const u = parseUri('sip:sips%3Auser%40example.com@example.net') as SipUri;
    expect(u.user).toBe('sips:user@example.com');
    expect(formatUri(u)).toBe('sip:sips%3Auser%40example.com@example.net');
    expect(parseUri('sip:%zz@example.com')).toBeUndefined();
  });

  it('keeps semicolons inside the user part', () => {
    const u = parseUri('sip:user;par=u%40example.net@example.com') as SipUri;
    expect(u.user).toBe('user;par=u@example.net');
    expect(u.host).toBe('example.com');
    expect(u.params.size).toBe(0);
  });

  it('parses tel and other schemes', () => {
    const t = parseUri('tel:+1-201-555-0123;phone-context=example.com') as TelUri;
    expect(t.number).toBe('+1-201-555-0123');
    expect(t.params.get('phone-context')).toBe('example.com');
    expect(parseUri('http://example.com/x')).toEqual({ scheme: 'http', raw: 'http://example.com/x' });
    expect(isSipUri(parseUri('SIP:a@b'))).toBe(true);
  });

  it('rejects malformed URIs', () => {
    for (const bad of [
      '',
      'sip:',
      'nocolon',
      'sip:a b@c',
      'sip:host:99999',
      'sip:@host',
      '1abc:x',
      'sip:ho_st',
    ]) {
      expect(parseUri(bad), bad).toBeUndefined();
    }
  });

  it('parseHostPort', () => {
    expect(parseHostPort('[::1]:5060')).toEqual({ host: '::1', port: 5060 });
    expect(parseHostPort('192.0.2.1')).toEqual({ host: '192.0.2.1' });
    expect(parseHostPort('::1')).toBeUndefined();
  });
});
