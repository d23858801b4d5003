import {
  VoicePipeline,
  type PipelineAction,
  type ProviderSet,
  type TurnMetrics,
} from '@voice-assistant/ai-pipeline';
import type { PromptLibrary } from '../audio/prompts.js';
import type { AccountConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { CallApp, MediaPort } from './types.js';

/** What the assistant may ask the call to do (transfer, DTMF), implemented by the call manager. */
export interface CallControl {
  /** Blind transfer (RFC 3515 REFER); resolves true when the far end accepted it. */
  transfer(target: string): Promise<boolean>;
  /** Send RFC 4733 digits. */
  sendDtmf(digits: string): void;
}

/** A transcript line kept for the call summary and the recording sidecar. */
export interface TranscriptLine {
  readonly role: 'user' | 'assistant';
  readonly text: string;
  /** Milliseconds since the call was answered. */
  readonly atMs: number;
}

const SAMPLE_RATES = [8000, 16000, 24000, 48000] as const;
type Rate = (typeof SAMPLE_RATES)[number];

/**
 * The AI assistant on a call: the caller's frames go into a `VoicePipeline` (VAD, STT, LLM,
 * TTS); its speech frames go to the paced RTP sender; barge-in clears the send queue; tool
 * actions become SIP actions (REFER, RFC 4733 digits, BYE). A provider outage ends in the
 * committed apology prompt and a transfer or a clean hang-up: never dead air.
 */
export class AssistantApp implements CallApp {
  readonly transcript: TranscriptLine[] = [];
  /** Called with each final transcript line (the call recording's sidecar). */
  onTranscript?: (line: TranscriptLine) => void;
  private readonly pipeline: VoicePipeline;
  private readonly startedAt = Date.now();
  private ending = false;
  private sentFrames = 0;
  private readonly fallbackTarget: string | undefined;
  /** Silence frame for ports that cannot fill gaps themselves; undefined when the session does. */
  private readonly silence: Int16Array | undefined;

  constructor(
    private readonly media: MediaPort,
    providers: ProviderSet,
    account: AccountConfig,
    private readonly control: CallControl,
    private readonly prompts: PromptLibrary,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    const rate = media.sampleRate as Rate;
    if (!SAMPLE_RATES.includes(rate)) throw new Error(`unsupported call sample rate ${media.sampleRate}`);
    this.fallbackTarget = account.assistant.transferTarget;
    // RTP stays continuous while the assistant is quiet (PBX RTP timeouts, NAT pinholes,
    // the far end's jitter buffer): the RTP session fills empty ticks with silence on its
    // own media clock when the port offers it; otherwise tick() queues silence frames.
    if (media.setContinuous) media.setContinuous(true);
    else this.silence = new Int16Array(media.samplesPerFrame);
    this.pipeline = new VoicePipeline({
      ...providers,
      sampleRate: rate,
      persona: {
        systemPrompt: account.assistant.systemPrompt,
        greeting: account.assistant.greeting,
        goodbye: 'Thank you for calling. Goodbye!',
        repromptAfterMs: 8000,
        maxCallMs: account.assistant.maxCallSec * 1000,
        language: account.assistant.language,
      },
      allowInterruptions: account.assistant.allowInterruptions,
      tools: account.assistant.tools.map((t) => ({ type: 'webhook' as const, ...t })),
      fallback: {
        apology: 'Sorry, I am having trouble right now.',
        action: this.fallbackTarget ? 'transfer' : 'hangup',
        target: this.fallbackTarget,
      },
      logger: log,
    });
    this.pipeline.on('audio', (pcm: Int16Array) => {
      this.sentFrames++;
      this.media.sendFrame(pcm);
    });
    this.pipeline.on('clear', () => {
      const dropped = this.media.queuedFrames;
      this.media.clearSendQueue();
      this.log.debug({ dropped }, 'barge-in: assistant audio flushed');
    });
    this.pipeline.on('transcript', (t: { role: 'user' | 'assistant'; text: string; final: boolean }) => {
      if (!t.final) return;
      const line: TranscriptLine = { role: t.role, text: t.text, atMs: Date.now() - this.startedAt };
      this.transcript.push(line);
      this.onTranscript?.(line);
      this.log.info(
        { role: t.role, text: t.text },
        `${t.role === 'user' ? 'caller' : 'assistant'}: ${t.text}`,
      );
    });
    this.pipeline.on('turn-metrics', (m: TurnMetrics) => this.observeTurn(m));
    this.pipeline.on('error', (e: { stage: string; error: Error; retryable: boolean }) => {
      this.metrics.errorsTotal.inc({ error_type: `ai_${e.stage}`, account: account.name });
      this.log.warn(
        { stage: e.stage, retryable: e.retryable, err: e.error },
        `AI provider error (${e.stage})`,
      );
    });
    this.pipeline.on('action', (a: PipelineAction) => this.onAction(a));
  }

  start(): void {
    this.pipeline.start();
  }

  onFrame(pcm: Int16Array): void {
    if (!this.ending) this.pipeline.pushAudio(pcm);
  }

  onDtmf(digit: string): void {
    if (!this.ending) this.pipeline.pushDtmf(digit);
  }

  /**
   * Once per ptime: tells the pipeline how much of its speech actually left, so the history
   * keeps only what the caller heard; on a port without continuous media, also queues a
   * silence frame when nothing is queued.
   */
  tick(): void {
    const queued = this.media.queuedFrames;
    if (queued === 0 && this.silence) this.media.sendFrame(this.silence);
    const played = this.sentFrames - queued;
    if (played > 0) this.pipeline.markPlayed(played);
  }

  stop(): void {
    this.ending = true;
    this.pipeline.close().catch((err: unknown) => this.log.warn({ err }, 'pipeline close failed'));
  }

  private observeTurn(m: TurnMetrics): void {
    const h = this.metrics.aiLatency;
    h.observe({ stage: 'stt' }, m.vadEndToSttFinalMs / 1000);
    h.observe({ stage: 'llm' }, m.sttFinalToLlmFirstTokenMs / 1000);
    h.observe({ stage: 'tts' }, m.llmFirstTokenToTtsFirstAudioMs / 1000);
    h.observe({ stage: 'output' }, m.ttsFirstAudioToFirstFrameOutMs / 1000);
    // "To the wire": add what is queued ahead of the reply in the paced sender.
    const queuedMs = this.media.queuedFrames * ((this.media.samplesPerFrame / this.media.sampleRate) * 1000);
    h.observe({ stage: 'total' }, (m.totalMs + queuedMs) / 1000);
    this.log.info({ turn: m }, `turn latency ${Math.round(m.totalMs)} ms`);
  }

  private onAction(a: PipelineAction): void {
    switch (a.type) {
      case 'dtmf':
        this.control.sendDtmf(a.digits);
        return;
      case 'hangup':
        this.afterPlayout(() => this.media.hangup(a.reason));
        return;
      case 'transfer':
        this.afterPlayout(() => void this.transfer(a.target));
        return;
      case 'play-apology':
        this.ending = true;
        this.media.clearSendQueue();
        for (const f of this.prompts.frames('unavailable', this.media.sampleRate, this.media.samplesPerFrame))
          this.media.sendFrame(f);
        this.afterPlayout(() =>
          this.fallbackTarget ? void this.transfer(this.fallbackTarget) : this.media.hangup('ai-unavailable'),
        );
        return;
    }
  }

  private async transfer(target: string): Promise<void> {
    this.log.info({ target }, `transferring the call to ${target}`);
    const ok = await this.control.transfer(target).catch(() => false);
    if (!ok) {
      this.log.warn({ target }, 'transfer refused: ending the call');
      this.media.hangup('transfer-failed');
    }
  }

  /** Runs `fn` once everything queued has been sent (the goodbye is heard before the BYE). */
  private afterPlayout(fn: () => void): void {
    const poll = (): void => {
      if (this.media.queuedFrames === 0) fn();
      else setTimeout(poll, 40).unref();
    };
    poll();
  }
}
