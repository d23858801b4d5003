import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { PromptLibrary } from '../audio/prompts.js';
import { EchoTestApp, ECHO_TEST_PROMPTS, digitPrompt } from './echo-test.js';
import type { MediaPort } from './types.js';

class FakeMedia implements MediaPort {
  readonly sent: Int16Array[] = [];
  queue: Int16Array[] = [];
  hung?: string;
  constructor(
    readonly sampleRate: number,
    readonly samplesPerFrame: number,
  ) {}
  sendFrame(pcm: Int16Array): void {
    this.queue.push(pcm);
  }
  clearSendQueue(): void {
    this.queue = [];
  }
  get queuedFrames(): number {
    return this.queue.length;
  }
  hangup(reason: string): void {
    this.hung = reason;
  }
  /** The paced sender: one frame leaves per ptime. */
  drain(): void {
    const f = this.queue.shift();
    if (f) this.sent.push(f);
  }
}

const log = pino({ level: 'silent' });
const prompts = new PromptLibrary();

function run(
  app: EchoTestApp,
  media: FakeMedia,
  ticks: number,
  input?: (i: number) => Int16Array | undefined,
): void {
  for (let i = 0; i < ticks; i++) {
    const f = input?.(i);
    if (f) app.onFrame(f);
    app.tick();
    media.drain();
  }
}

describe('EchoTestApp', () => {
  it('has every committed prompt at 8 and 16 kHz', () => {
    expect(() => prompts.verify(ECHO_TEST_PROMPTS)).not.toThrow();
    for (const rate of [8000, 16000])
      for (const p of ECHO_TEST_PROMPTS) expect(prompts.pcm(p, rate)?.length).toBeGreaterThan(rate / 10);
  });

  it('plays the greeting first, even with no caller audio, then echoes frames back unchanged', () => {
    const media = new FakeMedia(8000, 160);
    const app = new EchoTestApp(media, prompts, log);
    app.start();
    const greeting = prompts.frames('greeting', 8000, 160);
    run(app, media, greeting.length + 5);
    expect(media.sent.slice(0, greeting.length)).toEqual(greeting);
    expect(app.playingPrompt).toBe(false);
    const before = media.sent.length;
    const mark = (i: number): Int16Array => new Int16Array(160).fill(1000 + i);
    run(app, media, 50, mark);
    const echoed = media.sent.slice(before);
    expect(echoed.length).toBeGreaterThanOrEqual(48);
    // frames come back in order and unmodified
    const values = echoed.map((f) => f[0]);
    expect(values).toEqual([...values].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(values[0]).toBe(1000);
  });

  it('reads a DTMF digit back and mutes the echo while speaking', () => {
    const media = new FakeMedia(8000, 160);
    const digits: string[] = [];
    const app = new EchoTestApp(media, prompts, log, (d) => digits.push(d));
    app.start();
    run(app, media, prompts.frames('greeting', 8000, 160).length + 2);
    app.onDtmf('5');
    expect(digits).toEqual(['5']);
    const expected = [...prompts.frames('you-pressed', 8000, 160), ...prompts.frames('digit-5', 8000, 160)];
    const start = media.sent.length;
    run(app, media, expected.length + 2, () => new Int16Array(160).fill(7));
    expect(media.sent.slice(start, start + expected.length)).toEqual(expected);
  });

  it('knows a prompt for every DTMF event 0-9 * # A-D', () => {
    for (const d of '0123456789*#ABCD') expect(digitPrompt(d)).toBeDefined();
    expect(digitPrompt('!')).toBeUndefined();
  });
});
