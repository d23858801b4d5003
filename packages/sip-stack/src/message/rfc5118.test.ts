/** RFC 5118 "SIP Torture Test Messages for IPv6" (§4), written out here. */
import { describe, expect, it } from 'vitest';
import { getHeader, getHeaders } from './headers.js';
import { parseNameAddr } from './name-addr.js';
import { parseMessage } from './parse.js';
import type { SipRequest, SipUri } from './types.js';
import { formatUri, parseUri } from './uri.js';
import { validateRequest } from './validate.js';
import { formatVia, parseVia } from './via.js';

function register(ruri: string, via: string, contact = '<sip:user@[2001:db8::9:1]>'): SipRequest {
  const text = [
    `REGISTER ${ruri} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    'From: <sip:user@[2001:db8::10]>;tag=81x2',
    'To: <sip:user@[2001:db8::10]>',
    'Call-ID: SSG9559905523997077@hlau_4100',
    'CSeq: 1 REGISTER',
    `Contact: ${contact}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.reason);
  return r.message as SipRequest;
}

const VIA = 'SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111';

describe('RFC 5118 IPv6 torture cases', () => {
  it('§4.1 valid SIP message with an IPv6 reference', () => {
    const m = register('sip:[2001:db8::10]', VIA);
    expect(validateRequest(m)).toBeUndefined();
    expect(parseUri(m.uri)).toMatchObject({ host: '2001:db8::10', port: undefined });
    expect(parseVia(getHeader(m, 'Via')!)[0]).toMatchObject({ host: '2001:db8::9:1' });
    expect((parseUri(parseNameAddr(getHeader(m, 'Contact')!)!.uri) as SipUri).host).toBe('2001:db8::9:1');
  });

  it('§4.2 port ambiguous: [2001:db8::10:5070] is an address without a port', () => {
    const m = register('sip:[2001:db8::10:5070]', VIA);
    expect(validateRequest(m)).toBeUndefined();
    expect(parseUri(m.uri)).toMatchObject({ host: '2001:db8::10:5070', port: undefined });
  });

  it('§4.3 port unambiguous: [2001:db8::10]:5070', () => {
    const m = register('sip:[2001:db8::10]:5070', VIA);
    expect(parseUri(m.uri)).toMatchObject({ host: '2001:db8::10', port: 5070 });
    expect(formatUri(parseUri(m.uri)!)).toBe('sip:[2001:db8::10]:5070');
  });

  it('§4.4 invalid: an unbracketed IPv6 reference in the Request-URI gets 400', () => {
    const m = register('sip:2001:db8::10', VIA);
    expect(validateRequest(m)?.status).toBe(400);
    expect(parseUri('sip:user@2001:db8::10')).toBeUndefined();
  });

  it('§4.5 IPv6 in Via with a bracketed received parameter', () => {
    const via = 'SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=z9hG4bKas3-111';
    const m = register('sip:[2001:db8::10]', via);
    expect(validateRequest(m)).toBeUndefined();
    const [v] = parseVia(getHeader(m, 'Via')!);
    expect(v?.params.get('received')).toBe('[2001:db8::9:255]');
    expect(formatVia(v!)).toBe(via);
  });

  it('§4.6 multiple IP versions in headers (IPv4 received on an IPv6 Via, IPv4 Via)', () => {
    const m = register(
      'sip:[2001:db8::10]',
      'SIP/2.0/UDP [2001:db8::9:1];received=192.0.2.1;branch=z9hG4bKas3-111, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKjhja8781hjuaij65144',
    );
    expect(validateRequest(m)).toBeUndefined();
    expect(
      getHeaders(m, 'Via')
        .flatMap(parseVia)
        .map((v) => v.host),
    ).toEqual(['2001:db8::9:1', '192.0.2.1']);
  });

  it('§4.8 IPv4-mapped IPv6 addresses', () => {
    const m = register('sip:[::ffff:192.0.2.10]', 'SIP/2.0/UDP [::ffff:192.0.2.10]:19823;branch=z9hG4bKbh19');
    expect(validateRequest(m)).toBeUndefined();
    expect(parseUri(m.uri)).toMatchObject({ host: '::ffff:192.0.2.10' });
    expect(parseVia(getHeader(m, 'Via')!)[0]).toMatchObject({ host: '::ffff:192.0.2.10', port: 19823 });
  });

  it('§4.9 IPv6 reference bug in RFC 3261 ABNF: received without brackets is accepted', () => {
    const m = register(
      'sip:[2001:db8::10]',
      'SIP/2.0/UDP [2001:db8::9:1]:6050;branch=z9hG4bKas3-111;received=2001:db8::9:255',
    );
    expect(validateRequest(m)).toBeUndefined();
    const [v] = parseVia(getHeader(m, 'Via')!);
    expect(v).toMatchObject({ host: '2001:db8::9:1', port: 6050 });
    expect(v?.params.get('received')).toBe('2001:db8::9:255');
  });

  it('rejects malformed IPv6 references', () => {
    for (const bad of [
      'sip:[2001:db8:::10]',
      'sip:[2001:db8::10',
      'sip:[12345::1]',
      'sip:[1::2::3]',
      'sip:[192.0.2.1]',
    ]) {
      expect(parseUri(bad), bad).toBeUndefined();
    }
    expect(parseVia('SIP/2.0/UDP 2001:db8::9:1;branch=z9hG4bK1')).toEqual([]);
  });
});
