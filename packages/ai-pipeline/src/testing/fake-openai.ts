import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpServer, listen, readBody, sendError, tonePcmBytes, type StartedServer } from './http-util.js';

/** One scripted chat completion. */
export interface FakeChatReply {
  /** Text deltas streamed in order (a string is split into words). */
  readonly text?: string | readonly string[];
  /** Tool calls; arguments are streamed in two deltas, as OpenAI does. */
  readonly toolCalls?: readonly { readonly name: string; readonly arguments: string; readonly id?: string }[];
  /** Respond with this HTTP error status instead. */
  readonly status?: number;
  /** Accept the request but never send a byte (timeout tests). */
  readonly hang?: boolean;
  /** Wait this long before the first byte (ms, real time). */
  readonly delayMs?: number;
}

/** Script of the fake OpenAI server; arrays are consumed one entry per request. */
export interface FakeOpenAiScript {
  chat?: FakeChatReply[];
  /** Texts returned by /audio/transcriptions, or a status number for an error. */
  transcriptions?: (string | number)[];
  /** Error statuses for the next /audio/speech requests. */
  speechErrors?: number[];
  /** Audio returned by /audio/speech (ms of 24 kHz PCM). Default 200 ms. */
  speechMs?: number;
}

/** A request the fake received. */
export interface FakeOpenAiRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** Parsed JSON body (chat, speech) or undefined (multipart). */
  readonly json?: Record<string, unknown>;
  /** Raw body (multipart transcription uploads). */
  readonly body: Buffer;
}

/** A running fake OpenAI-compatible server. */
export interface FakeOpenAi extends StartedServer {
  /** Base URL including `/v1`, for `new OpenAI({ baseURL })`. */
  readonly baseURL: string;
  readonly requests: FakeOpenAiRequest[];
  readonly script: FakeOpenAiScript;
}

/**
 * Starts a fake OpenAI server on 127.0.0.1:0 speaking the real wire protocol:
 * `POST /v1/chat/completions` (SSE `chat.completion.chunk` stream with `tool_calls`
 * deltas), `POST /v1/audio/transcriptions` (multipart in, JSON out) and
 * `POST /v1/audio/speech` (raw 24 kHz PCM, chunked).
 */
export async function startFakeOpenAi(options: { script?: FakeOpenAiScript } = {}): Promise<FakeOpenAi> {
  const script = options.script ?? {};
  const requests: FakeOpenAiRequest[] = [];
  const server = httpServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const isJson = (req.headers['content-type'] ?? '').includes('json');
    const json =
      isJson && body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : undefined;
    requests.push({ path, headers: req.headers, json, body });
    if (path.endsWith('/chat/completions')) return chat(res, script.chat?.shift() ?? { text: 'OK.' }, json);
    if (path.endsWith('/audio/transcriptions'))
      return transcription(res, script.transcriptions?.shift(), body);
    if (path.endsWith('/audio/speech')) return speech(res, script);
    sendError(res, 404, `no route ${path}`);
  });
  const started = await listen(server);
  return { ...started, baseURL: `${started.url}/v1`, requests, script };
}

async function chat(res: ServerResponse, reply: FakeChatReply, json: Record<string, unknown> | undefined) {
  if (reply.hang) return;
  if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
  if (reply.status) return sendError(res, reply.status);
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const model = typeof json?.['model'] === 'string' ? json['model'] : 'fake';
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model };
  const send = (delta: object, finish: string | null = null): void => {
    res.write(
      `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
    );
  };
  send({ role: 'assistant', content: '' });
  const deltas = typeof reply.text === 'string' ? reply.text.split(/(?<= )/) : (reply.text ?? []);
  for (const d of deltas) send({ content: d });
  (reply.toolCalls ?? []).forEach((tc, index) => {
    const half = Math.floor(tc.arguments.length / 2);
    send({
      tool_calls: [
        { index, id: tc.id ?? `call_${index}`, type: 'function', function: { name: tc.name, arguments: '' } },
      ],
    });
    send({ tool_calls: [{ index, function: { arguments: tc.arguments.slice(0, half) } }] });
    send({ tool_calls: [{ index, function: { arguments: tc.arguments.slice(half) } }] });
  });
  send({}, reply.toolCalls?.length ? 'tool_calls' : 'stop');
  res.end('data: [DONE]\n\n');
}

function transcription(res: ServerResponse, next: string | number | undefined, body: Buffer): void {
  if (typeof next === 'number') return sendError(res, next);
  if (!body.includes('RIFF') || !body.includes('WAVE')) return sendError(res, 400, 'expected a WAV file');
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ text: next ?? '' }));
}

function speech(res: ServerResponse, script: FakeOpenAiScript): void {
  const status = script.speechErrors?.shift();
  if (status) return sendError(res, status);
  const pcm = tonePcmBytes(24000, script.speechMs ?? 200);
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const cut = Math.floor(pcm.length / 3) | 1; // odd split: exercises byte carry-over
  res.write(pcm.subarray(0, cut));
  res.end(pcm.subarray(cut));
}
