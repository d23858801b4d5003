import type { ElevenLabsClient } from '@elevenlabs/elevenlabs-js';
import { decodeUlaw } from '../../audio/g711.js';
import { bytesToPcm16 } from '../../audio/pcm.js';
import { isAbortError, toProviderError } from '../../errors.js';
import type { TtsChunk, TtsProvider, TtsRequest } from '../types.js';

/** ElevenLabs output formats the adapter can decode. */
export type ElevenLabsOutputFormat =
  'ulaw_8000' | 'pcm_8000' | 'pcm_16000' | 'pcm_22050' | 'pcm_24000' | 'pcm_44100';

/** Options of {@link ElevenLabsTts}. */
export interface ElevenLabsTtsOptions {
  /** `ELEVENLABS_API_KEY`. */
  readonly apiKey: string;
  /** `ELEVENLABS_VOICE_ID`. */
  readonly voiceId: string;
  /** Base URL (`ELEVENLABS_BASE_URL`). Default https://api.elevenlabs.io. */
  readonly baseUrl?: string;
  /** Model. Default 'eleven_flash_v2_5' (lowest latency). */
  readonly modelId?: string;
  /**
   * Output format. Default: matching the call rate (`pcm_8000`, `pcm_16000`,
   * `pcm_24000`; 48 kHz calls get `pcm_24000`, resampled). Use `ulaw_8000` for PCMU
   * calls to get exactly what the phone will hear.
   */
  readonly outputFormat?: ElevenLabsOutputFormat;
  /** `optimize_streaming_latency` 0..4. Default: not sent. */
  readonly optimizeStreamingLatency?: number;
  /** Pre-built client (tests). */
  readonly client?: ElevenLabsClient;
}

/** The output format matching a call rate (Hz). */
export function elevenLabsFormatFor(sampleRate: number): ElevenLabsOutputFormat {
  if (sampleRate === 8000) return 'pcm_8000';
  if (sampleRate === 16000) return 'pcm_16000';
  return 'pcm_24000';
}

function formatRate(format: ElevenLabsOutputFormat): number {
  return Number(format.split('_')[1]);
}

/**
 * ElevenLabs streaming TTS through `@elevenlabs/elevenlabs-js` v2,
 * `textToSpeech.stream()` (HTTP chunked) once per sentence: SDK v2.73 has no client for
 * the WebSocket stream-input endpoint, and the pipeline already streams sentence by
 * sentence. `previousText` is not sent to keep requests independent and prefetchable.
 */
export class ElevenLabsTts implements TtsProvider {
  readonly name = 'elevenlabs';
  /**
   * The SDK costs ~1.5 s of CPU to import: it is loaded only when this provider exists,
   * in the background from construction, so a daemon without ElevenLabs never pays it
   * and the first sentence of the first call does not wait for it.
   */
  private readonly client: Promise<ElevenLabsClient>;

  constructor(private readonly options: ElevenLabsTtsOptions) {
    this.client = options.client
      ? Promise.resolve(options.client)
      : import('@elevenlabs/elevenlabs-js').then(
          (m) => new m.ElevenLabsClient({ apiKey: options.apiKey, baseUrl: options.baseUrl, maxRetries: 0 }),
        );
    this.client.catch(() => undefined); // reported by synthesize()
  }

  async *synthesize(request: TtsRequest): AsyncIterable<TtsChunk> {
    const format = this.options.outputFormat ?? elevenLabsFormatFor(request.sampleRate);
    const rate = formatRate(format);
    try {
      const client = await this.client;
      const stream = await client.textToSpeech.stream(
        this.options.voiceId,
        {
          text: request.text,
          modelId: this.options.modelId ?? 'eleven_flash_v2_5',
          outputFormat: format,
          languageCode: request.language?.split('-')[0],
          optimizeStreamingLatency: this.options.optimizeStreamingLatency,
        },
        { abortSignal: request.signal, maxRetries: 0 },
      );
      let carry: Uint8Array = new Uint8Array(0);
      for await (const part of stream as unknown as AsyncIterable<Uint8Array>) {
        if (format === 'ulaw_8000') {
          yield { pcm: decodeUlaw(part), sampleRate: 8000 };
          continue;
        }
        const { pcm, rest } = bytesToPcm16(carry.length ? Buffer.concat([carry, part]) : part);
        carry = rest;
        if (pcm.length) yield { pcm, sampleRate: rate };
      }
    } catch (error) {
      if (isAbortError(error) || request.signal.aborted) throw error;
      throw toProviderError('tts', error);
    }
  }
}
