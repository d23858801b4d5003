import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAEMON_CLI } from './paths.js';
import { startProcess, type Managed } from './processes.js';

/** The address added to the namespace's loopback (baresip's ice module skips 127.0.0.1). */
export const NS_IP = '127.0.0.2';

/**
 * Create a network namespace holding only loopback with 127.0.0.2 (PEERS.md: ICE must
 * never leave loopback). Returns false without CAP_NET_ADMIN, so suites can skip.
 */
export function createLoopbackNamespace(name: string): boolean {
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
  } catch {
    return false;
  }
  const inNs = (...args: string[]): void =>
    void execFileSync('ip', ['netns', 'exec', name, ...args], { stdio: 'pipe' });
  inNs('ip', 'link', 'set', 'lo', 'up');
  inNs('ip', 'addr', 'add', `${NS_IP}/8`, 'dev', 'lo');
  // Without the `src` route baresip's checks from 127.0.0.2 fail (PEERS.md).
  inNs(
    'ip',
    'route',
    'replace',
    'local',
    NS_IP,
    'dev',
    'lo',
    'table',
    'local',
    'proto',
    'kernel',
    'scope',
    'host',
    'src',
    NS_IP,
  );
  return true;
}

/** Delete the namespace (ignores one already gone). */
export function deleteNamespace(name: string): void {
  try {
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

/** Write a baresip config dir for a WebRTC-style caller inside the namespace (no ctrl_tcp: driven by `-e`). */
export function writeWebrtcBaresipConfig(dir: string, source: string, account: string): void {
  mkdirSync(dir, { recursive: true });
  const modules = ['g711.so', 'aufile.so', 'alsa.so', 'sndfile.so', 'dtls_srtp.so', 'ice.so'];
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${NS_IP}:5060`,
      'audio_player alsa,null',
      'audio_alert alsa,null',
      `audio_source aufile,${source}`,
      'module_path /usr/lib/baresip/modules',
      ...modules.map((m) => `module ${m}`),
      'module_app account.so',
      'module_app menu.so',
      `snd_path ${dir}`,
      'rtp_ports 20000-20019',
      'rtcp_mux yes',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), account + '\n');
}

/** The TURN relay range and the static user of {@link startCoturnInNamespace}. */
export const TURN_RELAY_MIN = 40000;
export const TURN_RELAY_MAX = 40100;
export const TURN_USER = 'va';
export const TURN_PASSWORD = 'vapass';

/**
 * coturn on `NS_IP:3478` inside the namespace (PEERS.md: `allow-loopback-peers`, else
 * "403 Forbidden IP"; lt-cred-mech with a static user), relaying from TURN_RELAY_MIN..MAX.
 */
export async function startCoturnInNamespace(ns: string, dir: string): Promise<Managed> {
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      `listening-ip=${NS_IP}`,
      `relay-ip=${NS_IP}`,
      'listening-port=3478',
      `min-port=${TURN_RELAY_MIN}`,
      `max-port=${TURN_RELAY_MAX}`,
      'lt-cred-mech',
      `user=${TURN_USER}:${TURN_PASSWORD}`,
      'realm=voice.test',
      'allow-loopback-peers',
      'no-tls',
      'no-dtls',
      'no-cli',
      'no-tcp-relay',
      `userdb=${join(dir, 'turndb')}`,
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'log-file=stdout',
      'simple-log',
      '',
    ].join('\n'),
  );
  const coturn = startProcess('coturn', 'ip', ['netns', 'exec', ns, 'turnserver', '-c', conf], {
    logFile: join(dir, 'coturn.log'),
  });
  await coturn.waitFor(/Total General servers|relay 127\.0\.0\.2|IPv4\. UDP listener opened/, 15_000);
  return coturn;
}

/**
 * The built daemon inside the namespace, SIP on `NS_IP:5070`, RTP 30000-30099, with `env`
 * added; resolves once it logged its start. Its HTTP API is only reachable inside the
 * namespace: judge it by its log (`jsonLines(daemon.output())`).
 */
export async function startDaemonInNamespace(
  ns: string,
  dir: string,
  env: Record<string, string>,
): Promise<Managed> {
  const daemon = startProcess('daemon', 'ip', ['netns', 'exec', ns, process.execPath, DAEMON_CLI], {
    env: {
      PATH: process.env.PATH,
      SIP_LISTEN_ADDRESS: NS_IP,
      SIP_LISTEN_PORT: '5070',
      HTTP_LISTEN_ADDRESS: NS_IP,
      HTTP_PORT: '8080',
      RTP_PORT_MIN: '30000',
      RTP_PORT_MAX: '30099',
      LOG_LEVEL: 'debug',
      ...env,
    },
    logFile: join(dir, 'daemon.log'),
  });
  await daemon.waitFor(/voice-assistant started/, 20_000);
  return daemon;
}

/**
 * A baresip caller inside the namespace (dtls_srtp + ice, PCMU, playing `source`) that
 * dials `target` at start and quits after `seconds`; its sndfile dumps land in `dir`.
 */
export function dialFromNamespace(
  ns: string,
  dir: string,
  source: string,
  target: string,
  seconds: number,
): Managed {
  writeWebrtcBaresipConfig(
    dir,
    source,
    `<sip:alice@${NS_IP}>;regint=0;mediaenc=dtls_srtp;medianat=ice;audio_codecs=PCMU/8000/1`,
  );
  return startProcess(
    'baresip',
    'ip',
    ['netns', 'exec', ns, 'baresip', '-f', dir, '-e', `/dial ${target}`, '-t', String(seconds)],
    {
      logFile: join(dir, 'baresip.log'),
    },
  );
}
