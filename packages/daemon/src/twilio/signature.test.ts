import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bodySha256,
  parseForm,
  safeEqual,
  twilioSignature,
  urlVariants,
  validateTwilioRequest,
  validateTwilioRequestWithBody,
} from './signature.js';

/** Twilio's documented algorithm, written out independently: URL + sorted name+value pairs, HMAC-SHA1, base64. */
function reference(token: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

// The example of Twilio's signature-validation snippets (api-snippets, security/signature_validation).
const DOC = {
  token: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675310',
    Digits: '1234',
    From: '+14158675310',
    To: '+18005551212',
  },
  signature: 'GvWf1cFY/Q7PnoempGyD5oXAezc=',
};

describe('X-Twilio-Signature', () => {
  it("matches Twilio's published example and an independent computation", () => {
    expect(reference(DOC.token, DOC.url, DOC.params)).toBe(DOC.signature);
    expect(twilioSignature(DOC.token, DOC.url, DOC.params)).toBe(DOC.signature);
    expect(validateTwilioRequest(DOC.token, DOC.signature, DOC.url, DOC.params)).toBe(true);
  });

  it('rejects a tampered parameter, URL, token or a missing signature', () => {
    expect(
      validateTwilioRequest(DOC.token, DOC.signature, DOC.url, { ...DOC.params, To: '+18005551213' }),
    ).toBe(false);
    expect(validateTwilioRequest(DOC.token, DOC.signature, DOC.url + '&x=1', DOC.params)).toBe(false);
    expect(validateTwilioRequest('54321', DOC.signature, DOC.url, DOC.params)).toBe(false);
    expect(validateTwilioRequest(DOC.token, undefined, DOC.url, DOC.params)).toBe(false);
    expect(validateTwilioRequest(DOC.token, 'short', DOC.url, DOC.params)).toBe(false);
    expect(validateTwilioRequest('', DOC.signature, DOC.url, DOC.params)).toBe(false);
  });

  it('accepts the URL signed with or without the default port', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    const sig = reference(DOC.token, withPort, DOC.params);
    expect(validateTwilioRequest(DOC.token, sig, DOC.url, DOC.params)).toBe(true);
    expect(validateTwilioRequest(DOC.token, DOC.signature, withPort, DOC.params)).toBe(true);
    expect(urlVariants('http://h:8080/x')).toEqual(['http://h:8080/x']);
    expect(urlVariants('http://h/x')).toEqual(['http://h/x', 'http://h:80/x']);
    expect(urlVariants('https://[::1]:443/x')).toEqual(['https://[::1]:443/x', 'https://[::1]/x']);
  });

  it('signs a repeated parameter once per value, values sorted', () => {
    const data = 'https://a.example/hook' + 'Ab' + 'Za' + 'Zb';
    const expected = createHmac('sha1', 'tok').update(data).digest('base64');
    expect(twilioSignature('tok', 'https://a.example/hook', { Z: ['b', 'a'], A: 'b' })).toBe(expected);
    expect(parseForm('Z=b&A=b&Z=a')).toEqual({ Z: ['b', 'a'], A: 'b' });
    expect(parseForm('To=%2B1555&Body=a+b')).toEqual({ To: '+1555', Body: 'a b' });
  });

  it('validates JSON bodies with the bodySHA256 query parameter', () => {
    const body = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
    // The hash published in Twilio's JSON example for this body.
    const hash = '5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9';
    expect(bodySha256(body)).toBe(hash);
    expect(createHash('sha256').update(body).digest('hex')).toBe(hash);
    const url = `https://example.com/myapp?bodySHA256=${hash}`;
    const sig = createHmac('sha1', 'tok').update(url).digest('base64');
    expect(validateTwilioRequestWithBody('tok', sig, url, body)).toBe(true);
    expect(validateTwilioRequestWithBody('tok', sig, url, body.replace('3030', '3031'))).toBe(false);
    expect(validateTwilioRequestWithBody('tok', sig, 'https://example.com/myapp', body)).toBe(false);
  });

  it('compares in constant time without throwing on length mismatch', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});
