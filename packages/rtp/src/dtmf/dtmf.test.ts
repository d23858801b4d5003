import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  digitToEvent,
  eventToDigit,
  parseTelephoneEvent,
  serializeTelephoneEvent,
} from './telephone-event.js';
import { DtmfReceiver } from './dtmf-receiver.js';
import { buildDtmfPackets } from './dtmf-sender.js';

describe('telephone-event payload (RFC 4733 §2.3)', () => {
  // Digit '9' at -7 dBm0, 200 ms at 8 kHz, as in the RFC 4733 §5 example (50 ms updates).
  const example = [
    { hex: '09070190', end: false, duration: 400 },
    { hex: '09070320', end: false, duration: 800 },
    { hex: '090704b0', end: false, duration: 1200 },
    { hex: '09070640', end: false, duration: 1600 },
    { hex: '09870640', end: true, duration: 1600 },
  ];
  it('parses and serializes the example packets byte-exactly', () => {
    for (const p of example) {
      const r = parseTelephoneEvent(Buffer.from(p.hex, 'hex'));
      expect(r).toEqual({ ok: true, event: { event: 9, end: p.end, volume: 7, duration: p.duration } });
      if (r.ok) expect(serializeTelephoneEvent(r.event).toString('hex')).toBe(p.hex);
    }
  });
  it('ignores the R bit and rejects short payloads', () => {
    expect(parseTelephoneEvent(Buffer.from('0b4a00a0', 'hex'))).toEqual({
      ok: true,
      event: { event: 11, end: false, volume: 10, duration: 160 },
    });
    expect(parseTelephoneEvent(Buffer.from('0b4a00', 'hex')).ok).toBe(false);
  });
  it('round-trips every valid report (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: 65535 }),
        (event, end, volume, duration) => {
          const r = parseTelephoneEvent(serializeTelephoneEvent({ event, end, volume, duration }));
          expect(r).toEqual({ ok: true, event: { event, end, volume, duration } });
        },
      ),
    );
  });
  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), (b) => void parseTelephoneEvent(b)));
  });
  it('maps digits and event codes (RFC 4733 §3.2)', () => {
    expect(['0', '9', '*', '#', 'A', 'd', 'flash'].map(digitToEvent)).toEqual([0, 9, 10, 11, 12, 15, 16]);
    expect(eventToDigit(11)).toBe('#');
    expect(eventToDigit(17)).toBeUndefined();
    expect(digitToEvent('x')).toBeUndefined();
  });
});

describe('DtmfReceiver', () => {
  const feed = (rx: DtmfReceiver, hex: string, ts: number, marker: boolean, at: number) =>
    rx.receive(Buffer.from(hex, 'hex'), ts, marker, at);

  it('emits the example digit once, with its duration, despite 3 end packets', () => {
    const rx = new DtmfReceiver({ clockRate: 8000 });
    const out = [
      feed(rx, '09070190', 1000, true, 0),
      feed(rx, '09070320', 1000, false, 50),
      feed(rx, '090704b0', 1000, false, 100),
      feed(rx, '09070640', 1000, false, 150),
      feed(rx, '09870640', 1000, false, 200),
      feed(rx, '09870640', 1000, false, 200),
      feed(rx, '09870640', 1000, false, 200),
      feed(rx, '09070320', 1000, false, 210), // late duplicate update
    ].filter((x) => x !== undefined);
    expect(out).toEqual([
      {
        digit: '9',
        event: 9,
        durationMs: 200,
        volume: 7,
        rtpTimestamp: 1000,
        startedAtMs: 0,
        endInferred: false,
      },
    ]);
  });

  it('round-trips the sender output for every digit at 8 and 48 kHz', () => {
    for (const clockRate of [8000, 48000]) {
      const rx = new DtmfReceiver({ clockRate });
      const digits = [
        '1',
        '2',
        '3',
        'A',
        '4',
        '5',
        '6',
        'B',
        '7',
        '8',
        '9',
        'C',
        '*',
        '0',
        '#',
        'D',
        'flash',
      ];
      const got: string[] = [];
      let ts = 123456;
      for (const d of digits) {
        for (const p of buildDtmfPackets(d, { clockRate, durationMs: 120 })) {
          const r = rx.receive(p.payload, ts + p.timestampOffset, p.marker, p.sendAtMs);
          if (r !== undefined) {
            got.push(r.digit);
            expect(r.durationMs).toBe(120);
          }
        }
        ts += clockRate; // next press one second later
      }
      expect(got).toEqual(digits);
    }
  });

  it('same digit twice in a row is two presses (different timestamps)', () => {
    const rx = new DtmfReceiver();
    let n = 0;
    for (const ts of [0, 8000]) {
      for (const p of buildDtmfPackets('5')) if (rx.receive(p.payload, ts, p.marker, 0) !== undefined) n++;
    }
    expect(n).toBe(2);
  });

  it('reports an event whose end packets were lost: on the next event, or on stall', () => {
    const rx = new DtmfReceiver({ stallTimeoutMs: 500 });
    feed(rx, '01070190', 0, true, 0);
    const prev = feed(rx, '02070190', 4000, true, 600);
    expect(prev).toMatchObject({ digit: '1', durationMs: 50, endInferred: true });
    expect(rx.poll(900)).toBeUndefined();
    expect(rx.poll(1100)).toMatchObject({ digit: '2', endInferred: true });
    expect(rx.poll(5000)).toBeUndefined();
  });

  it('reports an event whose start was lost (first packet is an end packet), once', () => {
    const rx = new DtmfReceiver();
    expect(feed(rx, '0a8a0320', 50, false, 0)).toMatchObject({ digit: '*', durationMs: 100 });
    expect(feed(rx, '0a8a0320', 50, false, 0)).toBeUndefined();
  });

  it('merges RFC 4733 §2.5.1.3 long-event segments', () => {
    const rx = new DtmfReceiver({ clockRate: 48000 });
    expect(feed(rx, '0007ffff', 0, true, 0)).toBeUndefined();
    const r = feed(rx, '00878000', 0xffff, false, 1400);
    expect(r).toMatchObject({ digit: '0', durationMs: ((0xffff + 0x8000) * 1000) / 48000 });
  });

  it('tolerates senders that reuse one timestamp for consecutive digits', () => {
    const rx = new DtmfReceiver();
    const got: string[] = [];
    for (const d of ['1', '2', '2']) {
      for (const p of buildDtmfPackets(d)) {
        const r = rx.receive(p.payload, 5000, p.marker, 0);
        if (r !== undefined) got.push(r.digit);
      }
    }
    // The second '2' cannot be told apart from a retransmission: RFC 4733 requires a new timestamp.
    expect(got).toEqual(['1', '2']);
  });

  it('never throws on arbitrary packets (property)', () => {
    const rx = new DtmfReceiver();
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 8 }),
        fc.integer({ min: -1, max: 2 ** 32 }),
        fc.boolean(),
        fc.nat(),
        (b, ts, m, at) => {
          rx.receive(b, ts, m, at);
          rx.poll(at);
        },
      ),
    );
  });

  it('ignores unknown events and garbage', () => {
    const rx = new DtmfReceiver();
    expect(feed(rx, '20870640', 0, true, 0)).toBeUndefined();
    expect(feed(rx, '09', 0, true, 0)).toBeUndefined();
  });
});

describe('buildDtmfPackets (RFC 4733 §2.5.1)', () => {
  it('100 ms at 8 kHz, 20 ms ptime: M start, updates, 3 ends, same timestamp', () => {
    const p = buildDtmfPackets('#');
    expect(p.map((x) => x.durationTicks)).toEqual([160, 320, 480, 640, 800, 800, 800]);
    expect(p.map((x) => x.marker)).toEqual([true, false, false, false, false, false, false]);
    expect(p.map((x) => x.end)).toEqual([false, false, false, false, true, true, true]);
    expect(p.every((x) => x.timestampOffset === 0)).toBe(true);
    expect(p.map((x) => x.sendAtMs)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    expect(p[0]!.payload.toString('hex')).toBe('0b0a00a0');
    expect(p[6]!.payload.toString('hex')).toBe('0b8a0320');
  });
  it('48 kHz clock and clamping', () => {
    const p = buildDtmfPackets('1', { clockRate: 48000, durationMs: 60 });
    expect(p.map((x) => x.durationTicks)).toEqual([960, 1920, 2880, 2880, 2880]);
    const long = buildDtmfPackets('1', { clockRate: 48000, durationMs: 5000 });
    expect(long[long.length - 1]!.durationTicks).toBe(65535);
    expect(() => buildDtmfPackets('x')).toThrow(RangeError);
  });
});
