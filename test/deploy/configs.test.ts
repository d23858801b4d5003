/**
 * The example daemon configurations in config/ (3CX, FreePBX, Asterisk, multi-tenant): each
 * is valid for the daemon's own loader (with SIP_PASSWORD from the environment where the
 * file leaves the password out, as systemd's EnvironmentFile provides it), uses G.711, and
 * the multi-tenant example also works through the guide's SIP_ACCOUNTS variable.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../packages/daemon/src/config/load.js';
import { readRepoFile, yamlDoc } from './helpers.js';

const SINGLE = ['config/3cx.yaml', 'config/freepbx.yaml', 'config/asterisk.yaml'];

describe('config/*.yaml examples', () => {
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
