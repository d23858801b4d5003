import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';

/** What the HTTP API reads from the running daemon. */
export interface HttpBackend {
  /** `GET /sip/status`: the guide's shape plus per-account detail. */
  sipStatus(): object;
  /** Alive: the event loop runs and nothing fatal happened. */
  healthy(): boolean;
  /** Ready: accepting calls (registered where a registrar is configured, not draining). */
  ready(): { ready: boolean; reason?: string };
  /** Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
}

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly backend: HttpBackend;
  readonly logger: Logger;
}

/** The operations HTTP API: `/sip/status`, `/healthz`, `/readyz`, `/metrics`. */
export class HttpServer {
  private readonly server: Server;

  constructor(private readonly opts: HttpServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        opts.logger.error({ err, url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 10000;
    this.server.requestTimeout = 30000;
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const b = this.opts.backend;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed` });
      return;
    }
    switch (path) {
      case '/sip/status':
        sendJson(res, 200, b.sipStatus());
        return;
      case '/healthz':
        if (b.healthy()) sendJson(res, 200, { status: 'ok' });
        else sendJson(res, 503, { status: 'unhealthy' });
        return;
      case '/readyz': {
        const r = b.ready();
        sendJson(
          res,
          r.ready ? 200 : 503,
          r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason },
        );
        return;
      }
      case '/metrics': {
        const m = await b.metrics();
        res.writeHead(200, { 'Content-Type': m.contentType });
        res.end(m.body);
        return;
      }
      default:
        sendJson(res, 404, { error: 'not found', paths: ['/sip/status', '/healthz', '/readyz', '/metrics'] });
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
