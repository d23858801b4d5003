import { describe, expect, it } from 'vitest';
import { TransportLayer, UserAgent, WsTransport } from '@voice-assistant/sip-stack';
import { resolveConfig } from '../config/load.js';
import type { DaemonConfig } from '../config/index.js';
import { sipTransports, syncWsTransports, transportLayerOf, wsUrls } from './transports.js';

function config(accounts: string): DaemonConfig {
  const r = resolveConfig(`sip:\n  listen_transports: [udp]\n  accounts:\n${accounts}`, {});
  if (!r.config) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const ws = (name: string, url: string): string =>
  `    - { name: ${name}, transport: wss, ws_url: "${url}", username: u, password: p }\n`;

describe('SIP over WebSocket transports (RFC 7118): one connection per URL', () => {
  it('opens one WebSocket per distinct URL, normalised; UDP/TCP/TLS unchanged', () => {
    const cfg = config(
      ws('a', 'wss://a.example.com/ws') +
        ws('a2', 'wss://a.example.com:443/ws') + // the same URL, spelt with its default port
        ws('b', 'wss://b.example.com:8089/ws') +
        '    - { name: c, server: c.example.com, username: u, password: p }\n',
    );
    expect(wsUrls(cfg)).toEqual(['wss://a.example.com/ws', 'wss://b.example.com:8089/ws']);
    expect(sipTransports(cfg).map((t) => `${t.protocol} ${t.url ?? ''}`)).toEqual([
      'udp ',
      'wss wss://a.example.com/ws',
      'wss wss://b.example.com:8089/ws',
    ]);
  });

  it('syncs a running layer with a reloaded configuration: adds new URLs, closes unused ones', async () => {
    const layer = new TransportLayer({ transports: [] });
    const first = config(ws('a', 'wss://a.example.com/ws'));
    // not started: nothing connects
    expect(await syncWsTransports(layer, first)).toEqual({ added: ['wss://a.example.com/ws'], removed: [] });
    expect(await syncWsTransports(layer, first)).toEqual({ added: [], removed: [] });
    const second = config(ws('b', 'wss://b.example.com:8089/ws'));
    expect(await syncWsTransports(layer, second)).toEqual({
      added: ['wss://b.example.com:8089/ws'],
      removed: ['wss://a.example.com/ws'],
    });
    expect(layer.transports.map((t) => t.id)).toEqual(['wss://b.example.com:8089/ws']);
    expect(layer.transports[0]).toBeInstanceOf(WsTransport);
  });

  it("reaches the UserAgent's transport layer", async () => {
    const ua = new UserAgent({ transports: [] });
    expect(transportLayerOf(ua)).toBeInstanceOf(TransportLayer);
    await ua.stop();
  });
});
