import { describe, expect, it } from 'vitest';
import {
  addHeader,
  canonicalHeaderName,
  getHeader,
  getHeaders,
  prependHeader,
  removeFirstListValue,
  removeHeader,
  setHeader,
  splitHeaderList,
} from './headers.js';
import type { SipHeader } from './types.js';

describe('headers', () => {
  it('canonicalises names', () => {
    expect(canonicalHeaderName('call-id')).toBe('Call-ID');
    expect(canonicalHeaderName('I')).toBe('Call-ID');
    expect(canonicalHeaderName('CSEQ')).toBe('CSeq');
    expect(canonicalHeaderName('www-authenticate')).toBe('WWW-Authenticate');
    expect(canonicalHeaderName('X-Custom')).toBe('X-Custom');
  });

  it('looks up case-insensitively and splits list headers only', () => {
    const h: SipHeader[] = [
      { name: 'Via', value: 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2' },
      { name: 'Contact', value: '"a, b" <sip:x@y;p=1,2>, <sip:z@w>' },
      { name: 'WWW-Authenticate', value: 'Digest realm="a", nonce="b"' },
      { name: 'x-foo', value: '1' },
    ];
    expect(getHeader(h, 'v')).toContain('branch=z9hG4bK1,');
    expect(getHeaders(h, 'via')).toHaveLength(2);
    expect(getHeaders(h, 'm')).toEqual(['"a, b" <sip:x@y;p=1,2>', '<sip:z@w>']);
    expect(getHeaders(h, 'www-authenticate')).toEqual(['Digest realm="a", nonce="b"']);
    expect(getHeader(h, 'X-FOO')).toBe('1');
    expect(getHeader(h, 'Route')).toBeUndefined();
  });

  it('edits', () => {
    const h: SipHeader[] = [
      { name: 'Via', value: 'v1, v2' },
      { name: 'Route', value: '<sip:a>' },
      { name: 'Route', value: '<sip:b>' },
    ];
    setHeader(h, 'route', '<sip:c>');
    expect(h).toEqual([
      { name: 'Via', value: 'v1, v2' },
      { name: 'Route', value: '<sip:c>' },
    ]);
    prependHeader(h, 'v', 'v0');
    expect(h[0]).toEqual({ name: 'Via', value: 'v0' });
    addHeader(h, 'k', 'timer');
    expect(h.at(-1)).toEqual({ name: 'Supported', value: 'timer' });
    expect(removeFirstListValue(h, 'Via')).toBe('v0');
    expect(removeFirstListValue(h, 'Via')).toBe('v1');
    expect(getHeader(h, 'Via')).toBe('v2');
    expect(removeHeader(h, 'Via')).toBe(1);
    expect(splitHeaderList(' a ,, "b,\\"c" ,<d,e>')).toEqual(['a', '"b,\\"c"', '<d,e>']);
  });
});
