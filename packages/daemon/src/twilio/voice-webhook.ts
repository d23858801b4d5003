import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TwilioConfig } from '../config/index.js';
import type { HttpRoute } from '../http/server.js';
import type { Logger } from '../logger.js';
import { parseForm, validateTwilioRequest, validateTwilioRequestWithBody } from './signature.js';

/** Path of the voice webhook (configure it as the number's "A call comes in" URL, HTTP POST). */
export const VOICE_PATH = '/twilio/voice';
/** Path of the Media Streams WebSocket. */
export const MEDIA_PATH = '/twilio/media';

/** Largest webhook body accepted (Twilio's are a few hundred bytes). */
const MAX_BODY = 64 * 1024;
/** How long a stream token from the webhook stays valid before Twilio must connect. */
const TOKEN_TTL_MS = 60_000;

/** What the webhook learnt about a call, handed to the stream that claims its token. */
export interface StreamTicket {
  readonly callSid: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'inbound' | 'outbound';
  readonly expiresAt: number;
}

/**
 * One-time tokens that tie a Media Stream to a webhook request whose signature was valid:
 * the TwiML carries the token as a `<Parameter>`, the stream's `start` message returns it
 * in `customParameters`, so a WebSocket client that did not come through a signed webhook
 * cannot start a call.
 */
export class StreamTickets {
  private readonly tickets = new Map<string, StreamTicket>();

  /** Issues a token for `ticket` (valid 60 s, single use). */
  issue(ticket: Omit<StreamTicket, 'expiresAt'>, now = Date.now()): string {
    for (const [k, t] of this.tickets) if (t.expiresAt <= now) this.tickets.delete(k);
    const token = randomBytes(18).toString('base64url');
    this.tickets.set(token, { ...ticket, expiresAt: now + TOKEN_TTL_MS });
    return token;
  }

  /** Consumes `token` when it is valid for `callSid`. */
  claim(token: unknown, callSid: string, now = Date.now()): StreamTicket | undefined {
    if (typeof token !== 'string') return undefined;
    const t = this.tickets.get(token);
    if (!t || t.expiresAt <= now || t.callSid !== callSid) return undefined;
    this.tickets.delete(token);
    return t;
  }

  /** Tokens waiting for their stream. */
  get size(): number {
    return this.tickets.size;
  }
}

/** Escapes text for an XML attribute value (XML 1.0 §2.4, §3.3.3). */
export function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
}

/** TwiML that connects the call to a bidirectional Media Stream (`<Connect><Stream>`). */
export function connectStreamTwiml(streamUrl: string, params: Readonly<Record<string, string>>): string {
  const p = Object.entries(params)
    .map(([k, v]) => `<Parameter name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Connect><Stream url="${xmlEscape(streamUrl)}">${p}</Stream></Connect></Response>`
  );
}

/** The URL Twilio requested, as it signed it: `publicUrl` + path and query, else from the Host header. */
export function requestUrl(req: IncomingMessage, publicUrl: string | undefined): string {
  const pathAndQuery = req.url ?? '/';
  if (publicUrl) return publicUrl.replace(/\/+$/, '') + pathAndQuery;
  const proto = headerValue(req, 'x-forwarded-proto')?.split(',')[0]?.trim() ?? 'http';
  const host = headerValue(req, 'x-forwarded-host') ?? headerValue(req, 'host') ?? 'localhost';
  return `${proto}://${host}${pathAndQuery}`;
}

/** The `wss://` (or `ws://` behind plain http) URL of the Media Streams endpoint. */
export function mediaStreamUrl(req: IncomingMessage, publicUrl: string | undefined): string {
  const base = new URL(requestUrl(req, publicUrl));
  base.protocol = base.protocol === 'http:' ? 'ws:' : 'wss:';
  const prefix = publicUrl ? new URL(publicUrl).pathname.replace(/\/+$/, '') : '';
  return `${base.protocol}//${base.host}${prefix}${MEDIA_PATH}`;
}

export interface VoiceWebhookOptions {
  readonly config: TwilioConfig;
  readonly logger: Logger;
  readonly tickets: StreamTickets;
  /** False when no more calls can be taken: the webhook answers `<Reject reason="busy"/>`. */
  readonly admit: () => boolean;
}

/** Path of the call status callback (final outcome of outbound calls). */
export const STATUS_PATH = '/twilio/status';

/**
 * Reads and authenticates a Twilio webhook: 413 for an oversize body, 503 when no auth
 * token is configured (nothing could be verified), 403 for a bad `X-Twilio-Signature`.
 * Returns the parameters, or undefined after answering the error.
 */
export async function verifiedParams(
  req: IncomingMessage,
  res: ServerResponse,
  config: TwilioConfig,
  log: Logger,
): Promise<Record<string, string | string[]> | undefined> {
  const token = config.authToken;
  const body = await readBody(req);
  if (body === undefined) return void sendText(res, 413, 'request body too large');
  if (!token) {
    log.error('Twilio webhook refused: TWILIO_AUTH_TOKEN is not set, signatures cannot be verified');
    return void sendText(res, 503, 'Twilio is not configured on this server (TWILIO_AUTH_TOKEN)');
  }
  const url = requestUrl(req, config.publicUrl);
  const signature = headerValue(req, 'x-twilio-signature');
  const isJson = /^application\/json/i.test(headerValue(req, 'content-type') ?? '');
  const params = isJson ? jsonParams(body) : parseForm(body.toString('utf8'));
  const valid = isJson
    ? validateTwilioRequestWithBody(token, signature, url, body)
    : validateTwilioRequest(token, signature, url, params);
  if (!valid) {
    log.warn(
      { url, hasSignature: signature !== undefined },
      'Twilio webhook rejected: bad X-Twilio-Signature (check TWILIO_PUBLIC_URL matches the URL set in Twilio)',
    );
    return void sendText(res, 403, 'invalid X-Twilio-Signature');
  }
  return params;
}

/**
 * `POST /twilio/voice`: validates `X-Twilio-Signature` (see `verifiedParams`) and answers
 * TwiML that connects the call to our Media Stream with a one-time token.
 */
export function voiceWebhookRoute(opts: VoiceWebhookOptions): HttpRoute {
  return {
    method: 'POST',
    path: VOICE_PATH,
    handler: async (req, res) => {
      const log = opts.logger;
      const p = await verifiedParams(req, res, opts.config, log);
      if (!p) return;
      const callSid = first(p.CallSid);
      if (!callSid) return sendText(res, 400, 'CallSid missing');
      const direction = (first(p.Direction) ?? 'inbound').startsWith('outbound') ? 'outbound' : 'inbound';
      const from = first(p.From) ?? '';
      const to = first(p.To) ?? '';
      if (!opts.admit()) {
        log.warn({ callSid }, 'Twilio call rejected: busy (max concurrent calls)');
        return sendXml(
          res,
          '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>',
        );
      }
      const ticket = opts.tickets.issue({ callSid, from, to, direction });
      log.info({ callSid, from, to, direction }, `Twilio call ${callSid}: connecting the media stream`);
      sendXml(
        res,
        connectStreamTwiml(mediaStreamUrl(req, opts.config.publicUrl), { callSid, token: ticket }),
      );
    },
  };
}

/**
 * `POST /twilio/status`: the status callback of calls we placed; `onFinal(callSid,
 * CallStatus)` gets the final status (`completed`, `busy`, `no-answer`, `failed`, `canceled`).
 */
export function statusCallbackRoute(
  config: TwilioConfig,
  log: Logger,
  onFinal: (callSid: string, status: string) => void,
): HttpRoute {
  return {
    method: 'POST',
    path: STATUS_PATH,
    handler: async (req, res) => {
      const p = await verifiedParams(req, res, config, log);
      if (!p) return;
      const callSid = first(p.CallSid);
      const status = first(p.CallStatus);
      if (callSid && status) onFinal(callSid, status);
      res.writeHead(204);
      res.end();
    },
  };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function jsonParams(body: Buffer): Record<string, string | string[]> {
  try {
    const o = JSON.parse(body.toString('utf8')) as unknown;
    if (!o || typeof o !== 'object') return {};
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sendXml(res: ServerResponse, xml: string): void {
  res.writeHead(200, { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(xml);
}
