import { EventEmitter } from 'node:events';
import type { ProviderError } from './errors.js';
import { PipelineMisuseError } from './errors.js';
import { trimHistory } from './llm/history.js';
import type { ChatMessage } from './llm/types.js';
import { TurnTimer, type TurnMetrics } from './metrics/turn-metrics.js';
import {
  fallbackAction,
  resolveOptions,
  type ResolvedPipelineOptions,
  type VoicePipelineEvents,
  type VoicePipelineOptions,
} from './pipeline-options.js';
import { runLlmReply, speakText, type ReplyResult } from './reply/reply-runner.js';
import { replyDepsFrom, ttsDepsFrom, type TtsHooks } from './reply/reply-deps.js';
import { SpeechHandle } from './speech-handle.js';
import type { SttSession, SttTranscript } from './stt/types.js';
import type { PipelineAction } from './tools/tools.js';
import { DtmfCollector } from './turn/dtmf-collector.js';
import { NamedTimers } from './turn/named-timers.js';
import { tryTransition, type TurnEvent, type TurnState } from './turn/turn-state.js';
import { UserTurn } from './turn/user-turn.js';
import type { PipelineTimerName as TimerName, Utterance, UtteranceKind } from './turn/utterance.js';
import { EnergyVad, type VadEvent } from './vad/energy-vad.js';

/**
 * One call's conversation: caller PCM in, assistant PCM out, with local VAD, streaming
 * STT -> LLM -> TTS, barge-in, DTMF, tools, re-prompts, a call-length limit and
 * fallbacks. See {@link VoicePipelineEvents} for the events and
 * {@link VoicePipelineOptions} for the options.
 */
export class VoicePipeline extends EventEmitter<VoicePipelineEvents> {
  private readonly o: ResolvedPipelineOptions;
  private readonly vad: EnergyVad;
  private readonly timers: NamedTimers<TimerName>;
  private readonly dtmf: DtmfCollector;
  private readonly callController = new AbortController();
  private readonly history: ChatMessage[];
  private readonly userTurn = new UserTurn();
  private stt: SttSession | undefined;
  private stateValue: TurnState = 'idle';
  private current: Utterance | undefined;
  private pendingVadEnd: { atMs: number; lastSpeechMs: number } | undefined;
  private reprompts = 0;
  private handleSeq = 0;
  private failing = false;
  private lastErrorStage: ProviderError['stage'] | undefined;
  private closed = false;
  private readonly metrics: TurnMetrics[] = [];

  constructor(options: VoicePipelineOptions) {
    super();
    this.o = resolveOptions(options);
    this.vad = new EnergyVad({ sampleRate: this.o.sampleRate, ...this.o.vad });
    this.timers = new NamedTimers(this.o.clock);
    this.dtmf = new DtmfCollector({
      clock: this.o.clock,
      interDigitMs: this.o.dtmfInterDigitMs,
      onComplete: (digits) => this.commitDtmf(digits),
    });
    this.history = [{ role: 'system', content: this.o.persona.systemPrompt }];
  }

  /** Call audio rate (Hz). */
  get sampleRate(): number {
    return this.o.sampleRate;
  }

  /** Latency of every completed turn so far, for the call summary. */
  get turnMetrics(): readonly TurnMetrics[] {
    return [...this.metrics];
  }

  /** Turn-taking state. */
  get state(): TurnState {
    return this.stateValue;
  }

  /** A copy of the conversation history (system prompt first). */
  get conversation(): readonly ChatMessage[] {
    return [...this.history];
  }

  /** Opens the STT session, arms the call-length limit and speaks the greeting. */
  start(): void {
    if (this.stateValue !== 'idle') throw new PipelineMisuseError('VoicePipeline.start() called twice');
    const { persona } = this.o;
    this.stt = this.o.stt.start(
      { sampleRate: this.o.sampleRate, language: persona.language, signal: this.callController.signal },
      {
        onTranscript: (t) => this.onTranscript(t),
        onUtteranceEnd: () => this.onTranscript({ text: '', final: true, endOfTurn: true }),
        onError: (e) => this.onProviderError(e),
      },
    );
    if (persona.maxCallMs !== undefined) {
      this.timers.set('maxCall', persona.maxCallMs, () =>
        this.endWith({ type: 'hangup', reason: 'max-call-length' }),
      );
    }
    if (persona.greeting) {
      this.move('start');
      this.say('greeting', persona.greeting, this.o.allowInterruptions);
    } else {
      this.move('start-silent');
      this.armReprompt();
    }
  }

  /**
   * Caller audio: one 20 ms frame of 16-bit mono PCM at the call rate. Ignored after the
   * call ended. @throws PipelineMisuseError before {@link VoicePipeline.start}.
   */
  pushAudio(pcm: Int16Array): void {
    if (this.closed || this.stateValue === 'ended') return;
    if (this.stateValue === 'idle') throw new PipelineMisuseError('pushAudio() before start()');
    this.stt?.sendAudio(pcm);
    for (const ev of this.vad.process(pcm, this.o.clock.now())) this.onVad(ev);
  }

  /**
   * A DTMF key from the caller (RFC 4733 event or SIP INFO): interrupts the assistant
   * (when interruptions are allowed; otherwise the key is ignored) and digits up to '#'
   * or a 2 s pause become one user turn. DTMF turns emit no 'turn-metrics'.
   */
  pushDtmf(digit: string): void {
    if (this.closed || this.stateValue === 'ended' || this.stateValue === 'idle') return;
    // A key that may not interrupt (goodbye, apology, allowInterruptions false) is ignored.
    if (!this.bargeIn('dtmf')) return;
    this.timers.clear('reprompt');
    this.dtmf.push(digit);
  }

  /** Output acknowledgement: `frames` more frames of the current utterance were played. */
  markPlayed(frames: number): void {
    this.current?.handle.markPlayed(frames);
  }

  /** Ends the conversation: stops every stream and timer, closes the STT session. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearAll();
    this.dtmf.clear();
    const cur = this.current;
    this.current = undefined;
    cur?.handle.interrupt('closed', false);
    this.callController.abort(new DOMException('call closed', 'AbortError'));
    await cur?.done;
    await this.stt?.close();
    this.stateValue = 'ended';
  }

  private onVad(ev: VadEvent): void {
    if (ev.type === 'speech-start') {
      this.timers.clear('reprompt');
      // Barge-in: synchronous on the VAD event, so the flush is immediate.
      if (this.current && !this.bargeIn('speech')) return;
      if (!this.move('user-speech-start')) return;
      this.timers.clear('sttFinal');
      this.pendingVadEnd = undefined;
      this.stt?.speechStarted();
      return;
    }
    if (this.stateValue !== 'user-speaking') return;
    this.move('user-speech-end');
    this.pendingVadEnd = { atMs: ev.atMs, lastSpeechMs: ev.lastSpeechMs };
    this.stt?.speechEnded();
    if (this.userTurn.completeAtVadEnd) return this.commitUserTurn();
    this.timers.set('sttFinal', this.o.timeouts.sttFinalMs, () => this.onSttFinalTimeout());
  }

  private onTranscript(t: SttTranscript): void {
    if (this.closed || this.stateValue === 'ended') return;
    // Speech the assistant would not be interrupted by is not an input either.
    if (this.current && !this.current.handle.allowInterruptions) return;
    if (this.stateValue === 'speaking') return;
    const text = t.text.trim();
    if (text) this.emit('transcript', { role: 'user', text, final: t.final, atMs: this.o.clock.now() });
    const ended = this.userTurn.add(t);
    if (!ended || this.stateValue === 'user-speaking') return;
    if (this.stateValue === 'thinking' && this.current) return;
    if (this.stateValue === 'listening') {
      this.move('user-input');
      const now = this.o.clock.now();
      this.pendingVadEnd = { atMs: now, lastSpeechMs: now };
    }
    this.commitUserTurn();
  }

  private onSttFinalTimeout(): void {
    if (this.stateValue !== 'thinking' || this.current) return;
    if (!this.userTurn.empty) return this.commitUserTurn();
    this.pendingVadEnd = undefined;
    this.move('turn-abandoned');
    this.armReprompt();
  }

  private commitUserTurn(): void {
    this.timers.clear('sttFinal');
    // Something still speaking or thinking (e.g. a re-prompt) gives way to the caller.
    if (this.current && !this.bargeIn('new-turn')) return;
    const text = this.userTurn.text;
    this.userTurn.reset();
    const vadEnd = this.pendingVadEnd;
    this.pendingVadEnd = undefined;
    if (!text) return;
    const now = this.o.clock.now();
    const timer = new TurnTimer(vadEnd?.atMs ?? now, vadEnd?.lastSpeechMs ?? now);
    timer.sttFinal(now);
    this.reprompts = 0;
    this.history.push({ role: 'user', content: text });
    this.o.logger.info({ text, vadEndMs: timer.vadEndMs }, 'user turn');
    this.startReply(timer);
  }

  private commitDtmf(digits: string): void {
    if (this.stateValue === 'ended') return;
    if (this.current && !this.bargeIn('new-turn')) return;
    this.emit('transcript', { role: 'user', text: `DTMF ${digits}`, final: true, atMs: this.o.clock.now() });
    this.history.push({ role: 'user', content: `[The caller pressed the keys: ${digits}]` });
    this.move('user-input');
    this.startReply(undefined);
  }

  /** Interrupts the current utterance if allowed; returns false when it may not be interrupted. */
  private bargeIn(reason: string): boolean {
    const cur = this.current;
    if (!cur) return true;
    if (!this.o.allowInterruptions || !cur.handle.allowInterruptions) return false;
    const now = this.o.clock.now();
    cur.handle.interrupt(reason);
    this.current = undefined;
    this.timers.clear('playout');
    const heard = cur.handle.heardText(now);
    const last = this.history[this.history.length - 1];
    if (cur.kind === 'reply' && cur.handle.framesEmitted === 0 && last?.role === 'user') {
      this.history.pop();
      this.userTurn.restore(last.content);
    } else if (heard) {
      this.history.push({ role: 'assistant', content: heard });
      this.emit('transcript', { role: 'assistant', text: heard, final: true, atMs: now });
    }
    this.o.logger.debug({ handle: cur.handle.id, reason, heard }, 'barge-in');
    return true;
  }

  private startReply(timer: TurnTimer | undefined): void {
    const handle = this.newHandle(this.o.allowInterruptions);
    const utt: Utterance = { kind: 'reply', handle, timer, then: undefined, done: Promise.resolve() };
    this.current = utt;
    const deps = replyDepsFrom(this.o, {
      ...this.ttsHooks(utt),
      onLlmFirstToken: () => timer?.llmFirstToken(this.o.clock.now()),
      onImmediateAction: (a) => this.emit('action', a),
      appendHistory: (m) => this.history.push(m),
      history: () => trimHistory(this.history, this.o.maxHistoryMessages),
    });
    utt.done = runLlmReply(deps, handle)
      .then((r) => this.afterUtterance(utt, r))
      .catch((e: unknown) => this.onInternalError(e));
  }

  private say(kind: UtteranceKind, text: string, interruptible: boolean, then?: PipelineAction): void {
    const handle = this.newHandle(interruptible);
    const utt: Utterance = { kind, handle, timer: undefined, then, done: Promise.resolve() };
    this.current = utt;
    utt.done = speakText(ttsDepsFrom(this.o, this.ttsHooks(utt)), handle, text)
      .then((r) => this.afterUtterance(utt, { ...r, text }))
      .catch((e: unknown) => this.onInternalError(e));
  }

  private newHandle(interruptible: boolean): SpeechHandle {
    return new SpeechHandle({
      id: ++this.handleSeq,
      allowInterruptions: interruptible,
      onFlush: () => this.emit('clear'),
    });
  }

  private ttsHooks(utt: Utterance): TtsHooks {
    return {
      emitFrame: (pcm) => this.emitFrame(utt, pcm),
      onFirstAudio: () => utt.timer?.ttsFirstAudio(this.o.clock.now()),
      onRetry: (e) => this.reportError(e, true),
    };
  }

  private emitFrame(utt: Utterance, pcm: Int16Array): void {
    if (this.current !== utt) return;
    if (utt.handle.framesEmitted === 1) {
      this.move('reply-audio');
      const m = utt.timer?.firstFrameOut(this.o.clock.now());
      if (m) {
        this.metrics.push(m);
        this.emit('turn-metrics', m);
      }
    }
    this.emit('audio', pcm);
  }

  private afterUtterance(utt: Utterance, r: ReplyResult): void {
    if (this.current !== utt || this.closed) return;
    if (r.interrupted) return;
    if (r.error) {
      this.reportError(r.error, false);
      return this.fallback(utt);
    }
    const then = utt.then ?? r.terminal;
    if (then?.type === 'hangup' && !r.text && this.o.persona.goodbye && utt.kind === 'reply') {
      return this.say('goodbye', this.o.persona.goodbye, false, then);
    }
    const delay = Math.max(0, utt.handle.playoutEndMs - this.o.clock.now());
    this.timers.set('playout', delay, () => this.onPlayoutDone(utt, r.text, then));
  }

  private onPlayoutDone(utt: Utterance, text: string, then: PipelineAction | undefined): void {
    if (this.current !== utt) return;
    this.current = undefined;
    if (text) {
      this.history.push({ role: 'assistant', content: text });
      this.emit('transcript', { role: 'assistant', text, final: true, atMs: this.o.clock.now() });
    }
    if (then) return this.emitAction(then);
    if (this.stateValue === 'speaking' || this.stateValue === 'thinking') this.move('reply-done');
    if (this.stateValue === 'listening') this.armReprompt();
  }

  private armReprompt(delayMs = this.o.persona.repromptAfterMs): void {
    if (delayMs === undefined) return;
    this.timers.set('reprompt', delayMs, () => this.onRepromptTimer());
  }

  private onRepromptTimer(): void {
    if (this.stateValue !== 'listening' || this.current) return;
    // Voice heard but not yet confirmed as speech: give the caller a moment.
    if (this.vad.state !== 'silence') return this.armReprompt(500);
    this.reprompts++;
    if (this.reprompts > (this.o.persona.maxReprompts ?? 2)) {
      return this.endWith({ type: 'hangup', reason: 'silence' });
    }
    this.say('reprompt', this.o.persona.repromptText ?? 'Are you still there?', this.o.allowInterruptions);
  }

  /** Stops whatever is playing, says the goodbye (if any) and then runs `action`. */
  private endWith(action: PipelineAction): void {
    if (this.stateValue === 'ended' || this.closed) return;
    const cur = this.current;
    this.current = undefined;
    cur?.handle.interrupt('ending');
    this.timers.clear('playout');
    const goodbye = this.o.persona.goodbye;
    if (!goodbye) return this.emitAction(action);
    this.say('goodbye', goodbye, false, action);
  }

  private fallback(failed: Utterance | undefined): void {
    const action = fallbackAction(this.o.fallback);
    const cur = this.current;
    this.current = undefined;
    cur?.handle.interrupt('provider-failure', false);
    this.timers.clear('playout');
    if (this.failing || failed?.kind === 'apology' || this.lastErrorStage === 'tts') {
      this.emit('action', { type: 'play-apology' });
      return this.emitAction(action);
    }
    this.failing = true;
    this.say('apology', this.o.fallback.apology, false, action);
  }

  private reportError(error: ProviderError, willRetry: boolean): void {
    this.lastErrorStage = error.stage;
    this.o.logger.warn(
      { stage: error.stage, err: error.message, retryable: error.retryable },
      'provider error',
    );
    if (this.listenerCount('error') > 0) {
      this.emit('error', { stage: error.stage, error, retryable: willRetry && error.retryable });
    }
  }

  /** A bug or a throwing listener: log it, never leave an unhandled rejection. */
  private onInternalError(error: unknown): void {
    const err = error instanceof Error ? error.message : String(error);
    this.o.logger.error({ err }, 'pipeline internal error');
  }

  private onProviderError(error: ProviderError): void {
    if (this.closed || this.stateValue === 'ended') return;
    this.reportError(error, error.retryable);
    if (!error.retryable) this.fallback(undefined);
  }

  private emitAction(action: PipelineAction): void {
    this.o.logger.info({ action }, 'pipeline action');
    this.emit('action', action);
    if (action.type === 'transfer' || action.type === 'hangup') {
      this.timers.clearAll();
      this.dtmf.clear();
      this.move('hangup');
    }
  }

  private move(event: TurnEvent): boolean {
    const next = tryTransition(this.stateValue, event);
    if (next === undefined) return false;
    this.stateValue = next;
    return true;
  }
}
