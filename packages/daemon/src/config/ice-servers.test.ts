import { describe, expect, it } from 'vitest';
import { isStunUri, isTurnUri } from './ice-servers.js';
import { resolveConfig } from './load.js';

const creds = { SIP_TURN_USERNAME: 'va', SIP_TURN_PASSWORD: 's3cret' };

describe('sip.stun_server / sip.turn_server (RFC 7064, RFC 7065, RFC 8656 §3.1)', () => {
  it('accepts stun:, turn: and turns: URIs with optional ports', () => {
    for (const v of ['stun:stun.example.com', 'stun:127.0.0.1:3478', 'STUN:[2001:db8::1]:3478'])
      expect(isStunUri(v), v).toBe(true);
    for (const v of [
      'turn:turn.example.com',
      'turn:10.0.0.1:3479?transport=udp',
      'turns:turn.example.com',
      'turns:127.0.0.2:5349',
      'turns:[::1]:5349?transport=tcp',
    ])
      expect(isTurnUri(v), v).toBe(true);
  });

  it('refuses other schemes, transports, bare hosts and bad ports', () => {
    for (const v of ['stun.example.com:3478', 'turn:x', 'stuns:x', 'stun:x?transport=udp', 'stun:x:70000'])
      expect(isStunUri(v), v).toBe(false);
    for (const v of [
      'turn.example.com:3478', // no scheme
      'stun:x',
      'turn:x?transport=tcp', // TURN over TCP is not supported
      'turns:x?transport=udp', // that would be DTLS
      'turn:x:0',
      'turns:x:99999',
      'https://turn.example.com',
    ])
      expect(isTurnUri(v), v).toBe(false);
  });

  it('reads valid servers with their credentials from env and YAML', () => {
    const env = resolveConfig(undefined, {
      SIP_STUN_SERVER: ' stun:127.0.0.1:3478 ',
      SIP_TURN_SERVER: 'turns:127.0.0.2:5349',
      ...creds,
    });
    expect(env.problems).toEqual([]);
    expect(env.config?.sip).toMatchObject({
      stunServer: 'stun:127.0.0.1:3478',
      turnServer: 'turns:127.0.0.2:5349',
      turnUsername: 'va',
    });
    const yaml = 'sip:\n  turn_server: turn:turn.example.com\n  turn_username: va\n  turn_password: pw\n';
    expect(resolveConfig(yaml, {}).problems).toEqual([]);
  });

  it('reports each bad server with field, value and expected form', () => {
    const { config, problems } = resolveConfig(undefined, {
      SIP_STUN_SERVER: 'stun.example.com',
      SIP_TURN_SERVER: 'turn:relay.example.com?transport=tcp',
      ...creds,
    });
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      {
        field: 'sip.stun_server',
        value: '"stun.example.com"',
        expected: expect.stringContaining('stun:host[:port]'),
      },
      {
        field: 'sip.turn_server',
        value: '"turn:relay.example.com?transport=tcp"',
        expected: expect.stringMatching(/turn:host\[:port\]\[\?transport=udp\].*turns:host\[:port\]/),
      },
    ]);
  });

  it('a TURN server needs its long-term credentials (RFC 8656 §9.2)', () => {
    const none = resolveConfig(undefined, { SIP_TURN_SERVER: 'turn:127.0.0.1:3478' });
    expect(none.problems.map((p) => `${p.field} ${p.value}`)).toEqual([
      'sip.turn_username (missing)',
      'sip.turn_password (missing)',
    ]);
    const noPassword = resolveConfig(undefined, {
      SIP_TURN_SERVER: 'turns:t.example.com',
      SIP_TURN_USERNAME: 'va',
    });
    expect(noPassword.problems.map((p) => p.field)).toEqual(['sip.turn_password']);
    // Credentials without a server are harmless.
    expect(resolveConfig(undefined, creds).problems).toEqual([]);
  });
});
