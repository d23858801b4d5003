import OpenAI, { toFile } from 'openai';
import { concatPcm, wavFromPcm16 } from '../../audio/pcm.js';
import { systemClock } from '../../clock.js';
import { toProviderError } from '../../errors.js';
import { withRetry } from '../../retry.js';
import type { SttProvider, SttSession, SttSink, SttStartOptions } from '../types.js';

/** Options of {@link OpenAiStt}. */
export interface OpenAiSttOptions {
  readonly apiKey: string;
  /** Base URL of an OpenAI-compatible server (faster-whisper, whisper.cpp, vLLM). */
  readonly baseURL?: string;
  /** Model. Default 'whisper-1'. */
  readonly model?: string;
  /** Audio kept before the VAD's confirmed speech start (ms). Default 400 ms. */
  readonly preRollMs?: number;
  /** Longest segment sent (ms); older audio is dropped. Default 30000 ms. */
  readonly maxSegmentMs?: number;
  /** Retries of retryable failures. Default 1. */
  readonly retries?: number;
  /** Pre-built client (tests). */
  readonly client?: OpenAI;
}

/**
 * Self-hosted STT through the OpenAI-compatible `audio.transcriptions.create`: the local
 * VAD cuts segments (with a little pre-roll), each is sent as a WAV file and comes back
 * as one final transcript that ends the turn.
 */
export class OpenAiStt implements SttProvider {
  readonly name = 'openai-stt';
  private readonly client: OpenAI;

  constructor(readonly options: OpenAiSttOptions) {
    this.client =
      options.client ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  }

  start(start: SttStartOptions, sink: SttSink): SttSession {
    const o = this.options;
    const preRoll = Math.ceil((o.preRollMs ?? 400) / 20);
    const maxFrames = Math.ceil((o.maxSegmentMs ?? 30_000) / 20);
    let frames: Int16Array[] = [];
    let inSpeech = false;
    const transcribe = async (pcm: Int16Array): Promise<void> => {
      try {
        const text = await withRetry(
          'stt',
          async () => {
            const file = await toFile(wavFromPcm16(pcm, start.sampleRate), 'speech.wav', {
              type: 'audio/wav',
            });
            const res = await this.client.audio.transcriptions.create(
              { file, model: o.model ?? 'whisper-1', language: start.language?.split('-')[0] },
              { signal: start.signal },
            );
            return res.text;
          },
          { clock: systemClock, retries: o.retries ?? 1, signal: start.signal },
        );
        sink.onTranscript({ text: text.trim(), final: true, endOfTurn: true });
      } catch (error) {
        if (!start.signal.aborted) sink.onError(toProviderError('stt', error));
      }
    };
    return {
      sendAudio: (pcm) => {
        frames.push(pcm);
        const cap = inSpeech ? maxFrames : preRoll;
        if (frames.length > cap) frames = frames.slice(frames.length - cap);
      },
      speechStarted: () => {
        inSpeech = true;
      },
      speechEnded: () => {
        inSpeech = false;
        const segment = concatPcm(frames);
        frames = [];
        void transcribe(segment);
      },
      close: () => Promise.resolve(),
    };
  }
}
