import type { ProviderSet } from '@voice-assistant/ai-pipeline';
import type { PromptLibrary } from '../audio/prompts.js';
import type { AccountConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { AssistantApp, type CallControl, type TranscriptLine } from './assistant.js';
import { EchoTestApp } from './echo-test.js';
import type { CallApp, MediaPort } from './types.js';

export interface AppChoice {
  readonly app: CallApp;
  readonly kind: 'assistant' | 'echo-test';
}

/**
 * The one place that decides what answers a call, for SIP and Twilio alike: the AI
 * assistant when the account has providers (with an optional per-call system prompt),
 * otherwise the echo test.
 */
export function createCallApp(opts: {
  port: MediaPort;
  control: CallControl;
  account: AccountConfig | undefined;
  providers: ProviderSet | undefined;
  prompts: PromptLibrary;
  metrics: Metrics;
  log: Logger;
  prompt?: string | undefined;
  onTranscript?: (line: TranscriptLine) => void;
  /** Counts a DTMF digit the echo test read back (SIP calls count RFC 4733 digits here). */
  onEchoDigit?: () => void;
}): AppChoice {
  const { account, providers } = opts;
  if (providers && account) {
    const persona = opts.prompt
      ? { ...account, assistant: { ...account.assistant, systemPrompt: opts.prompt } }
      : account;
    const app = new AssistantApp(
      opts.port,
      providers,
      persona,
      opts.control,
      opts.prompts,
      opts.metrics,
      opts.log,
    );
    app.onTranscript = opts.onTranscript;
    return { app, kind: 'assistant' };
  }
  return { app: new EchoTestApp(opts.port, opts.prompts, opts.log, opts.onEchoDigit), kind: 'echo-test' };
}
