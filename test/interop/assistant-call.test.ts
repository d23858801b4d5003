import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  startFakeDeepgram,
  startFakeElevenLabs,
  startFakeOpenAi,
  type FakeDeepgram,
  type FakeElevenLabs,
  type FakeOpenAi,
} from '@voice-assistant/ai-pipeline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav, rms } from '../helpers/audio.js';
import { Baresip } from '../helpers/baresip.js';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';

/**
 * End to end with the AI pipeline: a real phone (baresip) talks to the daemon, whose
 * providers are fake Deepgram (WebSocket), OpenAI (SSE) and ElevenLabs (HTTP streaming)
 * servers reached through the official SDKs. The caller waits for the greeting, asks a
 * question, and must receive the reply audio; the turn lands in the latency histogram.
 */
describe('AI assistant call: baresip -> daemon -> fake Deepgram/OpenAI/ElevenLabs', () => {
  const dir = runDir('assistant-call');
  let base = 0;
  let daemon: DaemonHandle;
  let phone: Baresip;
  let openai: FakeOpenAi;
  let deepgram: FakeDeepgram;
  let eleven: FakeElevenLabs;

  beforeAll(async () => {
    base = await freePortBlock(60);
    [openai, deepgram, eleven] = await Promise.all([
      startFakeOpenAi({ script: { chat: [{ text: 'We are open from nine to five, Monday to Friday.' }] } }),
      startFakeDeepgram({ script: { utterances: ['what are your opening hours'] } }),
      startFakeElevenLabs({ script: { audioMs: 1500 } }),
    ]);
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 40,
      rtpPortMax: base + 59,
      env: {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: openai.baseURL,
        DEEPGRAM_API_KEY: 'dg-test',
        DEEPGRAM_BASE_URL: deepgram.wsUrl,
        ELEVENLABS_API_KEY: 'el-test',
        ELEVENLABS_BASE_URL: eleven.url,
        ELEVENLABS_VOICE_ID: 'voice-1',
        SIP_RECORD_CALLS: 'true',
        SIP_RECORDING_PATH: join(dir, 'recordings'),
      },
    });
    await daemon.waitLog(/AI assistant configured/);
    // The caller: 4 s of silence (the greeting plays), a question, then 8 s of silence.
    const raw = join(dir, 'question-flite.wav');
    const wav = join(dir, 'caller.wav');
    execFileSync('flite', ['-voice', 'kal16', '-t', 'What are your opening hours?', '-o', raw]);
    execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', wav, 'pad', '4', '8']);
    phone = await Baresip.start({
      dir: join(dir, 'baresip'),
      sipPort: base + 4,
      ctrlPort: base + 7,
      rtpPort: base + 20,
      sourceWav: wav,
      accounts: ['<sip:caller@127.0.0.1>;regint=0;audio_codecs=PCMU/8000/1'],
    });
  });
  afterAll(async () => {
    await phone?.stop();
    await daemon?.stop();
    await Promise.all([openai?.close(), deepgram?.close(), eleven?.close()]);
    await stopAll();
  });

  it('greets, hears the question, answers it, and accounts for the turn latency', async () => {
    await phone.command('dial', `sip:assistant@127.0.0.1:${base}`);
    await phone.waitEvent('CALL_ESTABLISHED', 10_000);
    await daemon.waitLog(/^call answered: AI assistant running$/, 5000);
    const question = await daemon.waitLog(/^caller: what are your opening hours$/, 15_000);
    expect(question.role).toBe('user');
    await daemon.waitLog(/^assistant: We are open from nine to five/, 10_000);
    await daemon.waitLog(/^turn latency \d+ ms$/, 10_000);
    await phone.waitEvent('CALL_CLOSED', 20_000);
    await until(
      async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
      5000,
      'call end',
    );

    // The official SDKs reached the fakes: Deepgram got linear16 at 8 kHz, ElevenLabs was asked
    // for 8 kHz audio, the LLM request carried the system prompt and the caller's words.
    const dg = deepgram.connections[0];
    expect(dg?.query.get('encoding')).toBe('linear16');
    expect(dg?.query.get('sample_rate')).toBe('8000');
    expect(dg?.audioBytes).toBeGreaterThan(8000);
    expect(eleven.requests.length).toBeGreaterThanOrEqual(2); // greeting + reply
    expect(eleven.requests[0]?.outputFormat).toMatch(/_8000$/);
    const chat = openai.requests.find((r) => r.path.endsWith('/chat/completions'));
    expect(JSON.stringify(chat?.json)).toContain('what are your opening hours');

    // What the caller heard (the fake TTS speaks a tone): the greeting right after answer,
    // then silence frames (RTP never stops), then the reply once the question was asked.
    const { enc, dec } = phone.recordings();
    const heard = readWav(dec as string).samples;
    const said = readWav(enc as string).samples;
    const level = (s: Int16Array, fromSec: number, toSec: number): number =>
      rms(s.subarray(Math.max(0, Math.round(fromSec * 8000)), Math.round(toSec * 8000)));
    // When the caller spoke (20 ms resolution).
    const talking = [...Array(Math.floor(said.length / 160)).keys()].filter(
      (i) => level(said, i * 0.02, i * 0.02 + 0.02) > 300,
    );
    const speechStart = (talking[0] ?? 0) * 0.02;
    const speechEnd = ((talking.at(-1) ?? 0) + 1) * 0.02;
    expect(speechEnd - speechStart).toBeGreaterThan(0.8);
    expect(heard.length / 8000).toBeGreaterThan(10); // continuous RTP for the whole call
    expect(level(heard, 0.3, 1.3)).toBeGreaterThan(1000); // greeting
    expect(level(heard, speechStart + 0.2, speechEnd - 0.1)).toBeLessThan(100); // quiet while the caller speaks
    const reply = Math.max(
      ...[0, 0.5, 1, 1.5, 2].map((d) => level(heard, speechEnd + d, speechEnd + d + 0.5)),
    );
    expect(reply).toBeGreaterThan(1000); // the reply follows the question

    const metrics = await daemon.text('/metrics');
    expect(metrics).toMatch(/voice_assistant_ai_latency_seconds_count\{stage="total"\} 1/);
    expect(metrics).toMatch(/voice_assistant_ai_latency_seconds_count\{stage="llm"\} 1/);

    // The recording's sidecar holds the timestamped transcript of the conversation.
    const recDir = join(dir, 'recordings');
    const day = readdirSync(recDir)[0] as string;
    const json = readdirSync(join(recDir, day)).find((f) => f.endsWith('.json')) as string;
    const sidecar = await until(
      () => {
        const s = JSON.parse(readFileSync(join(recDir, day, json), 'utf8')) as {
          complete: boolean;
          transcript: Array<{ role: string; text: string; at_ms: number }>;
        };
        return s.complete ? s : undefined;
      },
      5000,
      'sidecar complete',
    );
    expect(sidecar.transcript.map((t) => [t.role, t.text])).toEqual([
      ['assistant', 'Hello! How can I help you today?'],
      ['caller', 'what are your opening hours'],
      ['assistant', 'We are open from nine to five, Monday to Friday.'],
    ]);
    expect(sidecar.transcript[1]?.at_ms).toBeGreaterThan(3000);
  });
});
