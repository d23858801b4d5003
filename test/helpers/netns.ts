import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { bestMatch, readWav, rms } from './audio.js';
import { DAEMON_CLI, PROMPTS } from './paths.js';
import { jsonLines, startProcess, until, type Managed } from './processes.js';

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

/**
 * An HTTP request made from inside namespace `ns` (the daemon's API listens there), with
 * this Node binary, `json` (if given) as a JSON request body: resolves with the status and
 * the body text.
 */
export function httpInNamespace(
  ns: string,
  method: string,
  url: string,
  json?: object,
): Promise<{ status: number; body: string }> {
  const init =
    json === undefined
      ? `{ method: ${JSON.stringify(method)} }`
      : `{ method: ${JSON.stringify(method)}, headers: { 'content-type': 'application/json' },
    body: ${JSON.stringify(JSON.stringify(json))} }`;
  const script = `fetch(${JSON.stringify(url)}, ${init}).then(async (r) =>
    process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout) as { status: number; body: string }),
    );
  });
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

/** Where and how {@link writeCoturnConfig} makes coturn listen and relay. */
export interface CoturnConfig {
  readonly ip: string;
  readonly port: number;
  readonly minPort: number;
  readonly maxPort: number;
  /** Also listen for TURN over TLS (RFC 8656 §3.1) on `port`, with this certificate. */
  readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string };
  /** Log every session and request (`new ... lifetime=600`, `refreshed ... lifetime=0`). Default false. */
  readonly verbose?: boolean;
}

/**
 * Writes `dir/turnserver.conf` for coturn (PEERS.md: `allow-loopback-peers`, else "403
 * Forbidden IP"; lt-cred-mech with the static TURN_USER); returns its path.
 */
export function writeCoturnConfig(dir: string, c: CoturnConfig): string {
  const conf = join(dir, 'turnserver.conf');
  writeFileSync(
    conf,
    [
      `listening-ip=${c.ip}`,
      `relay-ip=${c.ip}`,
      `listening-port=${c.port}`,
      `min-port=${c.minPort}`,
      `max-port=${c.maxPort}`,
      'lt-cred-mech',
      `user=${TURN_USER}:${TURN_PASSWORD}`,
      'realm=voice.test',
      'allow-loopback-peers',
      ...(c.tls
        ? [`tls-listening-port=${c.tls.port}`, `cert=${c.tls.certFile}`, `pkey=${c.tls.keyFile}`]
        : ['no-tls']),
      'no-dtls',
      'no-cli',
      'no-tcp-relay',
      `userdb=${join(dir, 'turndb')}`,
      `pidfile=${join(dir, 'turnserver.pid')}`,
      'log-file=stdout',
      'simple-log',
      ...(c.verbose ? ['verbose'] : []),
      '',
    ].join('\n'),
  );
  return conf;
}

/** The TURN over TLS port of {@link startCoturnInNamespace} with `tls` (RFC 8656 §3.1's default). */
export const TURNS_PORT = 5349;

/** Options of {@link startCoturnInNamespace}. */
export interface CoturnInNamespaceOptions {
  /** Also TURN over TLS on `NS_IP:TURNS_PORT` with this certificate and key. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Log sessions and requests ({@link CoturnConfig.verbose}). */
  readonly verbose?: boolean;
}

/**
 * coturn on `NS_IP:3478` inside the namespace ({@link writeCoturnConfig}), relaying from
 * TURN_RELAY_MIN..MAX; with `tls` also TURN over TLS on `NS_IP:TURNS_PORT`, resolved once
 * that port accepts connections.
 */
export async function startCoturnInNamespace(
  ns: string,
  dir: string,
  opts: CoturnInNamespaceOptions = {},
): Promise<Managed> {
  const { tls } = opts;
  const conf = writeCoturnConfig(dir, {
    ip: NS_IP,
    port: 3478,
    minPort: TURN_RELAY_MIN,
    maxPort: TURN_RELAY_MAX,
    ...(tls ? { tls: { port: TURNS_PORT, ...tls } } : {}),
    ...(opts.verbose ? { verbose: true } : {}),
  });
  const coturn = startProcess('coturn', 'ip', ['netns', 'exec', ns, 'turnserver', '-c', conf], {
    logFile: join(dir, 'coturn.log'),
  });
  await coturn.waitFor(/Total General servers|relay 127\.0\.0\.2|IPv4\. UDP listener opened/, 15_000);
  if (tls) await until(() => tcpOpenInNamespace(ns, NS_IP, TURNS_PORT), 10_000, 'coturn TLS listener');
  return coturn;
}

/** True when something accepts TCP connections on `host:port` inside namespace `ns`. */
function tcpOpenInNamespace(ns: string, host: string, port: number): Promise<boolean> {
  const script = `require('node:net').connect(${port}, ${JSON.stringify(host)})
    .on('connect', function () { this.destroy(); process.exit(0); }).on('error', () => process.exit(1))`;
  return new Promise((resolve) =>
    execFile('ip', ['netns', 'exec', ns, process.execPath, '-e', script], (err) => resolve(err === null)),
  );
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

/** baresip's WebRTC-style media parameters: DTLS-SRTP, ICE, PCMU. */
export const WEBRTC_MEDIA_PARAMS = 'mediaenc=dtls_srtp;medianat=ice;audio_codecs=PCMU/8000/1';

/**
 * A baresip caller inside the namespace (dtls_srtp + ice, PCMU, playing `source`) that
 * dials `target` at start and quits after `seconds`; its sndfile dumps land in `dir`.
 * `account` replaces the default unregistered `<sip:alice@NS_IP>` account line (e.g. one
 * that registers at a registrar with `auth_pass` and `regint`).
 */
export function dialFromNamespace(
  ns: string,
  dir: string,
  source: string,
  target: string,
  seconds: number,
  account = `<sip:alice@${NS_IP}>;regint=0;${WEBRTC_MEDIA_PARAMS}`,
): Managed {
  writeWebrtcBaresipConfig(dir, source, account);
  return startProcess(
    'baresip',
    'ip',
    ['netns', 'exec', ns, 'baresip', '-f', dir, '-e', `/dial ${target}`, '-t', String(seconds)],
    {
      logFile: join(dir, 'baresip.log'),
    },
  );
}

/**
 * A baresip callee inside the namespace (dtls_srtp + ice, PCMU, playing `source`) as
 * `sip:bob@NS_IP:5060` that answers at once and quits after `seconds`; its sndfile dumps
 * land in `dir`. `sipTrace` prints every SIP message (baresip `-s`), SDP bodies included.
 * Resolves once baresip is ready.
 */
export async function answerInNamespace(
  ns: string,
  dir: string,
  source: string,
  seconds: number,
  sipTrace = false,
): Promise<Managed> {
  writeWebrtcBaresipConfig(dir, source, `<sip:bob@${NS_IP}>;regint=0;answermode=auto;${WEBRTC_MEDIA_PARAMS}`);
  const args = [
    'netns',
    'exec',
    ns,
    'baresip',
    '-f',
    dir,
    ...(sipTrace ? ['-s'] : []),
    '-t',
    String(seconds),
  ];
  const phone = startProcess('baresip', 'ip', args, { logFile: join(dir, 'baresip.log') });
  await phone.waitFor(/baresip is ready/, 10_000);
  return phone;
}

/**
 * The ports of every peer baresip used on 127.0.0.2, from its log: the ICE pair it
 * nominated, the DTLS peer (as server or client) and the RTP source. Through a TURN relay they all lie in
 * TURN_RELAY_MIN..MAX.
 */
export function baresipPeerPorts(phoneOutput: string): number[] {
  return [
    ...phoneOutput.matchAll(
      /(?:receiving from|mnat 'ice' connected: raddr|incoming DTLS connect from|dtls connect to) 127\.0\.0\.2:(\d+)/g,
    ),
  ].map((m) => Number(m[1]));
}

/** What a DTLS-SRTP echo-test call looked like from both ends (see {@link measureDtlsEchoCall}). */
export interface DtlsEchoCall {
  /** The RTP statistics of the daemon's `call ended` log line. */
  readonly stats?:
    | { srtpFailures: number; srtcpFailures?: number; packetsReceived: number; packetsSent: number }
    | undefined;
  /** baresip logged `mnat 'ice' connected` and `DTLS-SRTP complete`. */
  readonly iceConnected: boolean;
  readonly dtlsComplete: boolean;
  /** Best correlation of the greeting (0.5-2.5 s of the prompt) in the first 4 s baresip heard. */
  readonly greetingCorr: number;
  /** RMS of the second baresip sent from 15 s, and its best correlation in what it heard back. */
  readonly echoRms: number;
  readonly echoCorr: number;
}

/**
 * Measures an 8 kHz echo-test call baresip made from the namespace: the daemon's end-of-call
 * statistics, baresip's ICE/DTLS log lines, and the greeting and echo found by
 * cross-correlating baresip's sndfile dumps in `bdir` (PEERS.md: search in a window).
 */
export function measureDtlsEchoCall(daemonOutput: string, phoneOutput: string, bdir: string): DtlsEchoCall {
  const ended = jsonLines(daemonOutput).find((l) => String(l.msg).startsWith('call ended'));
  const files = readdirSync(bdir);
  const dump = (kind: string): Int16Array =>
    readWav(join(bdir, files.find((f) => f.endsWith(`-${kind}.wav`)) as string)).samples;
  const heard = dump('dec');
  const sent = dump('enc');
  const rate = 8000;
  const greeting = readWav(join(PROMPTS, '8000/greeting.wav')).samples;
  const from = rate * 15;
  const segment = sent.subarray(from, from + rate);
  return {
    stats: ended?.stats as DtlsEchoCall['stats'],
    iceConnected: /mnat 'ice' connected/.test(phoneOutput),
    dtlsComplete: /DTLS-SRTP complete/.test(phoneOutput),
    greetingCorr: bestMatch(greeting.subarray(rate * 0.5, rate * 2.5), heard, 0, rate * 4).corr,
    echoRms: rms(segment),
    echoCorr: bestMatch(segment, heard, from - rate * 2, Math.min(heard.length - rate, from + rate)).corr,
  };
}

/**
 * What every DTLS-SRTP echo-test call must show ({@link measureDtlsEchoCall}): ICE and
 * DTLS-SRTP done at baresip, more than `minPackets` packets each way without an SRTP
 * authentication failure, and the greeting and the caller's echo heard (correlation > 0.8).
 */
export function expectDtlsEchoCall(m: DtlsEchoCall, minPackets = 400): void {
  expect(m.iceConnected, "baresip: mnat 'ice' connected").toBe(true);
  expect(m.dtlsComplete, 'baresip: DTLS-SRTP complete').toBe(true);
  expect(m.stats?.srtpFailures).toBe(0);
  // baresip 1.0 sends its RTCP BYE outside its SRTP context as it hangs up: that one
  // SRTCP reject at the end of the call is allowed, no other.
  expect(m.stats?.srtcpFailures ?? 0).toBeLessThanOrEqual(1);
  expect(m.stats?.packetsReceived).toBeGreaterThan(minPackets);
  expect(m.stats?.packetsSent).toBeGreaterThan(minPackets);
  expect(m.greetingCorr, `greeting correlation ${m.greetingCorr.toFixed(3)}`).toBeGreaterThan(0.8);
  expect(m.echoRms).toBeGreaterThan(300);
  expect(m.echoCorr, `echo correlation ${m.echoCorr.toFixed(3)}`).toBeGreaterThan(0.8);
}
