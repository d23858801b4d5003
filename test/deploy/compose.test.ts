/**
 * docker-compose.yml and config/asterisk/: the PBX and the assistant agree with each other
 * and with the daemon's defaults (extension name, password variable, codecs, ports), the
 * dialplan routes to the assistant, and `docker-compose config -q` accepts the file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../packages/daemon/src/config/load.js';
import type { DaemonConfig } from '../../packages/daemon/src/config/schema.js';
import {
  ROOT,
  parseAsteriskConf,
  readRepoFile,
  section,
  toolMissing,
  value,
  values,
  yamlDoc,
  type IniSection,
} from './helpers.js';

type Obj = Record<string, unknown>;
const compose = yamlDoc('docker-compose.yml');
const services = compose.services as Obj;
const asteriskSvc = services.asterisk as Obj;
const assistantSvc = services['voice-assistant'] as Obj;
const assistantEnvRaw = assistantSvc.environment as Record<string, string>;
const asteriskEnvRaw = asteriskSvc.environment as Record<string, string>;

/** Compose interpolation of `${VAR:-default}` / `${VAR}` with an empty environment. */
function interpolate(v: string): string {
  return String(v).replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_m, _name: string, def?: string) => def ?? '',
  );
}
const assistantEnv = Object.fromEntries(Object.entries(assistantEnvRaw).map(([k, v]) => [k, interpolate(v)]));

const conf = (name: string): IniSection[] => parseAsteriskConf(readRepoFile(`config/asterisk/${name}`));
const pjsip = conf('pjsip.conf');
const dialplan = conf('extensions.conf');
const DEFAULTS = resolveConfig(undefined, {}).config as DaemonConfig;

describe('docker-compose.yml', () => {
  it('has the asterisk and voice-assistant services, the assistant built from this repository', () => {
    expect(Object.keys(services).sort()).toEqual(['asterisk', 'voice-assistant']);
    expect(String(asteriskSvc.image)).toMatch(/asterisk/);
    expect(assistantSvc.build).toBe('.');
    expect(assistantSvc.depends_on).toEqual(['asterisk']);
    expect(asteriskSvc.volumes).toContain('./config/asterisk:/etc/asterisk:ro');
  });

  it("gives the assistant a configuration the daemon accepts, registering to Asterisk's 5060", () => {
    const r = resolveConfig(undefined, assistantEnv);
    expect(r.problems).toEqual([]);
    const acc = r.config?.sip.accounts[0];
    expect(acc?.server).toBe('127.0.0.1'); // host networking: Asterisk is on this host
    expect(acc?.port).toBe(5060);
    expect(acc?.transport).toBe('udp');
    expect(r.config?.telephony.provider).toBe('sip');
  });

  it('uses host networking for both, with no port used twice on the host', () => {
    expect(asteriskSvc.network_mode).toBe('host');
    expect(assistantSvc.network_mode).toBe('host');
    const cfg = resolveConfig(undefined, assistantEnv).config as DaemonConfig;
    const transport = section(pjsip, 'transport-udp', 'transport');
    const asteriskSip = Number(value(transport, 'bind').split(':')[1]);
    expect(asteriskSip).toBe(5060);
    expect(cfg.sip.listenPort).not.toBe(asteriskSip);
    // The assistant keeps its default RTP range and HTTP port; Asterisk's RTP range is disjoint.
    expect([cfg.rtp.portMin, cfg.rtp.portMax]).toEqual([DEFAULTS.rtp.portMin, DEFAULTS.rtp.portMax]);
    expect(cfg.http.port).toBe(DEFAULTS.http.port);
    const rtp = section(conf('rtp.conf'), 'general');
    const [aMin, aMax] = [Number(value(rtp, 'rtpstart')), Number(value(rtp, 'rtpend'))];
    expect(aMin).toBeLessThan(aMax);
    expect(aMax < cfg.rtp.portMin || aMin > cfg.rtp.portMax).toBe(true);
    for (const p of [asteriskSip, cfg.http.port]) expect(p < aMin || p > aMax).toBe(true);
  });

  it('health-checks the daemon on its HTTP port and stops after the drain', () => {
    const hc = assistantSvc.healthcheck as Obj;
    expect((hc.test as string[]).join(' ')).toContain(`http://127.0.0.1:${DEFAULTS.http.port}/healthz`);
    expect(assistantSvc.stop_signal).toBe('SIGTERM');
    const grace = /^(\d+)s$/.exec(String(assistantSvc.stop_grace_period));
    expect(Number(grace?.[1])).toBeGreaterThan(Number(assistantEnv.SHUTDOWN_DRAIN_SEC));
  });
});

describe('config/asterisk matches the assistant', () => {
  it("has the guide's endpoint, auth and aor named after the assistant's SIP_USERNAME", () => {
    const name = assistantEnv.SIP_USERNAME as string;
    expect(name).toBe('voice-assistant');
    const endpoint = section(pjsip, name, 'endpoint');
    const auth = section(pjsip, name, 'auth');
    section(pjsip, name, 'aor');
    expect(value(endpoint, 'auth')).toBe(name);
    expect(value(endpoint, 'aors')).toBe(name);
    expect(value(endpoint, 'context')).toBe('from-internal');
    expect(value(endpoint, 'transport')).toBe('transport-udp');
    expect(value(auth, 'auth_type')).toBe('userpass');
    expect(value(auth, 'username')).toBe(name);
    expect(Number(value(section(pjsip, name, 'aor'), 'max_contacts'))).toBeGreaterThanOrEqual(1);
  });

  it('reads the password from the same variable that is the assistant SIP_PASSWORD', () => {
    const passwordVar = /^\$\{([A-Z0-9_]+):-[^}]+\}$/.exec(assistantEnvRaw.SIP_PASSWORD ?? '')?.[1];
    expect(passwordVar).toBe('VOICE_ASSISTANT_SIP_PASSWORD');
    const auth = section(pjsip, 'voice-assistant', 'auth');
    expect(values(auth, 'password')).toEqual([]); // no literal password in the file
    expect(auth.directives).toEqual([`#exec /bin/sh -c 'echo "password = $${passwordVar}"'`]);
    // Asterisk's container gets that variable with the same default, and may run #exec.
    expect(asteriskEnvRaw[passwordVar as string]).toBe(assistantEnvRaw.SIP_PASSWORD);
    expect(value(section(conf('asterisk.conf'), 'options'), 'execincludes')).toBe('yes');
    // Likewise for the test softphone.
    const phoneAuth = section(pjsip, '6001', 'auth');
    const phoneVar = /\$([A-Z0-9_]+)/.exec(phoneAuth.directives[0] ?? '')?.[1] as string;
    expect(asteriskEnvRaw).toHaveProperty(phoneVar);
  });

  it('allows only codecs the daemon can do, G.722 (HD) first, G.711 always (PCMU/PCMA)', () => {
    const toAsterisk: Record<string, string> = { PCMU: 'ulaw', PCMA: 'alaw', opus: 'opus', G722: 'g722' };
    const daemonCodecs = (DEFAULTS.sip.accounts[0]?.codecs ?? []).map((c) => toAsterisk[c]);
    expect(daemonCodecs).toEqual(expect.arrayContaining(['g722', 'ulaw', 'alaw']));
    for (const name of ['voice-assistant', '6001']) {
      const endpoint = section(pjsip, name, 'endpoint');
      expect(values(endpoint, 'disallow')).toEqual(['all']);
      const allowed = values(endpoint, 'allow');
      // Everything Asterisk may pick, the daemon can do; G.711 is there for every phone.
      for (const c of allowed) expect(daemonCodecs).toContain(c);
      expect(allowed).toEqual(['g722', 'ulaw', 'alaw']);
      expect(value(endpoint, 'dtmf_mode')).toBe('rfc4733'); // the daemon's DTMF
      expect(value(endpoint, 'direct_media')).toBe('no');
    }
  });

  it('routes 100 and the guide inbound DID to Dial(PJSIP/voice-assistant)', () => {
    const internal = section(dialplan, 'from-internal').entries.map((e) => `${e.key} => ${e.value}`);
    expect(internal).toContain('exten => 100,1,NoOp(Call for the AI assistant)');
    expect(internal).toContain('same => n,Dial(PJSIP/voice-assistant,30)');
    expect(internal).toContain('exten => voice-assistant,1,Goto(100,1)');
    expect(internal).toContain('exten => 6001,1,NoOp(Call for the test softphone)');
    // The guide's [from-trunk] route, with _X. (any DID) in place of its YOUR_DID.
    const trunk = section(dialplan, 'from-trunk').entries.map((e) => `${e.key} => ${e.value}`);
    expect(trunk).toEqual([
      'exten => _X.,1,NoOp(Incoming call for AI Assistant)',
      'same => n,Answer()',
      'same => n,Wait(1)',
      'same => n,Dial(PJSIP/voice-assistant)',
      'same => n,Hangup()',
    ]);
    // The assistant's extension number, as the PBX dials it.
    expect(assistantEnv.SIP_EXTENSION).toBe('100');
  });

  it('loads PJSIP and not the legacy chan_sip; HTTP off; the WebRTC variant only through the override', () => {
    const modules = section(conf('modules.conf'), 'modules');
    expect(value(modules, 'autoload')).toBe('yes');
    expect(values(modules, 'noload')).toContain('chan_sip.so');
    const files = readdirSync(join(ROOT, 'config/asterisk'));
    expect(files.filter((f) => f.endsWith('.conf')).sort()).toEqual([
      'asterisk.conf',
      'extensions.conf',
      'http.conf',
      'logger.conf',
      'modules.conf',
      'pjsip.conf',
      'rtp.conf',
    ]);
    // No WebSocket server in plain mode; docker-compose.webrtc.yml mounts webrtc/http.conf over it.
    expect(value(section(conf('http.conf'), 'general'), 'enabled')).toBe('no');
    expect(pjsip.some((s) => values(s, 'protocol').includes('wss'))).toBe(false);
    const webrtc = parseAsteriskConf(readRepoFile('config/asterisk/webrtc/pjsip.conf'));
    expect(value(section(webrtc, 'voice-assistant', 'endpoint'), 'webrtc')).toBe('yes');
    expect(value(section(webrtc, 'voice-assistant', 'endpoint'), 'transport')).toBe('transport-wss');
  });
});

describe('docker-compose config', () => {
  const missing = toolMissing('docker-compose', 'apt-get install docker-compose');
  it.skipIf(missing)('accepts docker-compose.yml', () => {
    const r = spawnSync('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      // Neither the developer's .env values nor COMPOSE_* settings should change the verdict.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    });
    expect(`${r.stderr}${r.error ? String(r.error) : ''}`).toBe('');
    expect(r.status).toBe(0);
  });
});
