import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tcpFree, udpFree } from './ports.js';
import { startProcess, until, type Managed } from './processes.js';
import { ROOT, SHARED } from './paths.js';
import { runSipp } from './sipp.js';

/** Where Debian's kamailio-websocket-modules installs the WebSocket module. */
export const KAMAILIO_WS_MODULE = '/usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so';
/** Where Debian's kamailio-tls-modules installs the TLS module (WSS needs it). */
export const KAMAILIO_TLS_MODULE_PATH = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';

export interface KamailioWsOptions {
  readonly dir: string;
  /** UDP and TCP SIP port (phones over UDP register here). */
  readonly sipPort: number;
  /** Plain WebSocket port (`ws://127.0.0.1:wsPort/`). */
  readonly wsPort: number;
  /** Secure WebSocket port (`wss://127.0.0.1:wssPort/`). */
  readonly wssPort: number;
  /** username -> password (domain: the listen address, 127.0.0.1 by default). */
  readonly users: Record<string, string>;
  /** Last edit of the configuration text. */
  readonly cfgTransform?: (cfg: string) => string;
  /**
   * Run inside this network namespace (`ip netns exec`), e.g. beside baresip with ICE
   * (PEERS.md); readiness is then probed with `ss` inside the namespace.
   */
  readonly netns?: string;
  /** Address Kamailio listens on (URLs and sockets) and its SIP domain. Default 127.0.0.1. */
  readonly listenIp?: string;
}

export interface KamailioWs {
  readonly proc: Managed;
  readonly sipPort: number;
  /** `ws://127.0.0.1:<wsPort>/ws`. */
  readonly wsUrl: string;
  /** `wss://127.0.0.1:<wssPort>/ws`. */
  readonly wssUrl: string;
  /** The self-signed certificate (PEM file) Kamailio presents on WSS: the CA for clients. */
  readonly certFile: string;
  /** The address it listens on. */
  readonly ip: string;
  stop(): Promise<void>;
}

/**
 * Makes a self-signed certificate for 127.0.0.1 (subjectAltName IP) with the openssl CLI,
 * as ../shared/peers/kamailio/ws-registrar.cfg asks; an existing one in `dir` is kept.
 */
export function selfSignedCert(dir: string): { certFile: string; keyFile: string } {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { certFile, keyFile }; // a restart keeps it
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      // 127.0.0.2: a second registrar on loopback, or the namespace address (netns.ts).
      'subjectAltName=IP:127.0.0.1,IP:127.0.0.2',
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

/**
 * Starts Kamailio as a registrar with digest auth over UDP/TCP, WS and WSS
 * (../shared/peers/kamailio/ws-registrar.cfg: websocket, xhttp and tls modules; WS
 * contacts NAT-handled, one contact per user), relaying INVITEs between registered users
 * whatever their transport. Stop it with `stop()` (by PID).
 */
export async function startKamailioWs(opts: KamailioWsOptions): Promise<KamailioWs> {
  const scratch = opts.dir;
  const db = join(scratch, 'kamailio/db');
  const run = join(scratch, 'kamailio/run');
  mkdirSync(db, { recursive: true });
  mkdirSync(run, { recursive: true });
  const { certFile } = selfSignedCert(join(scratch, 'kamailio/certs'));
  writeFileSync(join(db, 'version'), readFileSync(join(SHARED, 'peers/kamailio/version')));
  const ip = opts.listenIp ?? '127.0.0.1';
  const rows = Object.entries(opts.users).map(([u, p], i) => `${i + 1}:${u}:${ip}:${p}::`);
  writeFileSync(
    join(db, 'subscriber'),
    'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) \n' +
      rows.join('\n') +
      '\n',
  );
  let cfg = readFileSync(join(SHARED, 'peers/kamailio/ws-registrar.cfg'), 'utf8')
    .replaceAll('SCRATCH', scratch)
    .replaceAll('5070', String(opts.sipPort))
    .replaceAll('8080', String(opts.wsPort))
    .replaceAll('8443', String(opts.wssPort));
  if (ip !== '127.0.0.1')
    cfg = cfg
      .replace(/^listen=(\w+):127\.0\.0\.1:/gm, `listen=$1:${ip}:`)
      .replace('#!define SIPDOMAIN "127.0.0.1"', `#!define SIPDOMAIN "${ip}"`);
  if (opts.cfgTransform) cfg = opts.cfgTransform(cfg);
  const cfgFile = join(scratch, 'kamailio-ws.cfg');
  writeFileSync(cfgFile, cfg);
  const args = ['-f', cfgFile, '-DD', '-E', '-Y', run, '-P', join(run, 'kamailio.pid')];
  const logFile = join(scratch, `kamailio-${Date.now().toString(36)}.log`);
  // `ip netns exec` execs kamailio in place: the PID stays Kamailio's.
  const proc = opts.netns
    ? startProcess('kamailio-ws', 'ip', ['netns', 'exec', opts.netns, 'kamailio', ...args], { logFile })
    : startProcess('kamailio-ws', 'kamailio', args, { logFile });
  const listening = async (): Promise<boolean> =>
    opts.netns
      ? listeningInNamespace(opts.netns, opts.sipPort, opts.wssPort)
      : !(await udpFree(opts.sipPort, ip)) && !(await tcpFree(opts.wssPort, ip));
  await until(
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`kamailio exited:\n${proc.output().slice(-3000)}`);
      return listening();
    },
    10_000,
    `kamailio listening on ${opts.sipPort} and WSS ${opts.wssPort}`,
  );
  return {
    proc,
    sipPort: opts.sipPort,
    wsUrl: `ws://${ip}:${opts.wsPort}/ws`,
    wssUrl: `wss://${ip}:${opts.wssPort}/ws`,
    certFile,
    ip,
    stop: async () => void (await proc.stop()),
  };
}

/** Makes Kamailio log each accepted REGISTER's transport and Contact, and each relayed request. */
export const logRouting = (cfg: string): string =>
  cfg
    .replace('children=2', 'debug=2\nchildren=2')
    .replace('loadmodule "tm.so"', 'loadmodule "tm.so"\nloadmodule "xlog.so"')
    .replace(
      'if (!save("location"',
      'xlog("L_NOTICE", "REGISTER $fu over $pr contact $ct via $hdr(Via)\\n");\n\t\tif (!save("location"',
    )
    .replace('route[RELAY] {', 'route[RELAY] {\n\txlog("L_NOTICE", "RELAY $rm $ru dst $du\\n");');

/**
 * The daemon's environment for one account registering over WSS at `k` as `username`
 * (domain: Kamailio's address; Kamailio's certificate as CA). No SIP_SERVER: the URL's host stands in.
 */
export function wssAccountEnv(k: KamailioWs, username: string, password: string): Record<string, string> {
  return {
    SIP_TRANSPORT: 'wss',
    SIP_WS_URL: k.wssUrl,
    SIP_TLS_CA_FILE: k.certFile,
    SIP_USERNAME: username,
    SIP_PASSWORD: password,
    SIP_DOMAIN: k.ip,
  };
}

/**
 * A UDP phone (sipp, `test/sipp/register-call-auth.xml`) registers as `alice` (password
 * `alicepw`) at `k`, then calls `callee` through it (407 answered); SIP on `port`, media
 * on `port + 2`.
 */
export function sippCallThrough(
  k: Pick<KamailioWs, 'ip' | 'sipPort'>,
  callee: string,
  opts: { readonly dir: string; readonly name: string; readonly port: number },
): ReturnType<typeof runSipp> {
  return runSipp(
    [
      `${k.ip}:${k.sipPort}`,
      '-sf',
      join(ROOT, 'test/sipp/register-call-auth.xml'),
      '-s',
      'alice',
      '-au',
      'alice',
      '-ap',
      'alicepw',
      '-set',
      'callee',
      callee,
      '-i',
      '127.0.0.1',
      '-p',
      String(opts.port),
      '-mp',
      String(opts.port + 2),
      '-m',
      '1',
    ],
    { dir: opts.dir, name: opts.name, timeoutSec: 30 },
  );
}

/** True when UDP `udpPort` and TCP `tcpPort` are listened on inside namespace `ns` (`ss`). */
function listeningInNamespace(ns: string, udpPort: number, tcpPort: number): boolean {
  const ports = (flags: string): string =>
    execFileSync('ip', ['netns', 'exec', ns, 'ss', '-Hn', flags], { encoding: 'utf8' });
  return ports('-lu').includes(`:${udpPort} `) && ports('-lt').includes(`:${tcpPort} `);
}

/** True when Kamailio and its websocket and tls modules are installed. */
export function kamailioWsAvailable(): boolean {
  return existsSync(KAMAILIO_WS_MODULE) && existsSync(KAMAILIO_TLS_MODULE_PATH);
}
