import { describe, expect, it } from 'vitest';
import { twilioDialTarget } from './index.js';

describe('twilioDialTarget', () => {
  it('accepts E.164 numbers bare, as tel: or as a SIP user part; refuses extensions', () => {
    expect(twilioDialTarget('+15551234567')).toBe('+15551234567');
    expect(twilioDialTarget('tel:+1-555-123-4567')).toBe('+15551234567');
    expect(twilioDialTarget('sip:+390212345678@pbx.example.com;user=phone')).toBe('+390212345678');
    expect(twilioDialTarget('100')).toBeUndefined();
    expect(twilioDialTarget('sip:100@pbx')).toBeUndefined();
    expect(twilioDialTarget('+0123')).toBeUndefined();
  });
});

describe('TwilioProvider without full configuration', () => {
  it('placeCall throws a non-retryable TwilioNotConfiguredError naming what is missing', async () => {
    const { TwilioProvider, TwilioNotConfiguredError } = await import('./index.js');
    const { resolveConfig } = await import('../config/index.js');
    const { Metrics } = await import('../metrics/metrics.js');
    const { MediaTicker } = await import('../call/media-ticker.js');
    const { pino } = await import('pino');
    const { config } = resolveConfig(undefined, { TWILIO_ACCOUNT_SID: 'AC1', TWILIO_AUTH_TOKEN: 't' });
    const p = new TwilioProvider({
      config: config!,
      logger: pino({ level: 'silent' }),
      metrics: new Metrics({ defaultMetrics: false }),
      ticker: new MediaTicker(),
      createApp: () => {
        throw new Error('unused');
      },
    });
    expect(p.configured).toBe(true);
    expect(p.canPlaceCalls).toBe(false);
    const err = await p.placeCall({ to: '+15551234567' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioNotConfiguredError);
    expect(err).toMatchObject({ retryable: false });
    expect((err as Error).message).toContain('TWILIO_PUBLIC_URL');
    expect((err as Error).message).toContain('TWILIO_PHONE_NUMBER');
    expect(p.status()).toEqual({
      configured: true,
      outbound: false,
      webhook_url: undefined,
      media_url: undefined,
      active_calls: 0,
    });
    await p.close();
  });
});
