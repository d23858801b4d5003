import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
