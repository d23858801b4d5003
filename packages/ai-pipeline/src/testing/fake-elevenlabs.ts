import type { IncomingHttpHeaders } from 'node:http';
import { encodeUlaw } from '../audio/g711.js';
import { bytesToPcm16 } from '../audio/pcm.js';
import { httpServer, listen, readBody, sendError, tonePcmBytes, type StartedServer } from './http-util.js';

/** Script of the fake ElevenLabs server. */
export interface FakeElevenLabsScript {
  /** Error statuses for the next requests (consumed one per request). */
  errors?: number[];
  /** Audio per request (ms). Default 200 ms. */
  audioMs?: number;
  /** Accept requests but never answer (timeout tests). */
  hang?: boolean;
}

/** A TTS request the fake received. */
export interface FakeElevenLabsRequest {
  readonly voiceId: string;
  readonly outputFormat: string | null;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

/** A running fake ElevenLabs server. */
export interface FakeElevenLabs extends StartedServer {
  readonly requests: FakeElevenLabsRequest[];
  readonly script: FakeElevenLabsScript;
}

/**
 * Starts a fake ElevenLabs server on 127.0.0.1:0 speaking the HTTP streaming API:
 * `POST /v1/text-to-speech/{voice_id}/stream?output_format=...` with a JSON body
 * (`text`, `model_id`, ...) and `xi-api-key`, answering chunked audio in the requested
 * format (`ulaw_8000` or `pcm_<rate>`).
 */
export async function startFakeElevenLabs(
  options: { script?: FakeElevenLabsScript } = {},
): Promise<FakeElevenLabs> {
  const script = options.script ?? {};
  const requests: FakeElevenLabsRequest[] = [];
  const server = httpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/v1\/text-to-speech\/([^/]+)\/stream$/.exec(url.pathname);
    const raw = await readBody(req);
    if (!m) return sendError(res, 404, `no route ${url.pathname}`);
    const body = JSON.parse(raw.toString('utf8') || '{}') as Record<string, unknown>;
    const outputFormat = url.searchParams.get('output_format');
    requests.push({ voiceId: decodeURIComponent(m[1] ?? ''), outputFormat, headers: req.headers, body });
    if (script.hang) return;
    const status = script.errors?.shift();
    if (status) return sendError(res, status, 'fake elevenlabs error');
    const format = outputFormat ?? 'mp3_44100_128';
    const rate = Number(format.split('_')[1]) || 8000;
    const pcm = tonePcmBytes(rate, script.audioMs ?? 200);
    const audio = format === 'ulaw_8000' ? Buffer.from(encodeUlaw(bytesToPcm16(pcm).pcm)) : pcm;
    res.writeHead(200, { 'content-type': 'audio/basic', 'transfer-encoding': 'chunked' });
    const cut = Math.floor(audio.length / 2) | 1;
    res.write(audio.subarray(0, cut));
    res.end(audio.subarray(cut));
  });
  const started = await listen(server);
  return { ...started, requests, script };
}
