import OpenAI from 'openai';
import { bytesToPcm16 } from '../../audio/pcm.js';
import { isAbortError, toProviderError } from '../../errors.js';
import type { TtsChunk, TtsProvider, TtsRequest } from '../types.js';

/** Options of {@link OpenAiTts}. */
export interface OpenAiTtsOptions {
  readonly apiKey: string;
  /** Base URL of an OpenAI-compatible server (self-hosted TTS). Default OpenAI. */
  readonly baseURL?: string;
  /** Model. Default 'gpt-4o-mini-tts'. */
  readonly model?: string;
  /** Voice. Default 'alloy'. */
  readonly voice?: string;
  /**
   * Rate of the `pcm` response format (Hz). OpenAI's is 24 kHz 16-bit mono; the
   * pipeline resamples it to the call rate. Default 24000.
   */
  readonly pcmSampleRate?: number;
  /** Speaking speed 0.25..4. Default 1. */
  readonly speed?: number;
  /** Pre-built client (tests). */
  readonly client?: OpenAI;
}

/** TTS through `openai` `audio.speech.create` with `response_format: 'pcm'`, streamed. */
export class OpenAiTts implements TtsProvider {
  readonly name = 'openai-tts';
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAiTtsOptions) {
    this.client =
      options.client ?? new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL, maxRetries: 0 });
  }

  async *synthesize(request: TtsRequest): AsyncIterable<TtsChunk> {
    const rate = this.options.pcmSampleRate ?? 24000;
    try {
      const response = await this.client.audio.speech.create(
        {
          model: this.options.model ?? 'gpt-4o-mini-tts',
          voice: this.options.voice ?? 'alloy',
          input: request.text,
          response_format: 'pcm',
          speed: this.options.speed,
        },
        { signal: request.signal },
      );
      if (!response.body) return;
      let carry: Uint8Array = new Uint8Array(0);
      for await (const part of response.body as unknown as AsyncIterable<Uint8Array>) {
        const bytes = carry.length ? Buffer.concat([carry, part]) : part;
        const { pcm, rest } = bytesToPcm16(bytes);
        carry = rest;
        if (pcm.length) yield { pcm, sampleRate: rate };
      }
    } catch (error) {
      if (isAbortError(error) || request.signal.aborted) throw error;
      throw toProviderError('tts', error);
    }
  }
}
