import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { KAMAILIO_TLS_MODULE, startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll } from '../helpers/processes.js';

/** Makes Kamailio log each REGISTER's Authorization header (what the daemon put on the wire). */
const logAuthorization = (cfg: string): string =>
  cfg.replace(
    'if (is_method("REGISTER")) {',
    'if (is_method("REGISTER")) {\n        if (is_present_hf("Authorization")) xlog("L_NOTICE", "AUTHZ $hdr(Authorization)\\n");',
  );

interface Status {
  status: string;
  sip_username: string | null;
  accounts: Array<{ name: string; status: string; last_error: { reason: string } | null }>;
}

/** Registration variants against real Kamailio 5.6 registrars (RFC 3261 §10, RFC 7616, RFC 8760). */
describe('registration variants with Kamailio', () => {
  const dir = runDir('registration-variants');
  let base = 0;
  let next = 0;
  /** Two consecutive ports of the block (SIP, HTTP) and ten RTP ports, for one daemon. */
  const ports = (): { sipPort: number; httpPort: number; rtpPortMin: number; rtpPortMax: number } => {
    const p = base + 10 + 12 * next++;
    return { sipPort: p, httpPort: p + 1, rtpPortMin: p + 2, rtpPortMax: p + 11 };
  };

  beforeAll(async () => {
    base = await freePortBlock(130);
  });
  afterAll(stopAll);

  const register = async (
    name: string,
    kamailio: Kamailio,
    env: Record<string, string>,
  ): Promise<DaemonHandle> =>
    startDaemon({
      dir,
      name,
      ...ports(),
      env: { SIP_SERVER: '127.0.0.1', SIP_PORT: String(kamailio.port), SIP_DOMAIN: '127.0.0.1', ...env },
    });

  const expectConnected = async (daemon: DaemonHandle, username: string): Promise<void> => {
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    const { body } = await daemon.get<Status>('/sip/status');
    expect(body).toMatchObject({ status: 'connected', sip_username: username });
    expect((await daemon.get('/readyz')).status).toBe(200);
  };

  it('SHA-256 digest challenge (RFC 8760): Kamailio challenges with algorithm=SHA-256, the daemon registers', async () => {
    const kamailio = await startKamailio({
      dir: join(dir, 'k-sha256'),
      port: base,
      users: { voice: 'voicepw' },
      algorithm: 'SHA-256',
      cfgTransform: logAuthorization,
    });
    const daemon = await register('daemon-sha256', kamailio, {
      SIP_USERNAME: 'voice',
      SIP_PASSWORD: 'voicepw',
    });
    await expectConnected(daemon, 'voice');
    // Kamailio logged the accepted REGISTER (after its SHA-256 challenge).
    await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 OK/, 5000);
    const challenged = kamailio.proc.output().match(/auth failed\/absent/g) ?? [];
    expect(challenged.length).toBeGreaterThanOrEqual(1);
    // The daemon answered the SHA-256 challenge with algorithm=SHA-256 (a 64-hex response).
    const authz = await kamailio.proc.waitFor(/AUTHZ Digest /, 5000);
    expect(authz).toMatch(/algorithm="?SHA-256"?/);
    expect(authz).toMatch(/response="[0-9a-f]{64}"/);
    expect(await daemon.stop()).toBe(0);
    await kamailio.stop();
  });

  it('registration over TCP (SIP_TRANSPORT=tcp) with MD5', async () => {
    const kamailio = await startKamailio({
      dir: join(dir, 'k-tcp'),
      port: base + 2,
      users: { voice: 'voicepw' },
    });
    const daemon = await register('daemon-tcp', kamailio, {
      SIP_USERNAME: 'voice',
      SIP_PASSWORD: 'voicepw',
      SIP_TRANSPORT: 'tcp',
    });
    await expectConnected(daemon, 'voice');
    await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 OK \(contact .*transport=tcp/i, 5000);
    expect(await daemon.stop()).toBe(0);
    await kamailio.stop();
  });

  it('two daemons register two different accounts on one registrar at the same time', async () => {
    const kamailio = await startKamailio({
      dir: join(dir, 'k-two'),
      port: base + 4,
      users: { voice: 'voicepw', alice: 'alicepw' },
    });
    const [d1, d2] = await Promise.all([
      register('daemon-two-voice', kamailio, { SIP_USERNAME: 'voice', SIP_PASSWORD: 'voicepw' }),
      register('daemon-two-alice', kamailio, { SIP_USERNAME: 'alice', SIP_PASSWORD: 'alicepw' }),
    ]);
    await Promise.all([expectConnected(d1, 'voice'), expectConnected(d2, 'alice')]);
    await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 OK/, 5000);
    await kamailio.proc.waitFor(/REGISTER sip:alice@127\.0\.0\.1 OK/, 5000);
    expect(await d1.stop()).toBe(0);
    expect(await d2.stop()).toBe(0);
    await kamailio.stop();
  });

  describe('authentication username different from the extension (3CX Authentication ID)', () => {
    // Kamailio's subscriber row is keyed by the digest (auth) user "auth100"; the extension
    // (To/From user, AOR) is "100".
    const users = { auth100: 'secret100' };
    const env = { SIP_USERNAME: '100', SIP_AUTH_USERNAME: 'auth100', SIP_PASSWORD: 'secret100' };

    it('registrar.cfg as shipped refuses it: auth_check("$td", "subscriber", "1") demands auth user == To user', async () => {
      const kamailio = await startKamailio({ dir: join(dir, 'k-authid-strict'), port: base + 6, users });
      const daemon = await register('daemon-authid-strict', kamailio, env);
      const line = await daemon.waitLog(/^SIP registration failed/, 15_000);
      // auth_check flag 1 (auth_db "check username") answers 403 when the digest username
      // differs from the To user: a registrar policy, reported by the daemon as a failure.
      expect(['auth', 'rejected']).toContain(line.cause);
      expect((await daemon.get<Status>('/sip/status')).body.status).toBe('failed');
      await daemon.stop();
      await kamailio.stop();
    });

    it('with auth_check flag 0 (any auth user may register the AOR, as 3CX allows) the daemon registers', async () => {
      const kamailio = await startKamailio({
        dir: join(dir, 'k-authid'),
        port: base + 8,
        users,
        cfgTransform: (cfg) =>
          logAuthorization(cfg).replace(
            'auth_check("$td", "subscriber", "1")',
            'auth_check("$td", "subscriber", "0")',
          ),
      });
      const daemon = await register('daemon-authid', kamailio, env);
      await expectConnected(daemon, '100');
      // The binding is for the extension's AOR, not for the auth user.
      await kamailio.proc.waitFor(/REGISTER sip:100@127\.0\.0\.1 OK/, 5000);
      // The digest username is the Authentication ID, the AOR stays the extension.
      expect(await kamailio.proc.waitFor(/AUTHZ Digest /, 5000)).toMatch(/username="auth100"/);
      expect(await daemon.stop()).toBe(0);
      await kamailio.stop();
    });
  });

  describe.skipIf(!existsSync(KAMAILIO_TLS_MODULE))('registration over TLS (kamailio-tls-modules)', () => {
    let certFile = '';
    let keyFile = '';
    let kamailio: Kamailio;
    const tlsDir = join(dir, 'tls');

    beforeAll(async () => {
      execFileSync('mkdir', ['-p', tlsDir]);
      certFile = join(tlsDir, 'cert.pem');
      keyFile = join(tlsDir, 'key.pem');
      // A self-signed certificate for 127.0.0.1 (subjectAltName IP): both the server
      // certificate and the CA the daemon trusts.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-keyout',
          keyFile,
          '-out',
          certFile,
          '-days',
          '2',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
        ],
        { stdio: 'ignore' },
      );
      kamailio = await startKamailio({
        dir: join(dir, 'k-tls'),
        port: base + 120,
        users: { voice: 'voicepw', alice: 'alicepw' },
        tls: { port: base + 121, certFile, keyFile },
      });
    });

    it('the daemon (with its own TLS listener) registers over TLS, verifying Kamailio against the CA file', async () => {
      const daemon = await register('daemon-tls', kamailio, {
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_TRANSPORT: 'tls',
        SIP_PORT: String(base + 121),
        SIP_TLS_CERT_FILE: certFile,
        SIP_TLS_KEY_FILE: keyFile,
        SIP_TLS_CA_FILE: certFile,
        SIP_TLS_LISTEN_PORT: String(base + 122),
      });
      await expectConnected(daemon, 'voice');
      await kamailio.proc.waitFor(/REGISTER sip:voice@127\.0\.0\.1 OK \(contact .*transport=tls/i, 5000);
      expect(await daemon.stop()).toBe(0);
    });

    it('without trusting the CA, server-certificate verification fails: reported as a transport failure, not registered', async () => {
      const daemon = await register('daemon-tls-untrusted', kamailio, {
        SIP_USERNAME: 'alice',
        SIP_PASSWORD: 'alicepw',
        SIP_TRANSPORT: 'tls',
        SIP_PORT: String(base + 121),
        SIP_TLS_CERT_FILE: certFile,
        SIP_TLS_KEY_FILE: keyFile,
        SIP_TLS_LISTEN_PORT: String(base + 123),
      });
      const line = await daemon.waitLog(/^SIP registration failed/, 15_000);
      expect(['transport', 'timeout']).toContain(line.cause);
      expect((await daemon.get<Status>('/sip/status')).body.status).toBe('failed');
      await daemon.stop();
    });

    // Outbound TLS needs no client certificate (RFC 3261 §26.2.1: the UA verifies the server;
    // the registrar authenticates the UA by digest).
    it('a client-only daemon (CA file, no certificate of its own) registers over TLS', async () => {
      const daemon = await register('daemon-tls-ca-only', kamailio, {
        SIP_USERNAME: 'alice',
        SIP_PASSWORD: 'alicepw',
        SIP_TRANSPORT: 'tls',
        SIP_PORT: String(base + 121),
        SIP_TLS_CA_FILE: certFile,
      });
      try {
        const line = await daemon.waitLog(/^SIP registration (successful|failed)/, 15_000);
        expect(line.msg).toBe('SIP registration successful');
        await expectConnected(daemon, 'alice');
      } finally {
        await daemon.stop();
      }
    });
  });
});
