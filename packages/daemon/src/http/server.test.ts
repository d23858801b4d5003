import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { HttpServer, type HttpBackend } from './server.js';

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(backend: Partial<HttpBackend>): Promise<string> {
  server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
    backend: {
      sipStatus: () => ({ status: 'listening' }),
      healthy: () => true,
      ready: () => ({ ready: true }),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' }),
      ...backend,
    },
  });
  return `http://127.0.0.1:${await server.listen()}`;
}

describe('HttpServer', () => {
  it('serves /sip/status, /healthz, /readyz and /metrics', async () => {
    const base = await start({ sipStatus: () => ({ status: 'connected', active_calls: 0, calls: [] }) });
    const s = await fetch(`${base}/sip/status`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('application/json');
    expect(await s.json()).toEqual({ status: 'connected', active_calls: 0, calls: [] });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const m = await fetch(`${base}/metrics`);
    expect(await m.text()).toBe('x 1\n');
  });

  it('answers 503 on /readyz with the reason, 404 for unknown paths, 405 for other methods', async () => {
    const base = await start({ ready: () => ({ ready: false, reason: 'not registered: office' }) });
    const r = await fetch(`${base}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'not ready', reason: 'not registered: office' });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/sip/status`, { method: 'POST' })).status).toBe(405);
  });

  it('turns a failing backend into a 500 without crashing', async () => {
    const base = await start({
      metrics: () => Promise.reject(new Error('boom')),
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('HttpServer extra routes', () => {
  it('routes POST/DELETE with path parameters, reads JSON bodies, and maps HttpError', async () => {
    const { readJsonBody, HttpError, sendJson } = await import('./server.js');
    const base = await start({});
    server?.addRoutes([
      {
        method: 'POST',
        path: '/calls',
        handler: async (req, res) => sendJson(res, 201, { got: await readJsonBody(req) }),
      },
      {
        method: 'DELETE',
        path: /^\/calls\/([^/]+)$/,
        handler: (_req, res, [id]) => {
          if (id === 'missing') throw new HttpError(404, 'no such call');
          sendJson(res, 200, { deleted: id });
        },
      },
    ]);
    const post = await fetch(`${base}/calls`, { method: 'POST', body: JSON.stringify({ to: '100' }) });
    expect(post.status).toBe(201);
    expect(await post.json()).toEqual({ got: { to: '100' } });
    expect((await fetch(`${base}/calls`, { method: 'POST', body: '{bad' })).status).toBe(400);
    expect(await (await fetch(`${base}/calls/c%201`, { method: 'DELETE' })).json()).toEqual({
      deleted: 'c 1',
    });
    expect((await fetch(`${base}/calls/missing`, { method: 'DELETE' })).status).toBe(404);
    expect((await fetch(`${base}/calls`, { method: 'PUT' })).status).toBe(405);
  });
});
