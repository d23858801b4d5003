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

describe('POST /twilio/voice', () => {
  async function serve(authToken: string | undefined, admit = true) {
    const { HttpServer } = await import('../http/server.js');
    const { pino } = await import('pino');
    const { voiceWebhookRoute } = await import('./voice-webhook.js');
    const http = new HttpServer({
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      backend: {
        sipStatus: () => ({}),
        healthy: () => true,
        ready: () => ({ ready: true }),
        metrics: async () => ({ contentType: 'text/plain', body: '' }),
      },
    });
    const port = await http.listen();
    const tickets = new StreamTickets();
    const publicUrl = `https://assistant.example.com`;
    http.addRoutes([
      voiceWebhookRoute({
        config: { authToken, apiBaseUrl: 'https://api.twilio.com', publicUrl },
        logger: pino({ level: 'silent' }),
        tickets,
        admit: () => admit,
      }),
    ]);
    return {
      http,
      url: `http://127.0.0.1:${port}/twilio/voice`,
      signedUrl: `${publicUrl}/twilio/voice`,
      tickets,
    };
  }

  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body,
    });

  it('refuses with 503 when no auth token is configured', async () => {
    const s = await serve(undefined);
    const r = await post(s.url, 'CallSid=CA1');
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('TWILIO_AUTH_TOKEN');
    await s.http.close();
  });

  it('validates against TWILIO_PUBLIC_URL, answers wss TwiML with a token; busy -> Reject; oversize -> 413', async () => {
    const { twilioSignature } = await import('./signature.js');
    const s = await serve('tok');
    const params = { CallSid: 'CA7', From: '+1555', To: '+1666', Direction: 'inbound' };
    const body = new URLSearchParams(params).toString();
    const r = await post(s.url, body, { 'X-Twilio-Signature': twilioSignature('tok', s.signedUrl, params) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/xml');
    const xml = await r.text();
    expect(xml).toContain('<Stream url="wss://assistant.example.com/twilio/media">');
    expect(xml).toMatch(/<Parameter name="token" value="[A-Za-z0-9_-]{24}"\/>/);
    expect(s.tickets.size).toBe(1);
    // Signed for the local URL instead of the public one: rejected.
    const local = await post(s.url, body, { 'X-Twilio-Signature': twilioSignature('tok', s.url, params) });
    expect(local.status).toBe(403);
    expect((await post(s.url, 'x='.padEnd(70_000, 'a'))).status).toBe(413);
    await s.http.close();
    const busy = await serve('tok', false);
    const b = await post(busy.url, body, {
      'X-Twilio-Signature': twilioSignature('tok', busy.signedUrl, params),
    });
    expect(await b.text()).toContain('<Reject reason="busy"/>');
    await busy.http.close();
  });
});
