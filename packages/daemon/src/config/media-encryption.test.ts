import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load.js';
import { redactConfig } from './redact.js';

describe('WebRTC media settings (issue 8)', () => {
  it('defaults to sdes and no TURN credentials', () => {
    const { config } = resolveConfig(undefined, {});
    expect(config?.sip.accounts[0]?.mediaEncryption).toBe('sdes');
    expect(config?.sip.turnUsername).toBeUndefined();
  });

  it('reads media_encryption per account from YAML and SIP_MEDIA_ENCRYPTION from env', () => {
    const yaml =
      'sip:\n  accounts:\n    - name: webrtc\n      media_encryption: dtls-srtp\n    - name: plain\n';
    const { config, problems } = resolveConfig(yaml, {});
    expect(problems).toEqual([]);
    expect(config?.sip.accounts.map((a) => a.mediaEncryption)).toEqual(['dtls-srtp', 'sdes']);
    const fromEnv = resolveConfig(undefined, { SIP_MEDIA_ENCRYPTION: 'dtls-srtp' });
    expect(fromEnv.config?.sip.accounts[0]?.mediaEncryption).toBe('dtls-srtp');
  });

  it('refuses an unknown media_encryption', () => {
    const { problems } = resolveConfig(undefined, { SIP_MEDIA_ENCRYPTION: 'zrtp' });
    expect(problems.map((p) => p.field)).toEqual(['sip.accounts[0].media_encryption']);
  });

  it('reads SIP_STUN_SERVER / SIP_TURN_SERVER and TURN credentials, redacting the password', () => {
    const { config } = resolveConfig(undefined, {
      SIP_STUN_SERVER: 'stun:127.0.0.1:3478',
      SIP_TURN_SERVER: 'turn:127.0.0.1:3478',
      SIP_TURN_USERNAME: 'va',
      SIP_TURN_PASSWORD: 's3cret',
    });
    expect(config?.sip).toMatchObject({
      stunServer: 'stun:127.0.0.1:3478',
      turnServer: 'turn:127.0.0.1:3478',
      turnUsername: 'va',
      turnPassword: 's3cret',
    });
    expect(JSON.stringify(redactConfig(config!))).not.toContain('s3cret');
  });
});
