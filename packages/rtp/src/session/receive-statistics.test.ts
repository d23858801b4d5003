import { describe, expect, it } from 'vitest';
import { ReceiveStatistics } from './receive-statistics.js';

describe('ReceiveStatistics (RFC 3550 A.3, A.8)', () => {
  it('computes cumulative and interval loss across a sequence wrap', () => {
    const rs = new ReceiveStatistics(8000);
    let seq = 65_500;
    for (let i = 0; i < 100; i++, seq = (seq + 1) & 0xffff) {
      if (i % 10 === 5) continue; // 10 % loss
      rs.update(7, seq, i * 160, i * 20, 160);
    }
    const r = rs.report()!;
    expect(r.cumulativeLost).toBe(10);
    expect(r.fractionLost).toBe(Math.floor((10 * 256) / 99)); // expected counts from first received
    expect(r.extendedHighestSeq).toBe(0x10000 + ((65_500 + 99) & 0xffff));
    expect(r.jitter).toBe(0);
    for (let i = 100; i < 200; i++, seq = (seq + 1) & 0xffff) rs.update(7, seq, i * 160, i * 20, 160);
    expect(rs.report()!.fractionLost).toBe(0);
  });

  it('estimates jitter for alternating delays', () => {
    const rs = new ReceiveStatistics(8000);
    for (let i = 0; i < 500; i++) rs.update(1, i, i * 160, i * 20 + (i % 2 ? 10 : 0), 160);
    expect(rs.jitterMs).toBeGreaterThan(9);
    expect(rs.jitterMs).toBeLessThan(10.1);
  });

  it('restarts on a new SSRC and after a confirmed sequence jump', () => {
    const rs = new ReceiveStatistics(8000);
    for (let i = 0; i < 10; i++) rs.update(1, i, i * 160, i * 20, 160);
    rs.update(2, 500, 0, 300, 160);
    expect(rs.expected).toBe(1);
    rs.update(1, 10, 1600, 305, 160); // straggler of the old source: ignored
    expect(rs.sourceSsrc).toBe(2);
    rs.update(2, 30_000, 0, 320, 160); // jump: probation
    expect(rs.expected).toBe(1);
    rs.update(2, 30_001, 160, 340, 160); // confirmed
    expect(rs.expected).toBe(1);
    expect(rs.received).toBe(1);
  });
});
