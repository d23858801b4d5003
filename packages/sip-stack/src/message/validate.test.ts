import { describe, expect, it } from 'vitest';
import { parseMessage } from './parse.js';
import type { SipRequest, SipResponse } from './types.js';
import { validateRequest, validateResponse } from './validate.js';

function request(method: string, extra: string[] = [], body = ''): SipRequest {
  const text = [
    `${method} sip:bob@example.com SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK77',
    'Max-Forwards: 70',
    'From: <sip:alice@example.com>;tag=1',
    'To: <sip:bob@example.com>',
    'Call-ID: v1',
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text));
  if (!r.ok) throw new Error(r.reason);
  return r.message as SipRequest;
}

describe('validateRequest', () => {
  it('accepts a plain request', () => {
    expect(validateRequest(request('INVITE'))).toBeUndefined();
  });

  it('405 with Allow for a known but unimplemented method, 501 for an unknown one', () => {
    const opts = { allowedMethods: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS'] };
    expect(validateRequest(request('SUBSCRIBE'), opts)).toEqual({
      status: 405,
      reason: 'Method Not Allowed',
      headers: [{ name: 'Allow', value: 'INVITE, ACK, BYE, CANCEL, OPTIONS' }],
    });
    expect(validateRequest(request('FOO'), opts)?.status).toBe(501);
  });

  it('420 lists only unsupported Require tags; ACK and CANCEL are exempt (§8.2.2.3)', () => {
    const r = validateRequest(request('INVITE', ['Require: timer, 100rel, foo']), {
      supported: ['timer', '100REL'],
    });
    expect(r).toMatchObject({ status: 420, headers: [{ name: 'Unsupported', value: 'foo' }] });
    expect(validateRequest(request('ACK', ['Require: foo']))).toBeUndefined();
    expect(validateRequest(request('CANCEL', ['Require: foo']))).toBeUndefined();
  });

  it('415 with Accept for an unsupported body type, also when Content-Type is missing', () => {
    const opts = { acceptedContentTypes: ['application/sdp'] };
    expect(
      validateRequest(request('INVITE', ['Content-Type: application/SDP; charset=x'], 'v=0'), opts),
    ).toBeUndefined();
    expect(validateRequest(request('INVITE', ['Content-Type: text/plain'], 'hi'), opts)).toMatchObject({
      status: 415,
      headers: [{ name: 'Accept', value: 'application/sdp' }],
    });
    expect(validateRequest(request('INVITE', [], 'hi'), opts)?.status).toBe(415);
  });

  it('406 unless Accept covers a type we can answer with (wildcards honoured)', () => {
    const opts = { responseContentTypes: ['application/sdp'] };
    expect(validateRequest(request('OPTIONS', ['Accept: application/*']), opts)).toBeUndefined();
    expect(validateRequest(request('OPTIONS', ['Accept: text/html, */*;q=0.1']), opts)).toBeUndefined();
    expect(validateRequest(request('OPTIONS', ['Accept: text/html']), opts)?.status).toBe(406);
    expect(validateRequest(request('OPTIONS'), opts)).toBeUndefined();
  });

  it('416 for a scheme we do not serve; tel is served by default', () => {
    const tel = { ...request('INVITE'), uri: 'tel:+15551234' };
    expect(validateRequest(tel)).toBeUndefined();
    expect(validateRequest(tel, { uriSchemes: ['sip', 'sips'] })?.status).toBe(416);
  });

  it('483 only when forwarding a non-OPTIONS request with Max-Forwards 0', () => {
    const zero = request('INVITE').headers.map((h) => (h.name === 'Max-Forwards' ? { ...h, value: '0' } : h));
    const req = { ...request('INVITE'), headers: zero };
    expect(validateRequest(req, { forwarding: true })?.status).toBe(483);
    expect(validateRequest(req)).toBeUndefined();
  });

  it('400 for malformed Max-Forwards, duplicate singletons and bad Contact', () => {
    expect(validateRequest(request('INVITE', ['Max-Forwards: ten']))?.status).toBe(400);
    expect(validateRequest(request('INVITE', ['Call-ID: other']))?.status).toBe(400);
    expect(validateRequest(request('INVITE', ['Contact: <sip:a@b']))?.status).toBe(400);
    expect(validateRequest(request('REGISTER', ['Contact: *']))).toBeUndefined();
  });
});

describe('validateResponse', () => {
  const response = (extra: string[]): SipResponse => {
    const text = [
      'SIP/2.0 200 OK',
      ...extra,
      'From: <sip:a@b>;tag=1',
      'To: <sip:c@d>;tag=2',
      'Call-ID: x',
      'CSeq: 1 INVITE',
      '',
      '',
    ].join('\r\n');
    const r = parseMessage(Buffer.from(text));
    if (!r.ok) throw new Error(r.reason);
    return r.message as SipResponse;
  };
  it('accepts one Via and discards several (§8.1.3.3)', () => {
    expect(validateResponse(response(['Via: SIP/2.0/UDP a;branch=z9hG4bK1']))).toBeUndefined();
    expect(
      validateResponse(response(['Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/UDP b;branch=z9hG4bK2'])),
    ).toMatch(/2 Via/);
    expect(validateResponse(response(['Via: SIP/2.0/UDP a b']))).toBe('malformed Via');
  });
});
