/**
 * ai-pipeline: latency the pipeline itself adds to a turn, and barge-in reaction time.
 *
 * Run: `npx tsx bench/ai-pipeline.bench.ts` (optional: BENCH_TURNS=300).
 *
 * Providers are zero-latency in-memory fakes, so everything measured is the pipeline's
 * own work: VAD, turn commit, LLM stream handling, sentence splitting, TTS prefetch,
 * framing, events. Pipeline timers run on a FakeClock (no playout waits); latencies are
 * wall-clock (performance.now()) around the real calls.
 *
 *  - turn: from the pushAudio() call whose frame completes the VAD endpoint to the first
 *    'audio' frame of the reply. Reference (same run): the same fake providers chained by
 *    hand (STT final -> LLM first token -> TTS first chunk), no pipeline.
 *  - barge-in: from the pushAudio() call whose frame confirms caller speech (after the
 *    200 ms minimum-speech guard) to the 'clear' event.
 *  - wire: the same turn with the official SDKs (Deepgram live WebSocket, OpenAI SSE,
 *    ElevenLabs HTTP stream) against the zero-latency fake servers on loopback.
 *    Reference: the same provider objects chained by hand (finalize -> transcript, first
 *    LLM chunk, first TTS chunk), so the difference is what the pipeline adds.
 * Targets (issue 5): added latency < 60 ms p95, barge-in < 40 ms p95.
 */
import {
  VoicePipeline,
  createProvidersFromEnv,
  type ProviderSet,
} from '../packages/ai-pipeline/src/index.js';
import {
  FakeClock,
  startFakeDeepgram,
  startFakeElevenLabs,
  startFakeOpenAi,
  ScriptedLlm,
  ScriptedStt,
  ScriptedTts,
  noiseFrame,
  toneFrame,
} from '../packages/ai-pipeline/src/testing/index.js';

const TURNS = Number(process.env['BENCH_TURNS'] ?? 300);
const RATE = 8000;
const REPLY = ['Sure', ', I can help with that. ', 'What is the ', 'order number?'];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

function makePipeline(greeting?: string): { p: VoicePipeline; stt: ScriptedStt } {
  const stt = new ScriptedStt();
  const llm = new ScriptedLlm();
  llm.defaultAnswer = REPLY;
  const p = new VoicePipeline({
    stt,
    llm,
    tts: new ScriptedTts(50),
    sampleRate: RATE,
    clock: new FakeClock(),
    persona: { systemPrompt: 'bench', greeting },
  });
  return { p, stt };
}

async function oneTurn(): Promise<number> {
  const { p, stt } = makePipeline();
  p.start();
  stt.onSpeechEndedQueue.push({ text: 'I have a question about my order', final: true, endOfTurn: true });
  for (let i = 0; i < 5; i++) p.pushAudio(noiseFrame(RATE, 30, i + 1));
  for (let i = 0; i < 15; i++) p.pushAudio(toneFrame(RATE, 8000, 300, i));
  for (let i = 0; i < 24; i++) p.pushAudio(noiseFrame(RATE, 30, i + 9));
  const first = new Promise<number>((resolve) => p.once('audio', () => resolve(performance.now())));
  const t0 = performance.now();
  p.pushAudio(noiseFrame(RATE, 30, 99)); // the 25th silent frame: 500 ms endpoint reached
  const t1 = await first;
  await p.close();
  return t1 - t0;
}

async function referenceTurn(): Promise<number> {
  const stt = new ScriptedStt();
  const llm = new ScriptedLlm();
  llm.defaultAnswer = REPLY;
  const tts = new ScriptedTts(50);
  const signal = new AbortController().signal;
  let deliver: (text: string) => void = () => undefined;
  const got = new Promise<string>((resolve) => (deliver = resolve));
  const session = stt.start(
    { sampleRate: RATE, signal },
    { onTranscript: (t) => deliver(t.text), onError: () => undefined },
  );
  stt.onSpeechEndedQueue.push({ text: 'question', final: true, endOfTurn: true });
  const t0 = performance.now();
  session.speechEnded();
  await got;
  let text = '';
  for await (const c of llm.stream({ messages: [], tools: [], signal })) {
    if (c.type === 'text') text += c.text;
    if (text.includes('. ')) break;
  }
  for await (const _ of tts.synthesize({ text, sampleRate: RATE, signal })) break;
  return performance.now() - t0;
}

async function oneBargeIn(): Promise<number> {
  const { p } = makePipeline('Welcome to the bench, this greeting is long enough to interrupt.');
  p.start();
  await new Promise((r) => setImmediate(r));
  for (let i = 0; i < 5; i++) p.pushAudio(noiseFrame(RATE, 30, i + 1));
  for (let i = 0; i < 9; i++) p.pushAudio(toneFrame(RATE, 8000, 300, i));
  let cleared = NaN;
  p.once('clear', () => (cleared = performance.now()));
  const t0 = performance.now();
  p.pushAudio(toneFrame(RATE, 8000, 300, 9)); // 200 ms of speech: confirmed here
  await p.close();
  return cleared - t0;
}

async function series(n: number, f: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < Math.min(30, n); i++) await f(); // warm-up
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await f());
  return out;
}

async function wireFakes() {
  const [dg, oa, el] = await Promise.all([startFakeDeepgram(), startFakeOpenAi(), startFakeElevenLabs()]);
  dg.script.utterances = Array.from({ length: 10_000 }, () => 'I have a question about my order');
  oa.script.chat = Array.from({ length: 10_000 }, () => ({ text: REPLY.join('') }));
  const providers = createProvidersFromEnv({
    OPENAI_API_KEY: 'k',
    OPENAI_BASE_URL: oa.baseURL,
    DEEPGRAM_API_KEY: 'k',
    DEEPGRAM_BASE_URL: dg.url,
    ELEVENLABS_API_KEY: 'k',
    ELEVENLABS_BASE_URL: el.url,
    ELEVENLABS_VOICE_ID: 'v',
  }) as ProviderSet;
  const close = () => Promise.all([dg.close(), oa.close(), el.close()]);
  return { providers, dg, close };
}

async function wireSeries(n: number): Promise<{ turns: number[]; refs: number[] }> {
  const { providers, dg, close } = await wireFakes();
  const clock = new FakeClock();
  const p = new VoicePipeline({ ...providers, sampleRate: RATE, clock, persona: { systemPrompt: 'bench' } });
  p.start();
  while (dg.connections[0]?.socket.readyState !== 1) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  const turns: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    for (let k = 0; k < 5; k++) p.pushAudio(noiseFrame(RATE, 30, k + 1));
    for (let k = 0; k < 15; k++) p.pushAudio(toneFrame(RATE, 8000, 300, k));
    for (let k = 0; k < 24; k++) p.pushAudio(noiseFrame(RATE, 30, k + 9));
    const first = new Promise<number>((resolve) => p.once('audio', () => resolve(performance.now())));
    const t0 = performance.now();
    p.pushAudio(noiseFrame(RATE, 30, 99));
    const t1 = await first;
    if (i >= 10) turns.push(t1 - t0);
    while (p.state !== 'listening') {
      await new Promise((r) => setTimeout(r, 1));
      clock.advance(1000);
    }
  }
  await p.close();
  const refs = await wireReference(providers, n);
  await close();
  return { turns, refs };
}

async function wireReference(providers: ProviderSet, n: number): Promise<number[]> {
  const signal = new AbortController().signal;
  let deliver: () => void = () => undefined;
  const session = providers.stt.start(
    { sampleRate: RATE, signal },
    { onTranscript: (t) => t.final && deliver(), onError: () => undefined },
  );
  await new Promise((r) => setTimeout(r, 200));
  const out: number[] = [];
  for (let i = 0; i < n + 10; i++) {
    const got = new Promise<void>((resolve) => (deliver = resolve));
    const turnSignal = new AbortController().signal;
    const t0 = performance.now();
    session.speechEnded();
    await got;
    let text = '';
    for await (const c of providers.llm.stream({ messages: [], tools: [], signal: turnSignal })) {
      if (c.type === 'text') text += c.text;
      if (text.includes('. ')) break;
    }
    for await (const _ of providers.tts.synthesize({ text, sampleRate: RATE, signal: turnSignal })) break;
    if (i >= 10) out.push(performance.now() - t0);
  }
  await session.close();
  return out;
}

const fmt = (x: number): string => `${x.toFixed(3)} ms`;
const turns = await series(TURNS, oneTurn);
const refs = await series(TURNS, referenceTurn);
const barge = await series(TURNS, oneBargeIn);
const added95 = pct(turns, 95) - pct(refs, 50);
console.log(`turns: ${TURNS}, ${RATE} Hz, zero-latency fake providers`);
console.log(
  `turn latency (VAD end -> first frame out): p50 ${fmt(pct(turns, 50))}  p95 ${fmt(pct(turns, 95))}`,
);
console.log(
  `reference (providers chained by hand):      p50 ${fmt(pct(refs, 50))}  p95 ${fmt(pct(refs, 95))}`,
);
console.log(
  `pipeline-added: p50 ${fmt(pct(turns, 50) - pct(refs, 50))}  p95 ${fmt(added95)}  (ratio p50 ${(pct(turns, 50) / pct(refs, 50)).toFixed(1)}x)  target < 60 ms p95: ${added95 < 60 ? 'OK' : 'MISSED'}`,
);
console.log(
  `barge-in (speech confirmed -> clear): p50 ${fmt(pct(barge, 50))}  p95 ${fmt(pct(barge, 95))}  target < 40 ms p95: ${pct(barge, 95) < 40 ? 'OK' : 'MISSED'}`,
);

const WIRE_TURNS = Number(process.env['BENCH_WIRE_TURNS'] ?? 100);
const wire = await wireSeries(WIRE_TURNS);
const wireAdded95 = pct(wire.turns, 95) - pct(wire.refs, 50);
console.log(`wire (official SDKs -> loopback fakes), ${WIRE_TURNS} turns:`);
console.log(`  turn latency: p50 ${fmt(pct(wire.turns, 50))}  p95 ${fmt(pct(wire.turns, 95))}`);
console.log(
  `  reference (same providers chained by hand): p50 ${fmt(pct(wire.refs, 50))}  p95 ${fmt(pct(wire.refs, 95))}`,
);
console.log(
  `  pipeline-added: p50 ${fmt(pct(wire.turns, 50) - pct(wire.refs, 50))}  p95 ${fmt(wireAdded95)}  target < 60 ms p95: ${wireAdded95 < 60 ? 'OK' : 'MISSED'}`,
);
