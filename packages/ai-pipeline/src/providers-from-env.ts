import { OpenAiLlm, type OpenAiLlmOptions } from './llm/providers/openai-llm.js';
import type { LlmProvider } from './llm/types.js';
import { DeepgramStt, type DeepgramSttOptions } from './stt/providers/deepgram-stt.js';
import { OpenAiStt, type OpenAiSttOptions } from './stt/providers/openai-stt.js';
import type { SttProvider } from './stt/types.js';
import {
  ElevenLabsTts,
  type ElevenLabsOutputFormat,
  type ElevenLabsTtsOptions,
} from './tts/providers/elevenlabs-tts.js';
import { OpenAiTts, type OpenAiTtsOptions } from './tts/providers/openai-tts.js';
import type { TtsProvider } from './tts/types.js';

/** The three providers of a conversation. */
export interface ProviderSet {
  readonly stt: SttProvider;
  readonly llm: LlmProvider;
  readonly tts: TtsProvider;
}

/** Values that win over the environment (e.g. from the daemon's YAML, per account). */
export interface ProviderOverrides {
  readonly sttProvider?: 'deepgram' | 'openai';
  readonly ttsProvider?: 'elevenlabs' | 'openai';
  readonly llm?: Partial<OpenAiLlmOptions>;
  readonly deepgram?: Partial<DeepgramSttOptions>;
  readonly openaiStt?: Partial<OpenAiSttOptions>;
  readonly elevenlabs?: Partial<ElevenLabsTtsOptions>;
  readonly openaiTts?: Partial<OpenAiTtsOptions>;
}

/** A provider was asked for explicitly but is not configured. */
export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const num = (v: string | undefined): number | undefined =>
  v === undefined || v === '' ? undefined : Number(v);

/**
 * Builds providers from environment variables:
 * - LLM: `OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_MODEL`, `OPENAI_TEMPERATURE`.
 * - STT (`STT_PROVIDER=deepgram|openai`, default deepgram when `DEEPGRAM_API_KEY` is set):
 *   `DEEPGRAM_API_KEY`, `DEEPGRAM_BASE_URL`, `DEEPGRAM_MODEL`; or `OPENAI_STT_BASE_URL`
 *   (default `OPENAI_BASE_URL`), `OPENAI_STT_MODEL`.
 * - TTS (`TTS_PROVIDER=elevenlabs|openai`, default elevenlabs when its key and voice are
 *   set): `ELEVENLABS_API_KEY`, `ELEVENLABS_BASE_URL`, `ELEVENLABS_VOICE_ID`,
 *   `ELEVENLABS_MODEL_ID`, `ELEVENLABS_OUTPUT_FORMAT`; or `OPENAI_TTS_BASE_URL`,
 *   `OPENAI_TTS_MODEL`, `OPENAI_TTS_VOICE`.
 *
 * @returns undefined when no LLM is configured (neither `OPENAI_API_KEY` nor
 *   `OPENAI_BASE_URL`): the daemon then keeps its echo test.
 * @throws ProviderConfigError when a provider chosen explicitly lacks its key.
 */
export function createProvidersFromEnv(
  env: Env = process.env,
  overrides: ProviderOverrides = {},
): ProviderSet | undefined {
  const openaiKey = overrides.llm?.apiKey ?? env['OPENAI_API_KEY'];
  const openaiBase = overrides.llm?.baseURL ?? env['OPENAI_BASE_URL'];
  if (!openaiKey && !openaiBase) return undefined;
  // Self-hosted OpenAI-compatible servers usually ignore the key but the SDK wants one.
  const apiKey = openaiKey || 'not-needed';
  const llm = new OpenAiLlm({
    apiKey,
    baseURL: openaiBase,
    model: env['OPENAI_MODEL'],
    temperature: num(env['OPENAI_TEMPERATURE']),
    ...overrides.llm,
  });
  return {
    llm,
    stt: sttFromEnv(env, overrides, apiKey, openaiBase),
    tts: ttsFromEnv(env, overrides, apiKey, openaiBase),
  };
}

function sttFromEnv(
  env: Env,
  o: ProviderOverrides,
  apiKey: string,
  openaiBase: string | undefined,
): SttProvider {
  const dgKey = o.deepgram?.apiKey ?? env['DEEPGRAM_API_KEY'];
  const choice =
    o.sttProvider ??
    (env['STT_PROVIDER'] as 'deepgram' | 'openai' | undefined) ??
    (dgKey ? 'deepgram' : 'openai');
  if (choice === 'deepgram') {
    if (!dgKey) throw new ProviderConfigError('STT_PROVIDER=deepgram needs DEEPGRAM_API_KEY');
    return new DeepgramStt({
      baseUrl: env['DEEPGRAM_BASE_URL'],
      model: env['DEEPGRAM_MODEL'],
      ...o.deepgram,
      apiKey: dgKey,
    });
  }
  if (choice !== 'openai') throw new ProviderConfigError(`unknown STT_PROVIDER ${String(choice)}`);
  return new OpenAiStt({
    apiKey,
    baseURL: env['OPENAI_STT_BASE_URL'] ?? openaiBase,
    model: env['OPENAI_STT_MODEL'],
    ...o.openaiStt,
  });
}

function ttsFromEnv(
  env: Env,
  o: ProviderOverrides,
  apiKey: string,
  openaiBase: string | undefined,
): TtsProvider {
  const elKey = o.elevenlabs?.apiKey ?? env['ELEVENLABS_API_KEY'];
  const voiceId = o.elevenlabs?.voiceId ?? env['ELEVENLABS_VOICE_ID'];
  const choice =
    o.ttsProvider ??
    (env['TTS_PROVIDER'] as 'elevenlabs' | 'openai' | undefined) ??
    (elKey && voiceId ? 'elevenlabs' : 'openai');
  if (choice === 'elevenlabs') {
    if (!elKey || !voiceId)
      throw new ProviderConfigError(
        'TTS_PROVIDER=elevenlabs needs ELEVENLABS_API_KEY and ELEVENLABS_VOICE_ID',
      );
    return new ElevenLabsTts({
      baseUrl: env['ELEVENLABS_BASE_URL'],
      modelId: env['ELEVENLABS_MODEL_ID'],
      outputFormat: env['ELEVENLABS_OUTPUT_FORMAT'] as ElevenLabsOutputFormat | undefined,
      ...o.elevenlabs,
      apiKey: elKey,
      voiceId,
    });
  }
  if (choice !== 'openai') throw new ProviderConfigError(`unknown TTS_PROVIDER ${String(choice)}`);
  return new OpenAiTts({
    apiKey,
    baseURL: env['OPENAI_TTS_BASE_URL'] ?? openaiBase,
    model: env['OPENAI_TTS_MODEL'],
    voice: env['OPENAI_TTS_VOICE'],
    ...o.openaiTts,
  });
}
