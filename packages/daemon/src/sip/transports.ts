import { readFileSync } from 'node:fs';
import {
  TransportLayer,
  WsTransport,
  type TransportConfig,
  type UserAgent,
} from '@voice-assistant/sip-stack';
import type { DaemonConfig } from '../config/index.js';

/** CA and verification for client-side TLS (TLS accounts, WSS servers). */
function clientTlsOptions(cfg: DaemonConfig): { ca: Buffer | undefined; rejectUnauthorized: boolean } {
  const tls = cfg.sip.tls;
  return { ca: tls.caFile ? readFileSync(tls.caFile) : undefined, rejectUnauthorized: tls.verifyServer };
}

/**
 * The SIP transports the user agent opens: a listener per `sip.listen_transports` entry,
 * a client-side TLS transport for accounts that register over TLS without a TLS listener,
 * and one outbound WebSocket connection (RFC 7118) per distinct `ws_url` of the ws/wss
 * accounts ({@link wsUrls}).
 */
export function sipTransports(cfg: DaemonConfig): TransportConfig[] {
  const out: TransportConfig[] = [];
  const tls = cfg.sip.tls;
  const tlsOptions = clientTlsOptions(cfg);
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
  // SIP over WebSocket (RFC 7118): one outbound connection per server URL.
  for (const url of wsUrls(cfg))
    out.push({ protocol: url.startsWith('wss:') ? 'wss' : 'ws', url, tls: tlsOptions });
  return out;
}

/**
 * The distinct WebSocket URLs of the ws/wss accounts that have a server, normalised as the
 * transport layer names its connections (`new URL(url).href`, WsTransport.id), in account order.
 */
export function wsUrls(cfg: DaemonConfig): string[] {
  const urls = cfg.sip.accounts.flatMap((a) =>
    a.wsUrl !== undefined && a.server !== undefined && (a.transport === 'ws' || a.transport === 'wss')
      ? [new URL(a.wsUrl).href]
      : [],
  );
  return [...new Set(urls)];
}

/**
 * The transport layer of `ua`, to add and remove WebSocket connections at run time.
 * `UserAgent` keeps the field private in its type, so it is read here by name; when the
 * UserAgent exposes it publicly, read that instead. Throws when it is not there.
 */
export function transportLayerOf(ua: UserAgent): TransportLayer {
  const layer = (ua as unknown as { transportLayer?: unknown }).transportLayer;
  if (!(layer instanceof TransportLayer)) throw new TypeError('the UserAgent exposes no transport layer');
  return layer;
}

/**
 * Opens a WebSocket connection for every URL `cfg` names that `layer` has not yet, and
 * closes those no account names any more (after their accounts un-REGISTERed: call it
 * then). RFC 7118 connections are client-side: nothing else of the layer changes.
 * Resolves with the URLs added and removed.
 */
export async function syncWsTransports(
  layer: TransportLayer,
  cfg: DaemonConfig,
): Promise<{ added: string[]; removed: string[] }> {
  const wanted = new Set(wsUrls(cfg));
  const open = layer.transports.filter((t) => t instanceof WsTransport).map((t) => t.id);
  const added = [...wanted].filter((u) => !open.includes(u));
  const removed = open.filter((u) => !wanted.has(u));
  const tls = clientTlsOptions(cfg);
  for (const url of added) await layer.addTransport(new WsTransport({ url, tls }));
  for (const url of removed) await layer.removeTransport(url);
  return { added, removed };
}
