import { DeepgramClient, type Deepgram } from '@deepgram/sdk';
import { pcm16ToBytes } from '../../audio/pcm.js';
import { ProviderError, toProviderError } from '../../errors.js';
import type { SttProvider, SttSession, SttSink, SttStartOptions } from '../types.js';

/** Options of {@link DeepgramStt}. */
export interface DeepgramSttOptions {
  /** `DEEPGRAM_API_KEY`. */
  readonly apiKey: string;
  /** `DEEPGRAM_BASE_URL`; http(s) URLs are turned into ws(s). Default wss://api.deepgram.com. */
  readonly baseUrl?: string;
  /** Model. Default 'nova-3'. */
  readonly model?: string;
  /** Language; overrides the persona's. Default: the persona's, else Deepgram's default. */
  readonly language?: string;
  /** Interim results. Default true. */
  readonly interimResults?: boolean;
  /** Deepgram endpointing silence (ms), sets `speech_final`. Default 300 ms. */
  readonly endpointingMs?: number;
  /** Deepgram `utterance_end_ms` (ms, >= 1000). Default 1000 ms. */
  readonly utteranceEndMs?: number;
  /** KeepAlive period (ms) so silence does not close the socket. Default 5000 ms. */
  readonly keepAliveMs?: number;
  /** Reconnect attempts after an unexpected close. Default 5. */
  readonly reconnectAttempts?: number;
  /** Give up (non-retryable error) if not reconnected within this time (ms). Default 10000 ms. */
  readonly reconnectGiveUpMs?: number;
  /** Audio buffered while (re)connecting (ms); older audio is dropped. Default 3000 ms. */
  readonly maxBufferedMs?: number;
}

/** Turns an http(s) base URL into the ws(s) one the live endpoint needs. */
export function deepgramWsBase(url: string | undefined): string | undefined {
  return url?.replace(/^http(s?):\/\//, 'ws$1://');
}

/** Deepgram live streaming STT (`/v1/listen` WebSocket) through `@deepgram/sdk` v5. */
export class DeepgramStt implements SttProvider {
  readonly name = 'deepgram';
  private readonly client: DeepgramClient;

  constructor(readonly options: DeepgramSttOptions) {
    this.client = new DeepgramClient({ apiKey: options.apiKey, baseUrl: deepgramWsBase(options.baseUrl) });
  }

  start(options: SttStartOptions, sink: SttSink): SttSession {
    return new DeepgramSession(this.client, this.options, options, sink);
  }
}

type ListenSocket = Awaited<ReturnType<DeepgramClient['listen']['v1']['connect']>>;
type ListenMessage =
  | Deepgram.listen.ListenV1Results
  | Deepgram.listen.ListenV1Metadata
  | Deepgram.listen.ListenV1UtteranceEnd
  | Deepgram.listen.ListenV1SpeechStarted;

class DeepgramSession implements SttSession {
  private socket: ListenSocket | undefined;
  private isOpen = false;
  private closing = false;
  private readonly buffered: Int16Array[] = [];
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private giveUp: ReturnType<typeof setTimeout> | undefined;
  private readonly controller = new AbortController();

  constructor(
    private readonly client: DeepgramClient,
    private readonly o: DeepgramSttOptions,
    private readonly start: SttStartOptions,
    private readonly sink: SttSink,
  ) {
    start.signal.addEventListener('abort', () => void this.close(), { once: true });
    this.connect().catch((e: unknown) => this.fail(toProviderError('stt', e)));
  }

  private async connect(): Promise<void> {
    const o = this.o;
    const socket = await this.client.listen.v1.connect({
      model: o.model ?? 'nova-3',
      language: o.language ?? this.start.language,
      encoding: 'linear16',
      sample_rate: this.start.sampleRate,
      channels: 1,
      interim_results: String(o.interimResults ?? true),
      endpointing: o.endpointingMs ?? 300,
      utterance_end_ms: o.utteranceEndMs ?? 1000,
      punctuate: 'true',
      smart_format: 'true',
      Authorization: `Token ${o.apiKey}`,
      reconnectAttempts: o.reconnectAttempts ?? 5,
      abortSignal: this.controller.signal,
    });
    this.socket = socket;
    socket.on('open', () => this.onOpen());
    socket.on('message', (m) => this.onMessage(m));
    socket.on('error', (e) => this.sink.onError(toProviderError('stt', e)));
    socket.on('close', (ev) => this.onClose(ev.code));
    socket.connect();
  }

  private onOpen(): void {
    if (this.closing) return;
    this.isOpen = true;
    clearTimeout(this.giveUp);
    for (const pcm of this.buffered.splice(0)) this.socket?.sendMedia(pcm16ToBytes(pcm));
    clearInterval(this.keepAlive);
    this.keepAlive = setInterval(
      () => this.send(() => this.socket?.sendKeepAlive({ type: 'KeepAlive' })),
      this.o.keepAliveMs ?? 5000,
    );
  }

  private onClose(code: number): void {
    this.isOpen = false;
    if (this.closing) return;
    this.sink.onError(new ProviderError('stt', `deepgram socket closed (${code}), reconnecting`, true));
    clearTimeout(this.giveUp);
    this.giveUp = setTimeout(() => {
      if (!this.isOpen && !this.closing)
        this.fail(new ProviderError('stt', 'deepgram did not reconnect', false));
    }, this.o.reconnectGiveUpMs ?? 10_000);
  }

  private onMessage(m: ListenMessage): void {
    if (m.type === 'Results') {
      const text = m.channel.alternatives[0]?.transcript ?? '';
      const final = m.is_final === true;
      this.sink.onTranscript({
        text,
        final,
        endOfTurn: final && (m.speech_final === true || m.from_finalize === true),
      });
    } else if (m.type === 'UtteranceEnd') {
      this.sink.onUtteranceEnd?.();
    }
  }

  sendAudio(pcm: Int16Array): void {
    if (this.closing) return;
    if (this.isOpen) return this.send(() => this.socket?.sendMedia(pcm16ToBytes(pcm)));
    this.buffered.push(pcm);
    const maxFrames = Math.ceil((this.o.maxBufferedMs ?? 3000) / 20);
    if (this.buffered.length > maxFrames) this.buffered.shift();
  }

  speechStarted(): void {}

  speechEnded(): void {
    if (this.isOpen) this.send(() => this.socket?.sendFinalize({ type: 'Finalize' }));
  }

  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    clearInterval(this.keepAlive);
    clearTimeout(this.giveUp);
    if (this.isOpen) this.send(() => this.socket?.sendCloseStream({ type: 'CloseStream' }));
    this.isOpen = false;
    try {
      this.socket?.close();
    } catch {
      // already closed
    }
    this.controller.abort();
    return Promise.resolve();
  }

  private send(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.sink.onError(toProviderError('stt', error));
    }
  }

  private fail(error: ProviderError): void {
    if (this.closing) return;
    this.sink.onError(error);
  }
}
