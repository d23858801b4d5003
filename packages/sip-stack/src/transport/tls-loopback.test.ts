import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserAgent } from '../user-agent.js';

// A self-signed certificate for `localhost` made with the openssl CLI (skipped without it).
function makeCert(): { cert: string; key: string; dir: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'sip-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      dir,
    };
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const material = makeCert();
const agents: UserAgent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  if (material) rmSync(material.dir, { recursive: true, force: true });
});

describe.skipIf(!material)('loopback over TLS', () => {
  it('verifies the server certificate against the configured name and exchanges OPTIONS', async () => {
    const { cert, key } = material!;
    const server = new UserAgent({
      transports: [{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { cert, key } }],
    });
    const client = new UserAgent({
      transports: [
        {
          protocol: 'tls',
          host: '127.0.0.1',
          port: 0,
          tls: { cert, key, ca: cert, servername: 'localhost' },
        },
      ],
    });
    const untrusting = new UserAgent({
      transports: [{ protocol: 'tls', host: '127.0.0.1', port: 0, tls: { cert, key } }],
    });
    agents.push(server, client, untrusting);
    await Promise.all([server.start(), client.start(), untrusting.start()]);
    const uri = `sip:x@127.0.0.1:${server.boundAddresses[0]!.port};transport=tls`;
    const res = await client.request('OPTIONS', uri);
    expect(res.status).toBe(200);
    // without the CA the self-signed certificate is refused: transport error -> 503
    const refused = await untrusting.request('OPTIONS', uri);
    expect(refused.status).toBe(503);
  });
});
