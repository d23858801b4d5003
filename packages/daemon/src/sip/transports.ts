import { readFileSync } from 'node:fs';
import type { TransportConfig } from '@voice-assistant/sip-stack';
import type { DaemonConfig } from '../config/index.js';

/**
 * The SIP transports the user agent opens: a listener per `sip.listen_transports` entry,
 * a client-side TLS transport for accounts that register over TLS without a TLS listener,
 * and the outbound WebSocket connection of the ws/wss accounts (RFC 7118).
 */
export function sipTransports(cfg: DaemonConfig): TransportConfig[] {
  const out: TransportConfig[] = [];
  const tls = cfg.sip.tls;
  const tlsOptions = {
    ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
    rejectUnauthorized: tls.verifyServer,
  };
  for (const t of cfg.sip.listenTransports) {
    if (t === 'tls') {
      if (!tls.certFile || !tls.keyFile) continue;
      out.push({
        protocol: 'tls',
        host: cfg.sip.listenAddress,
        port: cfg.sip.tlsListenPort,
        tls: { ...tlsOptions, cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) },
      });
    } else out.push({ protocol: t, host: cfg.sip.listenAddress, port: cfg.sip.listenPort });
  }
  // RFC 3261 §26.2.1: a TLS client needs no certificate of its own. An account that
  // registers over TLS gets a client-side TLS transport (its listener, on an ephemeral
  // port, only serves peers that present no client certificate requirement).
  if (
    !out.some((t) => t.protocol === 'tls') &&
    cfg.sip.accounts.some((a) => a.server && a.transport === 'tls')
  )
    out.push({ protocol: 'tls', host: cfg.sip.listenAddress, port: 0, tls: tlsOptions });
  // SIP over WebSocket (RFC 7118): one outbound connection, shared by the ws/wss accounts.
  const ws = cfg.sip.accounts.find((a) => a.wsUrl !== undefined && a.server !== undefined);
  if (ws?.wsUrl && (ws.transport === 'ws' || ws.transport === 'wss'))
    out.push({ protocol: ws.transport, url: ws.wsUrl, tls: tlsOptions });
  return out;
}
