import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { udpFree } from './ports.js';
import { startProcess, until, type Managed } from './processes.js';
import { SHARED } from './paths.js';

export interface KamailioOptions {
  readonly dir: string;
  readonly port: number;
  /** username -> password (domain 127.0.0.1). */
  readonly users: Record<string, string>;
  /** Digest algorithm to challenge with (Kamailio 5.6: MD5 or SHA-256). */
  readonly algorithm?: 'MD5' | 'SHA-256';
  /** Also listen on TLS (needs kamailio-tls-modules): port, PEM certificate and key. */
  readonly tls?: { readonly port: number; readonly certFile: string; readonly keyFile: string };
  /**
   * Also listen on [::1]:`port` (UDP and TCP, with an alias for it) next to 127.0.0.1, so
   * that clients can register over IPv6. Default false.
   */
  readonly ipv6?: boolean;
  /** Last edit of the configuration text (e.g. another auth_check flag). */
  readonly cfgTransform?: (cfg: string) => string;
}

export interface Kamailio {
  readonly proc: Managed;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts Kamailio as registrar/proxy with digest auth (../shared/peers/kamailio/registrar.cfg)
 * on 127.0.0.1:`port` (UDP and TCP), with the given users in its db_text subscriber table.
 */
export async function startKamailio(opts: KamailioOptions): Promise<Kamailio> {
  const db = join(opts.dir, 'kamailio-db');
  const run = join(opts.dir, 'kamailio-run');
  mkdirSync(db, { recursive: true });
  mkdirSync(run, { recursive: true });
  writeFileSync(join(db, 'version'), readFileSync(join(SHARED, 'peers/kamailio/version')));
  const rows = Object.entries(opts.users).map(([u, p], i) => `${i + 1}:${u}:127.0.0.1:${p}::`);
  writeFileSync(
    join(db, 'subscriber'),
    'id(int,auto) username(string) domain(string) password(string) ha1(string,null) ha1b(string,null) \n' +
      rows.join('\n') +
      '\n',
  );
  let cfg = readFileSync(join(SHARED, 'peers/kamailio/registrar.cfg'), 'utf8').replaceAll(
    '5080',
    String(opts.port),
  );
  if (opts.algorithm && opts.algorithm !== 'MD5')
    cfg = cfg.replace(
      'modparam("usrloc"',
      `modparam("auth", "algorithm", "${opts.algorithm}")\nmodparam("usrloc"`,
    );
  if (opts.tls) cfg = withTls(cfg, opts.port, opts.tls);
  if (opts.ipv6) cfg = withIpv6(cfg, opts.port);
  if (opts.cfgTransform) cfg = opts.cfgTransform(cfg);
  const cfgFile = join(opts.dir, 'kamailio.cfg');
  writeFileSync(cfgFile, cfg);
  const proc = startProcess(
    'kamailio',
    'kamailio',
    ['-f', cfgFile, '-DD', '-E', '-Y', run, '-P', join(run, 'kamailio.pid'), '-A', `DBURL="text://${db}"`],
    { logFile: join(opts.dir, 'kamailio.log') },
  );
  await until(async () => !(await udpFree(opts.port)), 10_000, `kamailio listening on ${opts.port}`);
  if (opts.ipv6)
    await until(
      async () => !(await udpFree(opts.port, '::1')),
      10_000,
      `kamailio listening on [::1]:${opts.port}`,
    );
  return { proc, port: opts.port, stop: async () => void (await proc.stop()) };
}

/** Adds UDP and TCP listeners on [::1]:`port` (and the alias) after the 127.0.0.1 ones. */
function withIpv6(cfg: string, port: number): string {
  return cfg.replace(
    `listen=tcp:127.0.0.1:${port}`,
    `listen=tcp:127.0.0.1:${port}\nlisten=udp:[::1]:${port}\nlisten=tcp:[::1]:${port}\nalias="[::1]:${port}"`,
  );
}

/** Where Debian's kamailio-tls-modules installs the TLS module. */
export const KAMAILIO_TLS_MODULE = '/usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so';

/**
 * Adds a TLS listener to registrar.cfg (tls.so, TLSv1.2+, no client certificate asked,
 * so that a UA without one can connect) next to the UDP/TCP ones.
 */
function withTls(cfg: string, port: number, tls: NonNullable<KamailioOptions['tls']>): string {
  return cfg
    .replace(
      `listen=tcp:127.0.0.1:${port}`,
      `listen=tcp:127.0.0.1:${port}\nenable_tls=yes\nlisten=tls:127.0.0.1:${tls.port}\nalias="127.0.0.1:${tls.port}"`,
    )
    .replace(
      'loadmodule "auth.so"',
      [
        'loadmodule "tls.so"',
        'loadmodule "auth.so"',
        `modparam("tls", "certificate", "${tls.certFile}")`,
        `modparam("tls", "private_key", "${tls.keyFile}")`,
        'modparam("tls", "tls_method", "TLSv1.2+")',
        'modparam("tls", "verify_certificate", 0)',
        'modparam("tls", "require_certificate", 0)',
      ].join('\n'),
    );
}
