/**
 * The example daemon configurations in config/ (3CX, FreePBX, Asterisk, multi-tenant): each
 * is valid for the daemon's own loader (with SIP_PASSWORD from the environment where the
 * file leaves the password out, as systemd's EnvironmentFile provides it), uses G.711, and
 * the multi-tenant example also works through the guide's SIP_ACCOUNTS variable. The
 * WebRTC-extension examples (Asterisk webrtc=yes, 3CX and FreePBX "WebRTC: Yes") register
 * over wss with DTLS-SRTP media, and comment every key. Every config/*.yaml must be listed
 * here, so a new example cannot skip the loader.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../packages/daemon/src/config/load.js';
import { ROOT, readRepoFile, yamlDoc } from './helpers.js';

const SINGLE = ['config/3cx.yaml', 'config/freepbx.yaml', 'config/asterisk.yaml'];
/** The WebRTC-extension variants (issue 8): WSS to the PBX's WebSocket, DTLS-SRTP media. */
const WEBRTC: Record<string, { wsUrl: string; codecs: string[] }> = {
  'config/asterisk-webrtc.yaml': { wsUrl: 'wss://asterisk.example.com:8089/ws', codecs: ['opus', 'PCMU'] },
  'config/freepbx-webrtc.yaml': { wsUrl: 'wss://freepbx.example.com:8089/ws', codecs: ['opus', 'PCMU'] },
  'config/3cx-webrtc.yaml': { wsUrl: 'wss://pbx.example.com:443/ws', codecs: ['opus', 'PCMU', 'PCMA'] },
};
const OTHERS = ['config/default.yaml', 'config/multi-tenant.yaml'];

describe('config/*.yaml examples', () => {
  it('every config/*.yaml is checked below (a new example cannot slip past the loader)', () => {
    const files = readdirSync(join(ROOT, 'config'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => `config/${f}`)
      .sort();
    expect(files).toEqual([...SINGLE, ...Object.keys(WEBRTC), ...OTHERS].sort());
  });

  for (const file of [...Object.keys(WEBRTC), ...OTHERS])
    it(`${file}: loads through the daemon's loader with no problem`, () => {
      const r = resolveConfig(readRepoFile(file), { SIP_PASSWORD: 'from-env' }, file);
      expect(r.problems).toEqual([]);
    });

  for (const [file, want] of Object.entries(WEBRTC)) {
    it(`${file}: a WebRTC extension (wss, DTLS-SRTP, Opus + G.711), only the password missing without it`, () => {
      const text = readRepoFile(file);
      const ok = resolveConfig(text, { SIP_PASSWORD: 'from-env' }, file);
      expect(ok.problems).toEqual([]);
      expect(ok.config?.sip.accounts).toHaveLength(1);
      const acc = ok.config?.sip.accounts[0];
      expect(acc?.transport).toBe('wss');
      expect(acc?.wsUrl).toBe(want.wsUrl);
      expect(acc?.mediaEncryption).toBe('dtls-srtp');
      expect(acc?.codecs).toEqual(want.codecs);
      expect(acc?.password).toBe('from-env');
      expect(ok.config?.sip.stunServer).toMatch(/^stun:/);
      // TURN is documented (commented), not on: with it set, media would be relay-only.
      expect(ok.config?.sip.turnServer).toBeUndefined();
      const bare = resolveConfig(text, {}, file);
      expect(bare.problems.map((p) => p.field)).toEqual(['sip.accounts[0].password']);
      // The commented TURN keys load when uncommented (they are real keys, not prose).
      const withTurn = resolveConfig(text.replace(/^ {2}# (turn_\w+:)/gm, '  $1'), {
        SIP_PASSWORD: 'x',
        SIP_TURN_PASSWORD: 'tp',
      });
      expect(withTurn.problems).toEqual([]);
      expect(withTurn.config?.sip.turnServer).toBe('turn:turn.example.com:3478');
      expect(withTurn.config?.sip.turnUsername).toBe('voice-assistant');
      expect(withTurn.config?.sip.turnPassword).toBe('tp');
    });

    it(`${file}: every key carries a comment`, () => {
      const lines = readRepoFile(file).split('\n');
      const uncommented = lines.filter((l, i) => {
        if (!/^\s*[a-z_]+:/.test(l) && !/^\s*- name:/.test(l)) return false;
        if (l.includes(' # ')) return false;
        const prev = lines[i - 1] ?? '';
        if (/^\s*#/.test(prev)) return false;
        // Section heads and the assistant persona are self-describing.
        return !/^\s*(sip|accounts|rtp|assistant|system_prompt|greeting|language|- name):/.test(l);
      });
      expect(uncommented).toEqual([]);
    });
  }

  for (const file of SINGLE) {
    it(`${file}: valid with SIP_PASSWORD from the environment, and only the password missing without it`, () => {
      const text = readRepoFile(file);
      const ok = resolveConfig(text, { SIP_PASSWORD: 'from-env' }, file);
      expect(ok.problems).toEqual([]);
      const acc = ok.config?.sip.accounts[0];
      expect(acc?.server).toBeDefined();
      expect(acc?.username).toBeDefined();
      expect(acc?.password).toBe('from-env');
      expect(acc?.codecs).toEqual(['PCMU', 'PCMA']);
      expect(ok.config?.sip.accounts).toHaveLength(1);
      const bare = resolveConfig(text, {}, file);
      expect(bare.problems.map((p) => p.field)).toEqual(['sip.accounts[0].password']);
    });
  }

  it('config/3cx.yaml carries an assistant persona', () => {
    const cfg = resolveConfig(readRepoFile('config/3cx.yaml'), { SIP_PASSWORD: 'x' }).config;
    expect(cfg?.sip.accounts[0]?.assistant.systemPrompt).toMatch(/receptionist/);
    expect(cfg?.sip.accounts[0]?.assistant.greeting).toMatch(/Example Limited/);
  });

  it('config/multi-tenant.yaml: two accounts, each with its own persona and extension', () => {
    const text = readRepoFile('config/multi-tenant.yaml');
    const r = resolveConfig(text, {});
    expect(r.problems).toEqual([]);
    const accounts = r.config?.sip.accounts ?? [];
    expect(accounts.map((a) => [a.name, a.username, a.extension])).toEqual([
      ['tenant1', 'tenant1', '100'],
      ['tenant2', 'tenant2', '200'],
    ]);
    expect(accounts[1]?.assistant.language).toBe('it-IT');
  });

  it("config/multi-tenant.yaml accounts also work as the guide's SIP_ACCOUNTS, with SIP_SERVER shared", () => {
    const doc = yamlDoc('config/multi-tenant.yaml') as { sip: { accounts: Record<string, unknown>[] } };
    // The guide's form: entries with username, password and extension only.
    const list = doc.sip.accounts.map(
      (a) =>
        `- username: ${String(a.username)}\n  password: ${String(a.password)}\n  extension: ${String(a.extension)}`,
    );
    const r = resolveConfig(undefined, { SIP_ACCOUNTS: list.join('\n'), SIP_SERVER: 'pbx.example.com' });
    expect(r.problems).toEqual([]);
    expect(r.config?.sip.accounts.map((a) => a.server)).toEqual(['pbx.example.com', 'pbx.example.com']);
  });
});
