import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { decodeMuLaw, encodeMuLaw } from '../../packages/rtp/src/index.js';

/** The part of the `ws` client used here (`ws` is a dependency of the daemon, not of the root). */
interface WsClient {
  readonly readyState: number;
  send(data: string | Buffer): void;
  close(code?: number): void;
  on(event: 'message', fn: (data: Buffer) => void): void;
  once(event: 'open', fn: () => void): void;
  once(event: 'error', fn: (err: Error) => void): void;
  once(event: 'close', fn: (code: number) => void): void;
}
const WebSocket = createRequire(new URL('../../packages/daemon/package.json', import.meta.url))('ws') as {
  new (url: string): WsClient;
  readonly OPEN: number;
};

/** X-Twilio-Signature as Twilio documents it: HMAC-SHA1(token, URL + sorted name+value), base64. */
export function sign(token: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', token).update(data).digest('base64');
}

/** One request the fake REST API received. */
export interface RestRequest {
  method: string;
  path: string;
  authorization: string;
  form: Record<string, string>;
}

/** A fake `api.twilio.com`: records requests, answers like Twilio's Calls resource. */
export class FakeTwilioApi {
  readonly requests: RestRequest[] = [];
  /** Next answer status (201 for create by default). */
  status = 201;
  private server?: Server;
  private seq = 0;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        this.requests.push({
          method: req.method ?? '',
          path: req.url ?? '',
          authorization: req.headers.authorization ?? '',
          form,
        });
        res.writeHead(this.status, { 'Content-Type': 'application/json' });
        if (this.status >= 400) {
          res.end(JSON.stringify({ code: 20500, message: 'Internal Server Error', status: this.status }));
          return;
        }
        const sid = `CA${String(++this.seq).padStart(32, '0')}`;
        res.end(
          JSON.stringify({ sid, status: 'queued', to: form.To, from: form.From, direction: 'outbound-api' }),
        );
      });
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

type Queued = { kind: 'media'; pcm: Int16Array } | { kind: 'mark'; name: string };

/**
 * Twilio's side of a Media Stream: sends `connected`, `start`, paced inbound `media`,
 * `dtmf`, `stop`; plays what it receives in real time (20 ms per frame), returning each
 * `mark` once the audio before it has played, and on `clear` drops its buffer and
 * returns every pending mark, as Twilio documents.
 */
export class FakeMediaStream {
  /** Everything received and played, in order (decoded PCM). */
  readonly played: number[] = [];
  readonly events: Array<{ event: string; at: number }> = [];
  marksReceived = 0;
  marksReturned = 0;
  clears = 0;
  mediaReceived = 0;
  /** Media messages that arrived after the first `clear`. */
  mediaAfterClear = 0;
  closeCode?: number;
  private readonly queue: Queued[] = [];
  private readonly playTimer: NodeJS.Timeout;
  private seq = 0;
  private readonly t0 = performance.now();
  private ticks = 0;
  readonly opened: Promise<void>;
  readonly closed: Promise<number>;

  constructor(
    private readonly ws: WsClient,
    readonly streamSid: string,
  ) {
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    ws.on('message', (data) => this.onMessage(JSON.parse(String(data)) as Record<string, unknown>));
    this.playTimer = setInterval(() => this.playDue(), 10);
  }

  /** Opens a stream to `url` and sends `connected` + `start` with `customParameters` (none when null). */
  static async connect(
    url: string,
    callSid: string,
    customParameters: Record<string, string> | null,
  ): Promise<FakeMediaStream> {
    const streamSid = `MZ${callSid.slice(2)}`;
    const s = new FakeMediaStream(new WebSocket(url), streamSid);
    await s.opened;
    s.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    if (!customParameters) return s;
    s.send({
      event: 'start',
      sequenceNumber: String(++s.seq),
      streamSid,
      start: {
        streamSid,
        accountSid: 'ACtest',
        callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
    return s;
  }

  send(msg: object): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Streams `pcm` (8 kHz) as 20 ms mu-law media messages, paced in real time. */
  async stream(pcm: Int16Array): Promise<void> {
    const start = performance.now();
    for (let i = 0, n = 0; i < pcm.length; i += 160, n++) {
      const due = start + n * 20 - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      const frame = new Int16Array(160);
      frame.set(pcm.subarray(i, Math.min(pcm.length, i + 160)));
      this.send({
        event: 'media',
        sequenceNumber: String(++this.seq),
        streamSid: this.streamSid,
        media: {
          track: 'inbound',
          chunk: String(n + 1),
          timestamp: String(n * 20),
          payload: encodeMuLaw(frame).toString('base64'),
        },
      });
    }
  }

  dtmf(digit: string): void {
    this.send({
      event: 'dtmf',
      streamSid: this.streamSid,
      sequenceNumber: String(++this.seq),
      dtmf: { track: 'inbound_track', digit },
    });
  }

  stop(): void {
    this.send({
      event: 'stop',
      streamSid: this.streamSid,
      sequenceNumber: String(++this.seq),
      stop: { accountSid: 'ACtest', callSid: 'x' },
    });
  }

  close(): void {
    clearInterval(this.playTimer);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
  }

  /** Marks queued behind unplayed audio. */
  get pendingMarks(): number {
    return this.queue.filter((q) => q.kind === 'mark').length;
  }

  private onMessage(m: Record<string, unknown>): void {
    const event = String(m.event);
    this.events.push({ event, at: performance.now() });
    if (event === 'media') {
      this.mediaReceived++;
      if (this.clears > 0) this.mediaAfterClear++;
      const payload = (m.media as { payload: string }).payload;
      this.queue.push({ kind: 'media', pcm: decodeMuLaw(Buffer.from(payload, 'base64')) });
    } else if (event === 'mark') {
      this.marksReceived++;
      this.queue.push({ kind: 'mark', name: (m.mark as { name: string }).name });
      this.returnLeadingMarks();
    } else if (event === 'clear') {
      this.clears++;
      for (const q of this.queue.splice(0)) if (q.kind === 'mark') this.returnMark(q.name);
    }
  }

  /** Plays every 20 ms slot due since the stream opened (drift-free, like a real playout clock). */
  private playDue(): void {
    const due = Math.floor((performance.now() - this.t0) / 20);
    for (; this.ticks < due; this.ticks++) {
      // Marks behind the frame that just finished playing go back first.
      this.returnLeadingMarks();
      const q = this.queue[0];
      if (q?.kind === 'media') {
        this.queue.shift();
        for (const v of q.pcm) this.played.push(v);
      }
    }
  }

  private returnLeadingMarks(): void {
    while (this.queue[0]?.kind === 'mark') {
      const q = this.queue.shift() as { kind: 'mark'; name: string };
      this.returnMark(q.name);
    }
  }

  private returnMark(name: string): void {
    this.marksReturned++;
    this.send({
      event: 'mark',
      sequenceNumber: String(++this.seq),
      streamSid: this.streamSid,
      mark: { name },
    });
  }
}
