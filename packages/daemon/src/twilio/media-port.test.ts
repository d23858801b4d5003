import { decodeMuLaw, encodeMuLaw } from '@voice-assistant/rtp';
import { describe, expect, it } from 'vitest';
import { MuLawFramer, TwilioMediaPort } from './media-port.js';

function setup(maxAheadFrames = 10) {
  let t = 1000;
  const sent: Array<{ type: 'media' | 'mark' | 'clear'; data?: Buffer; name?: string }> = [];
  const hangups: string[] = [];
  const port = new TwilioMediaPort(
    {
      media: (data) => sent.push({ type: 'media', data }),
      mark: (name) => sent.push({ type: 'mark', name }),
      clear: () => sent.push({ type: 'clear' }),
    },
    { maxAheadFrames, now: () => t, onHangup: (r) => hangups.push(r) },
  );
  const marks = () => sent.filter((s) => s.type === 'mark').map((s) => s.name as string);
  return { port, sent, marks, hangups, advance: (ms: number) => (t += ms) };
}

const frame = (v: number) => new Int16Array(160).fill(v);

describe('TwilioMediaPort', () => {
  it('is 8 kHz, 20 ms frames, and sends mu-law followed by a mark per frame', () => {
    const { port, sent } = setup();
    expect(port.sampleRate).toBe(8000);
    expect(port.samplesPerFrame).toBe(160);
    port.sendFrame(frame(1000));
    expect(port.queuedFrames).toBe(1);
    expect(sent).toHaveLength(0); // nothing leaves before the tick
    port.pump();
    expect(sent.map((s) => s.type)).toEqual(['media', 'mark']);
    expect(sent[0]?.data).toEqual(encodeMuLaw(frame(1000)));
  });

  it('paces: at most maxAheadFrames unplayed at Twilio, the rest waits locally', () => {
    const { port, sent, marks, advance } = setup(10);
    for (let i = 0; i < 50; i++) port.sendFrame(frame(i));
    port.pump();
    expect(sent.filter((s) => s.type === 'media')).toHaveLength(10);
    expect(port.queuedFrames).toBe(50);
    expect(port.localFrames).toBe(40);
    // No acknowledgement yet: nothing more is sent even as time passes (rtt unknown).
    advance(20);
    port.pump();
    expect(sent.filter((s) => s.type === 'media')).toHaveLength(10);
    // Twilio played two frames and says so: two more go out.
    const m = marks();
    port.onMark(m[1] as string);
    expect(port.unacknowledgedFrames).toBe(8);
    port.pump();
    expect(sent.filter((s) => s.type === 'media')).toHaveLength(12);
    expect(port.queuedFrames).toBe(48);
  });

  it('counts queuedFrames as sent minus acknowledged on a zero-RTT link', () => {
    const { port, marks, advance } = setup();
    for (let i = 0; i < 5; i++) port.sendFrame(frame(i));
    port.pump();
    expect(port.queuedFrames).toBe(5);
    advance(100); // all five played by the clock, but unacknowledged
    expect(port.queuedFrames).toBe(5);
    port.onMark(marks()[4] as string); // acknowledged right when played: rtt 0
    expect(port.queuedFrames).toBe(0);
    expect(port.markRttMs).toBe(0);
    port.onMark('m-unknown'); // ignored
    port.onMark(marks()[0] as string); // stale (already covered): ignored
    expect(port.queuedFrames).toBe(0);
  });

  it('discounts acknowledgements still in flight by the measured mark round trip', () => {
    const { port, marks, advance } = setup(10);
    port.sendFrame(frame(1));
    port.pump();
    advance(120); // played at +20, acknowledged 100 ms later
    port.onMark(marks()[0] as string);
    expect(port.markRttMs).toBe(100);
    for (let i = 0; i < 30; i++) port.sendFrame(frame(i));
    port.pump();
    expect(port.unacknowledgedFrames).toBe(10);
    advance(100);
    // By the clock 5 frames played; their marks are still on the way: 5 unplayed, not 10.
    expect(port.unacknowledgedFrames).toBe(10);
    expect(port.queuedFrames).toBe(20 + 5);
    port.pump(); // keeps ~200 ms ahead of the playout clock
    expect(port.localFrames).toBe(15);
  });

  it('clearSendQueue drops local frames and sends clear when Twilio holds audio', () => {
    const { port, sent, marks } = setup();
    for (let i = 0; i < 30; i++) port.sendFrame(frame(i));
    port.pump();
    port.clearSendQueue();
    expect(sent.at(-1)?.type).toBe('clear');
    expect(port.queuedFrames).toBe(0);
    expect(port.clears).toBe(1);
    expect(port.framesDropped).toBe(20);
    // Twilio returns the pending marks after a clear: they acknowledge nothing.
    for (const m of marks()) port.onMark(m);
    expect(port.markRttMs).toBe(0);
    expect(port.queuedFrames).toBe(0);
    // Nothing at Twilio: a second clear is not sent.
    port.clearSendQueue();
    expect(sent.filter((s) => s.type === 'clear')).toHaveLength(1);
  });

  it('re-cuts PCM of any length into 20 ms frames', () => {
    const { port, sent } = setup(100);
    port.sendFrame(new Int16Array(100).fill(500));
    expect(port.queuedFrames).toBe(0);
    port.sendFrame(new Int16Array(300).fill(500));
    expect(port.queuedFrames).toBe(2);
    port.pump();
    const media = sent.filter((s) => s.type === 'media');
    expect(media.every((m) => m.data?.length === 160)).toBe(true);
  });

  it('hangup goes to the call', () => {
    const { port, hangups } = setup();
    port.hangup('bye');
    expect(hangups).toEqual(['bye']);
  });
});

describe('MuLawFramer', () => {
  it('turns chunks of any size into 160-sample frames, keeping the remainder', () => {
    const pcm = new Int16Array(800);
    for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin(i / 5));
    const mu = encodeMuLaw(pcm);
    const f = new MuLawFramer();
    const out = [
      ...f.push(mu.subarray(0, 100)),
      ...f.push(mu.subarray(100, 437)),
      ...f.push(mu.subarray(437)),
    ];
    expect(out).toHaveLength(5);
    expect(out.every((x) => x.length === 160)).toBe(true);
    const joined = new Int16Array(800);
    out.forEach((x, i) => joined.set(x, i * 160));
    expect(joined).toEqual(decodeMuLaw(mu));
    expect(f.push(Buffer.alloc(0))).toEqual([]);
  });
});
