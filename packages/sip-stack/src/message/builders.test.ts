import { describe, expect, it } from 'vitest';
import {
  createRequest,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  reasonPhrase,
} from './builders.js';
import { getHeader, getHeaders } from './headers.js';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import type { SipRequest } from './types.js';

const req = createRequest({
  method: 'INVITE',
  uri: 'sip:bob@example.com',
  headers: [
    { name: 'Via', value: 'SIP/2.0/UDP p1.example.com;branch=z9hG4bK1' },
    { name: 'v', value: 'SIP/2.0/UDP ua.example.com;branch=z9hG4bK0' },
    { name: 'from', value: '<sip:alice@example.com>;tag=a' },
    { name: 'To', value: '<sip:bob@example.com>' },
    { name: 'Call-ID', value: 'c1' },
    { name: 'CSeq', value: '1 INVITE' },
    { name: 'Timestamp', value: '54' },
  ],
  body: Buffer.from('v=0\r\n'),
  contentType: 'application/sdp',
});

describe('builders', () => {
  it('createRequest canonicalises, adds Max-Forwards and Content-Type', () => {
    expect(req.headers.map((h) => h.name)).toEqual([
      'Via',
      'Via',
      'Max-Forwards',
      'From',
      'To',
      'Call-ID',
      'CSeq',
      'Timestamp',
      'Content-Type',
    ]);
    const r = parseMessage(serializeMessage(req));
    expect(r.ok).toBe(true);
  });

  it('createResponse copies Via, From, To, Call-ID, CSeq and adds the To tag', () => {
    const res = createResponse(req, 200, {
      toTag: 'b',
      headers: [{ name: 'm', value: '<sip:bob@192.0.2.4>' }],
    });
    expect(res.reason).toBe('OK');
    expect(getHeaders(res, 'Via')).toHaveLength(2);
    expect(getHeader(res, 'To')).toBe('<sip:bob@example.com>;tag=b');
    expect(getHeader(res, 'Contact')).toBe('<sip:bob@192.0.2.4>');
    expect(getHeader(res, 'Timestamp')).toBeUndefined();
    const trying = createResponse(req, 100, { toTag: 'b' });
    expect(getHeader(trying, 'To')).toBe('<sip:bob@example.com>');
    expect(getHeader(trying, 'Timestamp')).toBe('54');
    const tagged: SipRequest = {
      ...req,
      headers: req.headers.map((h) => (h.name === 'To' ? { ...h, value: h.value + ';tag=x' } : h)),
    };
    expect(getHeader(createResponse(tagged, 486, { toTag: 'b' }), 'To')).toBe('<sip:bob@example.com>;tag=x');
  });

  it('reason phrases and identifiers', () => {
    expect(reasonPhrase(481)).toBe('Call/Transaction Does Not Exist');
    expect(reasonPhrase(422)).toBe('Session Interval Too Small');
    expect(reasonPhrase(499)).toBe('Bad Request');
    expect(generateBranch()).toMatch(/^z9hG4bK[0-9a-f]{20}$/);
    expect(generateTag()).not.toBe(generateTag());
    expect(generateCallId('h.example.com')).toMatch(/^[0-9a-f]{32}@h\.example\.com$/);
  });
});
