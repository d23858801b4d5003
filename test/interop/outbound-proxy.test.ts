import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../helpers/daemon.js';
import { startKamailio, type Kamailio } from '../helpers/kamailio.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';

/**
 * Kamailio logging the Route and Supported headers of each REGISTER and the Routes of each
 * OPTIONS, and adding a Service-Route to its REGISTER 2xx (RFC 3608 §5).
 */
const serviceRouteCfg =
  (serviceRoute: string) =>
  (cfg: string): string =>
    cfg
      .replace(
        'request_route {',
        'request_route {\n    if (is_method("OPTIONS")) xlog("L_NOTICE", "OPTIONS ROUTES=$(hdr(Route)[*])\\n");',
      )
      .replace(
        'consume_credentials();\n        if (!save("location"))',
        `consume_credentials();\n        xlog("L_NOTICE", "REGISTER ROUTE=$hdr(Route) SUPPORTED=$hdr(Supported)\\n");\n        append_to_reply("Service-Route: <${serviceRoute}>\\r\\n");\n        if (!save("location"))`,
      );

/**
 * Outbound proxy (RFC 3261 §8.1.2), Path support (RFC 3327) and Service-Route (RFC 3608)
 * with Kamailio as registrar and proxy: the REGISTER carries the preloaded Route and
 * `Supported: path`; later out-of-dialog requests of the account (its OPTIONS keep-alives)
 * carry the outbound proxy then the Service-Route as their route set.
 */
describe('outbound proxy and Service-Route with Kamailio', () => {
  const dir = runDir('outbound-proxy');
  let base = 0;
  let k: Kamailio;
  const serviceRoute = (): string => `sip:orig@127.0.0.1:${base};lr`;

  beforeAll(async () => {
    base = await freePortBlock(20);
    k = await startKamailio({
      dir: join(dir, 'k'),
      port: base,
      users: { voice: 'voicepw' },
      cfgTransform: serviceRouteCfg(serviceRoute()),
    });
  });
  afterAll(stopAll);

  it('REGISTER via the outbound proxy with Supported: path; the Service-Route is used by later requests', async () => {
    const daemon = await startDaemon({
      dir,
      name: 'daemon-proxy',
      sipPort: base + 2,
      httpPort: base + 3,
      rtpPortMin: base + 5,
      rtpPortMax: base + 14,
      env: {
        SIP_SERVER: '127.0.0.1',
        SIP_PORT: String(k.port),
        SIP_DOMAIN: '127.0.0.1',
        SIP_USERNAME: 'voice',
        SIP_PASSWORD: 'voicepw',
        SIP_OUTBOUND_PROXY: `127.0.0.1:${k.port}`,
        SIP_KEEPALIVE: 'options',
        SIP_KEEPALIVE_INTERVAL: '5',
      },
    });
    await daemon.waitLog(/^SIP registration successful$/, 15_000);
    const reg = await k.proc.waitFor(/REGISTER ROUTE=/, 5000);
    expect(reg).toContain(`REGISTER ROUTE=<sip:127.0.0.1:${k.port};lr>`);
    expect(reg).toMatch(/SUPPORTED=.*\bpath\b/);
    await until(() => /OPTIONS ROUTES=/.test(k.proc.output()), 12_000, 'an OPTIONS keep-alive');
    const options = await k.proc.waitFor(/OPTIONS ROUTES=/, 1000);
    expect(options).toContain(`<sip:127.0.0.1:${k.port};lr>`);
    expect(options).toContain(`<${serviceRoute()}>`);
    expect(options.indexOf(`<sip:127.0.0.1:${k.port};lr>`)).toBeLessThan(
      options.indexOf(`<${serviceRoute()}>`),
    );
    expect(await daemon.stop()).toBe(0);
  });
});
