import { createServer, type IncomingHttpHeaders } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { listen, type StartedServer } from './http-util.js';

/** Script of the fake Deepgram server. */
export interface FakeDeepgramScript {
  /**
   * Final transcripts, one per utterance: sent as `Results` with `is_final` and
   * `from_finalize` when the client sends `Finalize`.
   */
  utterances?: string[];
  /** Send an interim `Results` (first word of the next utterance) after this many audio bytes. */
  interimAfterBytes?: number;
  /** Close the first connection with code 1011 after this many audio bytes (reconnect tests). */
  dropAfterBytes?: number;
  /** Reject connections whose `Authorization` is not `Token <apiKey>`. Default: accept all. */
  apiKey?: string;
}

/** What one client connection did. */
export interface FakeDeepgramConnection {
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  audioBytes: number;
  /** JSON control messages received, by `type` (KeepAlive, Finalize, CloseStream). */
  readonly controls: string[];
  readonly socket: WebSocket;
}

/** A running fake Deepgram live server. */
export interface FakeDeepgram extends StartedServer {
  /** ws:// base URL for `DEEPGRAM_BASE_URL`. */
  readonly wsUrl: string;
  readonly connections: FakeDeepgramConnection[];
  readonly script: FakeDeepgramScript;
  /** Sends a `Results` message to every open connection. */
  sendResults(text: string, flags: { isFinal: boolean; speechFinal?: boolean; fromFinalize?: boolean }): void;
  /** Sends `UtteranceEnd` to every open connection. */
  sendUtteranceEnd(): void;
}

/** A Deepgram `Results` message as the live API sends it. */
export function deepgramResults(
  text: string,
  flags: { isFinal: boolean; speechFinal?: boolean; fromFinalize?: boolean },
  startSec = 0,
): object {
  const words = text.split(/\s+/).filter(Boolean);
  return {
    type: 'Results',
    channel_index: [0, 1],
    duration: words.length * 0.3,
    start: startSec,
    is_final: flags.isFinal,
    speech_final: flags.speechFinal ?? false,
    from_finalize: flags.fromFinalize ?? false,
    channel: {
      alternatives: [
        {
          transcript: text,
          confidence: 0.98,
          words: words.map((w, i) => ({
            word: w.toLowerCase(),
            start: startSec + i * 0.3,
            end: startSec + i * 0.3 + 0.25,
            confidence: 0.98,
            punctuated_word: w,
          })),
        },
      ],
    },
    metadata: {
      request_id: 'fake-request',
      model_info: { name: 'fake', version: '1', arch: 'fake' },
      model_uuid: 'fake-uuid',
    },
  };
}

/**
 * Starts a fake Deepgram live-transcription server on 127.0.0.1:0: WebSocket at
 * `/v1/listen`, binary audio in; `Results` (interim / final / `from_finalize`),
 * `UtteranceEnd` and `Metadata` out; `KeepAlive`, `Finalize` and `CloseStream` accepted.
 */
export async function startFakeDeepgram(
  options: { script?: FakeDeepgramScript } = {},
): Promise<FakeDeepgram> {
  const script = options.script ?? {};
  const connections: FakeDeepgramConnection[] = [];
  const server = createServer((_req, res) => res.writeHead(426).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers['authorization'];
    if (!url.pathname.endsWith('/v1/listen') || (script.apiKey && auth !== `Token ${script.apiKey}`)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: FakeDeepgramConnection = {
        query: url.searchParams,
        headers: req.headers,
        audioBytes: 0,
        controls: [],
        socket: ws,
      };
      connections.push(conn);
      serve(conn, script, connections.length === 1);
    });
  });
  const started = await listen(server);
  const broadcast = (msg: object): void => {
    for (const c of connections)
      if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(msg));
  };
  return {
    ...started,
    wsUrl: `ws://127.0.0.1:${started.port}`,
    connections,
    script,
    sendResults: (text, flags) => broadcast(deepgramResults(text, flags)),
    sendUtteranceEnd: () => broadcast({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 1.2 }),
    close: async () => {
      for (const c of connections) c.socket.terminate();
      wss.close();
      await started.close();
    },
  };
}

function serve(conn: FakeDeepgramConnection, script: FakeDeepgramScript, first: boolean): void {
  const ws = conn.socket;
  let interimSent = false;
  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      conn.audioBytes += (data as Buffer).length;
      if (first && script.dropAfterBytes !== undefined && conn.audioBytes >= script.dropAfterBytes) {
        script.dropAfterBytes = undefined;
        ws.close(1011, 'fake drop');
        return;
      }
      const next = script.utterances?.[0];
      if (
        !interimSent &&
        next &&
        script.interimAfterBytes !== undefined &&
        conn.audioBytes >= script.interimAfterBytes
      ) {
        interimSent = true;
        ws.send(JSON.stringify(deepgramResults(next.split(' ')[0] ?? '', { isFinal: false })));
      }
      return;
    }
    const msg = JSON.parse(String(data)) as { type?: string };
    conn.controls.push(msg.type ?? '?');
    if (msg.type === 'Finalize') {
      interimSent = false;
      const text = script.utterances?.shift() ?? '';
      ws.send(JSON.stringify(deepgramResults(text, { isFinal: true, fromFinalize: true })));
    } else if (msg.type === 'CloseStream') {
      ws.send(
        JSON.stringify({
          type: 'Metadata',
          transaction_key: 'deprecated',
          request_id: 'fake-request',
          sha256: '0',
          created: new Date(0).toISOString(),
          duration: conn.audioBytes / 32000,
          channels: 1,
        }),
      );
      ws.close(1000);
    }
  });
}
