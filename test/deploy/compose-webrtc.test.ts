/**
 * docker-compose.webrtc.yml, the user's guide WebRTC variant of the compose lab: merged over
 * docker-compose.yml it is accepted by `docker-compose config -q`; Asterisk loads the guide's
 * [voice-assistant] block verbatim (webrtc=yes, transport=transport-wss, allow=opus,
 * allow=ulaw, ...) with a wss transport and an HTTPS server on 8089 serving /ws; the
 * certificate made by the one-shot service is the one Asterisk serves and the one the
 * assistant trusts, for the host the assistant connects to; and the assistant's merged
 * environment is a wss + DTLS-SRTP account the daemon's loader accepts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
const FILES = ['docker-compose.yml', 'docker-compose.webrtc.yml'];

/** The guide's pjsip.conf block (Passo 3, "Per Asterisk (manuale)"), line for line. */
const GUIDE_ENDPOINT = [
  '[voice-assistant]',
  'type=endpoint',
  'context=from-internal',
  'disallow=all',
  'allow=opus',
  'allow=ulaw',
  'webrtc=yes',
  'transport=transport-wss',
  'auth=voice-assistant',
  'aors=voice-assistant',
];
const GUIDE_AUTH = ['[voice-assistant]', 'type=auth', 'auth_type=userpass', 'username=voice-assistant'];
const GUIDE_AOR = ['[voice-assistant]', 'type=aor', 'max_contacts=5'];

const base = yamlDoc('docker-compose.yml');
const over = yamlDoc('docker-compose.webrtc.yml');
const svc = (doc: Obj, name: string): Obj => (doc.services as Obj)[name] as Obj;

function interpolate(v: string): string {
  return String(v).replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_m, _name: string, def?: string) => def ?? '',
  );
}
/** The assistant's environment after the merge (override wins per key), defaults interpolated. */
const assistantEnvRaw: Record<string, string> = {
  ...(svc(base, 'voice-assistant').environment as Record<string, string>),
  ...(svc(over, 'voice-assistant').environment as Record<string, string>),
};
const assistantEnv = Object.fromEntries(Object.entries(assistantEnvRaw).map(([k, v]) => [k, interpolate(v)]));

const pjsipText = readRepoFile('config/asterisk/webrtc/pjsip.conf');
const pjsip = parseAsteriskConf(pjsipText);
const http = section(parseAsteriskConf(readRepoFile('config/asterisk/webrtc/http.conf')), 'general');

/** `host-path:container-path[:mode]` volume strings of a service in the override. */
function mounts(name: string): { source: string; target: string }[] {
  return ((svc(over, name).volumes as string[]) ?? []).map((v) => {
    const [source, target] = v.split(':');
    return { source: source as string, target: target as string };
  });
}

/** The lines of a section as written (comments, blanks and #directives dropped). */
function rawSections(text: string): string[][] {
  const out: string[][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) out.push([line]);
    else out[out.length - 1]?.push(line);
  }
  return out;
}

describe('docker-compose.webrtc.yml: Asterisk loads the guide WebRTC endpoint', () => {
  it("has the guide's endpoint, auth and aor lines verbatim", () => {
    const secs = rawSections(pjsipText);
    expect(secs).toContainEqual(GUIDE_ENDPOINT);
    expect(secs).toContainEqual(GUIDE_AOR);
    // Auth: the guide's lines, with the password from the compose variable (not a literal).
    expect(secs).toContainEqual(GUIDE_AUTH);
    const auth = section(pjsip, 'voice-assistant', 'auth');
    expect(values(auth, 'password')).toEqual([]);
    expect(auth.directives).toEqual([`#exec /bin/sh -c 'echo "password = $VOICE_ASSISTANT_SIP_PASSWORD"'`]);
    expect(/^\$\{([A-Z0-9_]+):-/.exec(assistantEnvRaw.SIP_PASSWORD ?? '')?.[1]).toBe(
      'VOICE_ASSISTANT_SIP_PASSWORD',
    );
  });

  it('mounts that pjsip.conf and http.conf over files that exist in the read-only config/asterisk', () => {
    const m = mounts('asterisk');
    for (const file of ['pjsip.conf', 'http.conf']) {
      const mount = m.find((x) => x.target === `/etc/asterisk/${file}`);
      expect(mount?.source).toBe(`./config/asterisk/webrtc/${file}`);
      expect(existsSync(join(ROOT, mount?.source as string))).toBe(true);
      // The mount point exists inside the base mount (./config/asterisk:/etc/asterisk:ro).
      expect(existsSync(join(ROOT, 'config/asterisk', file))).toBe(true);
    }
    // Plain mode keeps HTTP off.
    const plainHttp = section(parseAsteriskConf(readRepoFile('config/asterisk/http.conf')), 'general');
    expect(value(plainHttp, 'enabled')).toBe('no');
  });

  it('defines transport-wss and serves WSS on the port and path the assistant uses', () => {
    const endpoint = section(pjsip, 'voice-assistant', 'endpoint');
    const transport = section(pjsip, value(endpoint, 'transport'), 'transport');
    expect(value(transport, 'protocol')).toBe('wss');
    expect(value(http, 'enabled')).toBe('yes');
    expect(value(http, 'tlsenable')).toBe('yes');
    const url = new URL(assistantEnv.SIP_WS_URL as string);
    expect(url.protocol).toBe('wss:');
    expect(url.pathname).toBe('/ws'); // Asterisk's res_http_websocket path
    const tlsPort = value(http, 'tlsbindaddr').split(':').pop();
    expect(url.port).toBe(tlsPort);
    expect(assistantEnv.SIP_PORT).toBe(tlsPort);
    // Host networking: the assistant reaches Asterisk on this host.
    expect(url.hostname).toBe(assistantEnv.SIP_SERVER);
  });

  it('serves the certificate the one-shot service makes, and the assistant trusts that one', () => {
    const certs = svc(over, 'asterisk-certs');
    const script = (certs.command as string[]).join(' ');
    const keysVol = mounts('asterisk-certs').find((x) => x.target === '/keys')?.source;
    expect(keysVol).toBe('asterisk-keys');
    expect(Object.keys(over.volumes as Obj)).toContain(keysVol);
    // Asterisk reads cert and key from the same volume.
    const astKeys = mounts('asterisk').find((x) => x.source === keysVol)?.target as string;
    expect(value(http, 'tlscertfile')).toBe(`${astKeys}/asterisk.crt`);
    expect(value(http, 'tlsprivatekey')).toBe(`${astKeys}/asterisk.key`);
    expect(script).toContain('-out /keys/asterisk.crt');
    expect(script).toContain('-keyout /keys/asterisk.key');
    // The certificate names the host of SIP_WS_URL (IP SAN for 127.0.0.1).
    const host = new URL(assistantEnv.SIP_WS_URL as string).hostname;
    expect(script).toMatch(new RegExp(`subjectAltName=\\S*IP:${host.replace(/\./g, '\\.')}`));
    // The assistant mounts the same volume and names the certificate as its CA.
    const vaKeys = mounts('voice-assistant').find((x) => x.source === keysVol)?.target as string;
    expect(assistantEnv.SIP_TLS_CA_FILE).toBe(`${vaKeys}/asterisk.crt`);
    // Asterisk starts after the certificate exists.
    expect((svc(over, 'asterisk').depends_on as Obj)['asterisk-certs']).toEqual({
      condition: 'service_completed_successfully',
    });
  });

  it("gives the assistant a wss + DTLS-SRTP account the daemon accepts, with the guide's codecs", () => {
    const r = resolveConfig(undefined, assistantEnv);
    expect(r.problems).toEqual([]);
    const cfg = r.config as DaemonConfig;
    const acc = cfg.sip.accounts[0];
    expect(acc?.transport).toBe('wss');
    expect(acc?.wsUrl).toBe('wss://127.0.0.1:8089/ws');
    expect(acc?.mediaEncryption).toBe('dtls-srtp');
    expect(acc?.username).toBe(value(section(pjsip, 'voice-assistant', 'auth'), 'username'));
    expect(cfg.sip.tls.caFile).toBe(assistantEnv.SIP_TLS_CA_FILE);
    // Every codec Asterisk may pick (allow=opus, allow=ulaw), the assistant offers.
    const toDaemon: Record<string, string> = { opus: 'opus', ulaw: 'PCMU', alaw: 'PCMA', g722: 'G722' };
    const allowed = values(section(pjsip, 'voice-assistant', 'endpoint'), 'allow').map((c) => toDaemon[c]);
    expect(allowed).toEqual(['opus', 'PCMU']);
    expect(acc?.codecs).toEqual(allowed);
  });

  it('keeps the softphone 6001 on UDP 5060 and the dialplan to PJSIP/voice-assistant', () => {
    const phone = section(pjsip, '6001', 'endpoint');
    const t = section(pjsip, value(phone, 'transport'), 'transport');
    expect(value(t, 'protocol')).toBe('udp');
    expect(value(t, 'bind')).toBe('0.0.0.0:5060');
    // The assistant never takes the softphone's or Asterisk's UDP port.
    expect(assistantEnv.SIP_LISTEN_PORT).not.toBe('5060');
    const dialplan: IniSection[] = parseAsteriskConf(readRepoFile('config/asterisk/extensions.conf'));
    const internal = section(dialplan, 'from-internal').entries.map((e) => `${e.key} => ${e.value}`);
    expect(internal).toContain('same => n,Dial(PJSIP/voice-assistant,30)');
  });
});

describe('docker-compose config (merged)', () => {
  const missing = toolMissing('docker-compose', 'apt-get install docker-compose');
  const run = (files: string[]): ReturnType<typeof spawnSync> =>
    spawnSync('docker-compose', [...files.flatMap((f) => ['-f', join(ROOT, f)]), 'config', '-q'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
    });

  it.skipIf(missing)('accepts docker-compose.yml + docker-compose.webrtc.yml', () => {
    const r = run(FILES);
    expect(`${String(r.stderr)}${r.error ? String(r.error) : ''}`).toBe('');
    expect(r.status).toBe(0);
  });
});
