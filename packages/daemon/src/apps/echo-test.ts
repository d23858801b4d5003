import type { Logger } from '../logger.js';
import type { PromptLibrary } from '../audio/prompts.js';
import type { CallApp, MediaPort } from './types.js';

/** Prompt names the echo test needs (checked at start-up). */
export const ECHO_TEST_PROMPTS = [
  'greeting',
  'you-pressed',
  ...'0123456789ABCD'.split('').map((d) => `digit-${d}`),
  'digit-star',
  'digit-pound',
];

/** The spoken name of a DTMF digit's prompt file. */
export function digitPrompt(digit: string): string | undefined {
  if (/^[0-9A-D]$/.test(digit)) return `digit-${digit}`;
  if (digit === '*') return 'digit-star';
  if (digit === '#') return 'digit-pound';
  return undefined;
}

/** Echo frames buffered at most (older ones are dropped): bounds the echo delay to ~100 ms. */
const MAX_ECHO_FRAMES = 5;
/** Frames kept queued in the paced sender: enough to ride out timer jitter, short for low delay. */
const SEND_AHEAD_FRAMES = 2;

/**
 * The embedded default application: plays a spoken greeting, then echoes the caller's
 * audio back, and reads back each DTMF digit ("you pressed five"). While a prompt plays
 * the echo is muted, so the caller hears the prompt clearly. Driven by `tick()` once per
 * ptime from the call's media clock, so prompts play even while the caller is silent.
 */
export class EchoTestApp implements CallApp {
  /** Prompts still to play, each the shared frame list of the library (never copied). */
  private readonly promptQueue: (readonly Int16Array[])[] = [];
  /** Next frame of `promptQueue[0]`. */
  private promptIndex = 0;
  private readonly echoQueue: Int16Array[] = [];
  private started = false;

  constructor(
    private readonly media: MediaPort,
    private readonly prompts: PromptLibrary,
    private readonly log: Logger,
    private readonly onDigit?: (digit: string) => void,
  ) {}

  start(): void {
    this.started = true;
    this.play('greeting');
  }

  onFrame(pcm: Int16Array): void {
    if (!this.started || this.promptQueue.length > 0) return;
    this.echoQueue.push(pcm);
    if (this.echoQueue.length > MAX_ECHO_FRAMES) this.echoQueue.shift();
  }

  onDtmf(digit: string): void {
    this.log.info({ digit }, `DTMF digit received: ${digit}`);
    this.onDigit?.(digit);
    const name = digitPrompt(digit);
    if (!name) return;
    this.echoQueue.length = 0;
    this.play('you-pressed');
    this.play(name);
  }

  /** Once per ptime: keeps the paced sender fed with prompt frames, else echo frames. */
  tick(): void {
    if (!this.started) return;
    while (this.media.queuedFrames < SEND_AHEAD_FRAMES) {
      const frame = this.nextPromptFrame() ?? this.echoQueue.shift();
      if (!frame) return;
      this.media.sendFrame(frame);
    }
  }

  stop(): void {
    this.started = false;
    this.promptQueue.length = 0;
    this.promptIndex = 0;
    this.echoQueue.length = 0;
  }

  /** True while a prompt is still queued. */
  get playingPrompt(): boolean {
    return this.promptQueue.length > 0;
  }

  private play(name: string): void {
    const frames = this.prompts.frames(name, this.media.sampleRate, this.media.samplesPerFrame);
    if (frames.length === 0)
      this.log.warn({ prompt: name, rate: this.media.sampleRate }, 'prompt not available');
    else this.promptQueue.push(frames);
  }

  private nextPromptFrame(): Int16Array | undefined {
    const current = this.promptQueue[0];
    if (!current) return undefined;
    const frame = current[this.promptIndex++];
    if (this.promptIndex >= current.length) {
      this.promptQueue.shift();
      this.promptIndex = 0;
    }
    return frame;
  }
}
