import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A started fake server. */
export interface StartedServer {
  /** Base URL, e.g. http://127.0.0.1:40123 */
  readonly url: string;
  /** Port chosen by the OS. */
  readonly port: number;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

/** Reads a request body fully. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Starts `server` on 127.0.0.1, port 0. */
export async function listen(server: Server): Promise<StartedServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP server whose handler errors become 500s instead of crashes. */
export function httpServer(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Server {
  return createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
}

/** Sends a JSON error body with `status`, in the OpenAI error shape. */
export function sendError(res: ServerResponse, status: number, message = `fake error ${status}`): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'fake_error', code: status } }));
}

/** PCM16 little-endian bytes of a tone: `ms` at `sampleRate`. */
export function tonePcmBytes(sampleRate: number, ms: number, amplitude = 6000, freqHz = 300): Buffer {
  const n = Math.round((sampleRate * ms) / 1000);
  const buf = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    buf.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / sampleRate)), i * 2);
  }
  return buf;
}
