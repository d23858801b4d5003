import { describe, expect, it } from 'vitest';
import { connectStreamTwiml, StreamTickets, xmlEscape } from './voice-webhook.js';

describe('TwiML and stream tokens', () => {
  it('escapes attribute values and drops characters XML cannot carry', () => {
    expect(xmlEscape(`a&b<c>"d"'e'\u0001`)).toBe('a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;');
  });

  it('answers <Connect><Stream> with parameters', () => {
    const xml = connectStreamTwiml('wss://h.example/twilio/media', { callSid: 'CA1', token: 'a"b' });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://h.example/twilio/media">' +
        '<Parameter name="callSid" value="CA1"/><Parameter name="token" value="a&quot;b"/></Stream></Connect></Response>',
    );
  });

  it('tokens are single use, bound to the call and expire after 60 s', () => {
    const t = new StreamTickets();
    const meta = { callSid: 'CA1', from: '+1', to: '+2', direction: 'inbound' as const };
    const a = t.issue(meta, 1000);
    expect(t.claim(a, 'CA2', 1000)).toBeUndefined();
    expect(t.claim(a, 'CA1', 1000)).toMatchObject(meta);
    expect(t.claim(a, 'CA1', 1000)).toBeUndefined();
    const b = t.issue(meta, 1000);
    expect(t.claim(b, 'CA1', 61_001)).toBeUndefined();
    expect(t.claim(42, 'CA1', 1000)).toBeUndefined();
  });
});
