import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { FakeTwilioApi } from '../helpers/twilio-fake.js';

/**
 * TELEPHONY_FALLBACK=twilio: while SIP is unusable (the registrar refuses connections),
 * outbound calls from POST /calls go through Twilio's REST API (a local fake), and the
 * fallback is visible in /sip/status.
 */
describe('Twilio fallback for outbound calls while SIP is down', () => {
  const dir = runDir('twilio-fallback');
  let base = 0;
  let daemon: DaemonHandle;
  const api = new FakeTwilioApi();
  const post = async (body: object): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`http://127.0.0.1:${daemon.httpPort}/calls`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    base = await freePortBlock(30);
    await api.start();
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 10,
      rtpPortMax: base + 19,
      env: {
        // A registrar that refuses TCP connections: registration fails at once (transport).
        SIP_SERVER: '127.0.0.1',
        SIP_PORT: String(base + 25),
        SIP_TRANSPORT: 'tcp',
        SIP_USERNAME: '100',
        SIP_PASSWORD: 'pw',
        TELEPHONY_FALLBACK: 'twilio',
        TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000001',
        TWILIO_AUTH_TOKEN: 'token',
        TWILIO_API_BASE_URL: api.url,
        TWILIO_PUBLIC_URL: 'https://assistant.example.com',
        TWILIO_PHONE_NUMBER: '+15550001111',
      },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    await api.stop();
    await stopAll();
  });

  it('places the call through Twilio and says so in /sip/status', async () => {
    await until(
      async () => (await daemon.get<{ status: string }>('/sip/status')).body.status === 'failed',
      10_000,
      'SIP down',
    );
    const r = await post({ to: '+15551234567' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ provider: 'twilio', state: 'dialing', to: '+15551234567' });
    expect(String(r.body.id)).toMatch(/^CA/);
    const req = api.requests.find((q) => q.path.endsWith('/Calls.json'));
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/2010-04-01/Accounts/AC00000000000000000000000000000001/Calls.json');
    expect(req?.authorization).toBe(
      `Basic ${Buffer.from('AC00000000000000000000000000000001:token').toString('base64')}`,
    );
    expect(req?.form).toMatchObject({
      To: '+15551234567',
      From: '+15550001111',
      Url: 'https://assistant.example.com/twilio/voice',
    });
    // An extension exists only on the PBX: Twilio cannot dial it.
    expect((await post({ to: '100' })).status).toBe(422);
    const { body } = await daemon.get<{ telephony: unknown; twilio: { configured: boolean } }>('/sip/status');
    expect(body.telephony).toEqual({ provider: 'sip', fallback: 'twilio' });
    expect(body.twilio.configured).toBe(true);
  });
});
