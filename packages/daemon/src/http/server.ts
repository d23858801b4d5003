import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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

/** An extra route (the calls API, Twilio webhooks...). `params` are the RegExp's groups. */
export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  /** Exact path, or a RegExp matched against the whole path (anchor it). */
  readonly path: string | RegExp;
  readonly handler: (req: IncomingMessage, res: ServerResponse, params: string[]) => void | Promise<void>;
}

/** Handles an HTTP upgrade (WebSocket); returns false when the path is not its own. */
export type UpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => boolean;

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
  private readonly routes: HttpRoute[] = [];
  private readonly upgrades: UpgradeHandler[] = [];

  constructor(private readonly opts: HttpServerOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (err instanceof HttpError) {
          if (!res.headersSent) sendJson(res, err.status, { error: err.message });
          return;
        }
        opts.logger.error({ err, url: req.url }, 'HTTP handler failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.end();
      });
    });
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      for (const u of this.upgrades) if (u(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    });
    this.server.keepAliveTimeout = 5000;
    this.server.headersTimeout = 10000;
    this.server.requestTimeout = 30000;
  }

  /** Adds routes (matched before the built-in ones' 404). */
  addRoutes(routes: readonly HttpRoute[]): void {
    this.routes.push(...routes);
  }

  /** Adds a WebSocket upgrade handler. */
  addUpgradeHandler(handler: UpgradeHandler): void {
    this.upgrades.push(handler);
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
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const b = this.opts.backend;
    for (const r of this.routes) {
      const m = typeof r.path === 'string' ? (r.path === path ? [path] : null) : r.path.exec(path);
      if (!m) continue;
      if (r.method !== req.method) continue;
      await r.handler(
        req,
        res,
        m.slice(1).map((x) => decodeURIComponent(x ?? '')),
      );
      return;
    }
    if (this.routes.some((r) => (typeof r.path === 'string' ? r.path === path : r.path.test(path)))) {
      sendJson(res, 405, { error: `method ${req.method ?? ''} not allowed on ${path}` });
      return;
    }
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

/** Reads a JSON request body of at most `limitBytes` (default 64 KiB); rejects with a message on bad input. */
export async function readJsonBody(req: IncomingMessage, limitBytes = 65536): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new HttpError(413, `request body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
}

/** An error with the HTTP status to answer. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Writes `body` as JSON with `status`. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}
