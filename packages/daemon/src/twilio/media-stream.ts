import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import { MEDIA_PATH, type StreamTicket, type StreamTickets } from './voice-webhook.js';

/** Largest WebSocket message accepted: a 20 ms media message is ~300 bytes; 64 KiB is ~4 s of audio. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** A connection that has not sent a valid `start` within this time is closed. */
const START_TIMEOUT_MS = 10_000;

/** The `start` message's metadata (https://www.twilio.com/docs/voice/media-streams/websocket-messages#start-message). */
export interface StreamStart {
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid?: string | undefined;
  readonly customParameters: Readonly<Record<string, string>>;
  readonly mediaFormat: { readonly encoding: string; readonly sampleRate: number; readonly channels: number };
}

/** Events of one stream, after the `start` was accepted. */
export interface StreamHandlers {
  /** Inbound audio: raw mu-law bytes of one `media` message (any length). */
  onMedia(mulaw: Buffer): void;
  onMark(name: string): void;
  onDtmf(digit: string): void;
  /** `stop` from Twilio, or the socket closed (`reason` says which). */
  onEnd(reason: 'stop' | 'socket-closed'): void;
}

/** The sending side of one accepted stream. */
export class StreamConnection {
  constructor(
    private readonly ws: WebSocket,
    readonly start: StreamStart,
    readonly ticket: StreamTicket,
  ) {}

  /** `{"event":"media","streamSid":..,"media":{"payload":<base64 mu-law>}}` */
  sendMedia(mulaw: Buffer): void {
    this.send({
      event: 'media',
      streamSid: this.start.streamSid,
      media: { payload: mulaw.toString('base64') },
    });
  }

  sendMark(name: string): void {
    this.send({ event: 'mark', streamSid: this.start.streamSid, mark: { name } });
  }

  sendClear(): void {
    this.send({ event: 'clear', streamSid: this.start.streamSid });
  }

  /** Closes the socket: with `<Connect><Stream>` and nothing after it, Twilio ends the call. */
  close(code = 1000, reason = 'call ended'): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason);
  }

  /** Bytes written but not yet flushed to the socket. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private send(msg: object): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(msg));
  }
}

export interface MediaStreamServerOptions {
  readonly logger: Logger;
  readonly tickets: StreamTickets;
  /** Most open sockets (started or not), default 1000; more are refused with 503. */
  readonly maxConnections?: number;
  /** A stream's `start` was accepted: returns the handlers for its events. */
  readonly onStream: (conn: StreamConnection) => StreamHandlers;
}

/**
 * The Media Streams WebSocket endpoint (`/twilio/media`), on the HTTP server's upgrade
 * hook. Parses Twilio's JSON messages defensively: bad JSON, binary frames, unknown
 * events, oversize messages (`maxPayload`, close 1009) and a `start` without a valid
 * token from the signed webhook never reach a call.
 */
export class MediaStreamServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  private readonly sockets = new Set<WebSocket>();

  constructor(private readonly opts: MediaStreamServerOptions) {
    this.wss.on('error', (err) => opts.logger.warn({ err }, 'Twilio media WebSocket server error'));
  }

  /** The HTTP upgrade hook: takes `/twilio/media` (any query), leaves other paths. */
  upgrade = (req: IncomingMessage, socket: Socket, head: Buffer): boolean => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== MEDIA_PATH) return false;
    if (this.sockets.size >= (this.opts.maxConnections ?? 1000)) {
      this.opts.logger.warn('Twilio media stream refused: too many connections');
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
    return true;
  };

  /** Open stream sockets. */
  get connections(): number {
    return this.sockets.size;
  }

  /** Closes every socket (1001 going away) and the server. */
  close(): void {
    for (const ws of this.sockets) ws.close(1001, 'server shutting down');
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const log = this.opts.logger;
    this.sockets.add(ws);
    let handlers: StreamHandlers | undefined;
    let ended = false;
    const startTimer = setTimeout(() => {
      log.warn('Twilio media stream closed: no valid start message');
      ws.close(1008, 'no start');
    }, START_TIMEOUT_MS);
    startTimer.unref();
    const end = (reason: 'stop' | 'socket-closed'): void => {
      if (ended) return;
      ended = true;
      clearTimeout(startTimer);
      handlers?.onEnd(reason);
    };
    ws.on('error', (err) => log.debug({ err }, 'Twilio media socket error'));
    ws.on('close', () => {
      this.sockets.delete(ws);
      end('socket-closed');
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (ended || isBinary) return;
      const msg = parseJson(data);
      if (!msg) return;
      try {
        if (!handlers) {
          if (msg.event !== 'start') return; // `connected` and anything before start
          const start = parseStart(msg);
          const ticket = start && this.opts.tickets.claim(start.customParameters.token, start.callSid);
          if (!start || !ticket) {
            log.warn({ callSid: start?.callSid }, 'Twilio media stream refused: start without a valid token');
            ws.close(1008, 'unauthorized');
            return;
          }
          if (!/audio\/x-mulaw/i.test(start.mediaFormat.encoding) || start.mediaFormat.sampleRate !== 8000) {
            log.warn({ format: start.mediaFormat }, 'Twilio media stream refused: not 8 kHz mu-law');
            ws.close(1003, 'unsupported media format');
            return;
          }
          clearTimeout(startTimer);
          handlers = this.opts.onStream(new StreamConnection(ws, start, ticket));
          return;
        }
        dispatch(msg, handlers, end);
      } catch (err) {
        log.warn({ err }, 'Twilio media message handling failed');
      }
    });
  }
}

type Json = Record<string, unknown>;

function parseJson(data: RawData): Json | undefined {
  try {
    const buf = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    const text = buf.toString('utf8');
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Validates a `start` message; undefined when a required field is missing. */
export function parseStart(msg: Json): StreamStart | undefined {
  const s = obj(msg.start);
  const streamSid = str(s.streamSid) ?? str(msg.streamSid);
  const callSid = str(s.callSid);
  if (!streamSid || !callSid) return undefined;
  const fmt = obj(s.mediaFormat);
  const customParameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(s.customParameters)))
    if (typeof v === 'string') customParameters[k] = v;
  return {
    streamSid,
    callSid,
    accountSid: str(s.accountSid),
    customParameters,
    mediaFormat: {
      encoding: str(fmt.encoding) ?? 'audio/x-mulaw',
      sampleRate: typeof fmt.sampleRate === 'number' ? fmt.sampleRate : 8000,
      channels: typeof fmt.channels === 'number' ? fmt.channels : 1,
    },
  };
}

function dispatch(msg: Json, h: StreamHandlers, end: (r: 'stop') => void): void {
  switch (msg.event) {
    case 'media': {
      const m = obj(msg.media);
      const track = str(m.track);
      if (track !== undefined && track !== 'inbound') return;
      const payload = str(m.payload);
      if (payload) h.onMedia(Buffer.from(payload, 'base64'));
      return;
    }
    case 'mark': {
      const name = str(obj(msg.mark).name);
      if (name) h.onMark(name);
      return;
    }
    case 'dtmf': {
      const digit = str(obj(msg.dtmf).digit);
      if (digit && /^[0-9A-D*#]$/.test(digit)) h.onDtmf(digit);
      return;
    }
    case 'stop':
      end('stop');
      return;
    default:
      return; // `connected`, a repeated `start`, future events: ignored
  }
}
