import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioApiError, TwilioRestClient } from './rest-client.js';

interface Seen {
  method: string;
  url: string;
  auth: string;
  type: string;
  form: Record<string, string>;
}

describe('TwilioRestClient against a fake Twilio API', () => {
  let server: Server;
  let base = '';
  const seen: Seen[] = [];
  let answer: { status: number; body: string } = { status: 201, body: '' };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        seen.push({
          method: req.method ?? '',
          url: req.url ?? '',
          auth: req.headers.authorization ?? '',
          type: req.headers['content-type'] ?? '',
          form: Object.fromEntries(new URLSearchParams(data)),
        });
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const client = () =>
    new TwilioRestClient({ accountSid: 'ACtest', authToken: 'tok', apiBaseUrl: base + '/' });

  it('creates a call: POST Calls.json, Basic SID:token, form To/From/Url', async () => {
    answer = {
      status: 201,
      body: JSON.stringify({ sid: 'CA123', status: 'queued', to: '+15551', from: '+15552' }),
    };
    const call = await client().createCall({
      to: '+15551',
      from: '+15552',
      url: 'https://x.example/twilio/voice',
    });
    expect(call).toMatchObject({ sid: 'CA123', status: 'queued' });
    const s = seen.at(-1) as Seen;
    expect(s.method).toBe('POST');
    expect(s.url).toBe('/2010-04-01/Accounts/ACtest/Calls.json');
    expect(s.auth).toBe(`Basic ${Buffer.from('ACtest:tok').toString('base64')}`);
    expect(s.type).toBe('application/x-www-form-urlencoded');
    expect(s.form).toEqual({ To: '+15551', From: '+15552', Url: 'https://x.example/twilio/voice' });
  });

  it('hangs up with Status=completed and redirects with Twiml', async () => {
    answer = { status: 200, body: JSON.stringify({ sid: 'CA9', status: 'completed' }) };
    await client().hangup('CA9');
    expect(seen.at(-1)).toMatchObject({
      url: '/2010-04-01/Accounts/ACtest/Calls/CA9.json',
      form: { Status: 'completed' },
    });
    await client().redirect('CA9', '<Response><Dial>+1555</Dial></Response>');
    expect(seen.at(-1)?.form).toEqual({ Twiml: '<Response><Dial>+1555</Dial></Response>' });
  });

  it('types errors: 4xx with Twilio code not retryable, 5xx and 429 retryable', async () => {
    answer = {
      status: 400,
      body: JSON.stringify({ code: 21211, message: "The 'To' number is not valid.", status: 400 }),
    };
    const e1 = await client()
      .createCall({ to: 'x', from: 'y', url: 'https://u' })
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TwilioApiError);
    expect(e1).toMatchObject({ status: 400, code: 21211, retryable: false });
    answer = { status: 503, body: 'unavailable' };
    await expect(client().hangup('CA1')).rejects.toMatchObject({ status: 503, retryable: true });
    answer = { status: 429, body: '{}' };
    await expect(client().hangup('CA1')).rejects.toMatchObject({ status: 429, retryable: true });
    answer = { status: 200, body: '{"no":"sid"}' };
    await expect(client().hangup('CA1')).rejects.toMatchObject({ retryable: false });
  });

  it('a network error is retryable; createCall needs exactly one of url or twiml', async () => {
    const dead = new TwilioRestClient({ accountSid: 'AC', authToken: 't', apiBaseUrl: 'http://127.0.0.1:1' });
    await expect(dead.hangup('CA1')).rejects.toMatchObject({ status: 0, retryable: true });
    await expect(client().createCall({ to: 'a', from: 'b' })).rejects.toThrow(TypeError);
  });
});
