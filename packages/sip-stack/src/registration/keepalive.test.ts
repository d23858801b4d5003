import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import type { KeepaliveDriver, KeepaliveMode } from './keepalive.js';
import { Keepalive } from './keepalive.js';
import { isStunMessage, stunBindingRequest, stunMappedAddress } from './stun-binding.js';

async function ticks(n = 10): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

function setup(mode: KeepaliveMode, reliable: boolean, optionsStatus = 200) {
  const clock = new FakeClock();
  const sent: string[] = [];
  const failures: string[] = [];
  const driver: KeepaliveDriver = {
    reliable,
    sendPing: () => (sent.push('ping'), Promise.resolve()),
    sendOptions: () => (sent.push('options'), Promise.resolve(optionsStatus)),
    sendStun: () => (sent.push('stun'), Promise.resolve()),
  };
  const ka = new Keepalive(clock, { mode, intervalMs: 30_000 }, driver, (r) => failures.push(r));
  return { clock, sent, failures, ka };
}

describe('Keepalive (RFC 5626 §4.4)', () => {
  it('crlf over TCP: a ping every interval, a pong within 10 s keeps it going', async () => {
    const s = setup('crlf', true);
    s.ka.start();
    s.clock.advance(29_999);
    expect(s.sent).toEqual([]);
    s.clock.advance(1);
    expect(s.sent).toEqual(['ping']);
    expect(s.ka.state).toBe('probing');
    s.clock.advance(9_000);
    s.ka.pong();
    expect(s.ka.state).toBe('waiting');
    s.clock.advance(30_000);
    expect(s.sent).toEqual(['ping', 'ping']);
    expect(s.failures).toEqual([]);
  });

  it('crlf over TCP: a registrar that never pongs (and did not announce outbound) is not a failure', () => {
    const s = setup('crlf', true);
    s.ka.start();
    s.clock.advance(120_000);
    expect(s.sent.length).toBeGreaterThanOrEqual(3);
    expect(s.failures).toEqual([]);
  });

  it('crlf over TCP: once pongs are expected, no pong within 10 s -> the flow failed (once), the loop stops', async () => {
    const s = setup('crlf', true);
    s.ka.expectPongs();
    s.ka.start();
    s.clock.advance(30_000);
    s.clock.advance(9_999);
    expect(s.failures).toEqual([]);
    s.clock.advance(1);
    expect(s.failures).toEqual(['no CRLF pong within 10000 ms']);
    expect(s.ka.state).toBe('stopped');
    s.clock.advance(120_000);
    expect(s.sent).toEqual(['ping']);
    s.ka.pong(); // late pong: ignored
    expect(s.failures).toHaveLength(1);
  });

  it('crlf over UDP: pings only, no pong expected', async () => {
    const s = setup('crlf', false);
    s.ka.start();
    s.clock.advance(90_000);
    expect(s.sent).toEqual(['ping', 'ping', 'ping']);
    expect(s.failures).toEqual([]);
  });

  it('options: any final response is alive; 408 and 503 are failures', async () => {
    const ok = setup('options', false, 404);
    ok.ka.start();
    for (let i = 0; i < 3; i++) {
      ok.clock.advance(30_000);
      await ticks();
    }
    expect(ok.sent).toEqual(['options', 'options', 'options']);
    expect(ok.failures).toEqual([]);
    for (const status of [408, 503]) {
      const bad = setup('options', false, status);
      bad.ka.start();
      bad.clock.advance(30_000);
      await ticks();
      expect(bad.failures).toEqual([`OPTIONS keep-alive got ${status}`]);
      bad.clock.advance(60_000);
      expect(bad.sent).toEqual(['options']);
    }
  });

  it('stun: a changed mapped address (NAT rebinding) is a failure; the same one is not', async () => {
    const s = setup('stun', false);
    s.ka.start();
    s.clock.advance(30_000);
    s.ka.stunMapped({ address: '198.51.100.1', port: 40000 });
    s.clock.advance(30_000);
    s.ka.stunMapped({ address: '198.51.100.1', port: 40000 });
    expect(s.failures).toEqual([]);
    s.ka.stunMapped({ address: '198.51.100.1', port: 40001 });
    expect(s.failures).toEqual(['NAT binding changed from 198.51.100.1:40000 to 198.51.100.1:40001']);
    expect(s.sent).toEqual(['stun', 'stun']);
  });

  it('off sends nothing; stop() clears every timer', () => {
    const off = setup('off', true);
    off.ka.start();
    off.clock.advance(100_000);
    expect(off.sent).toEqual([]);
    const s = setup('crlf', true);
    s.ka.start();
    s.clock.advance(30_000);
    s.ka.stop();
    s.clock.advance(100_000);
    expect(s.failures).toEqual([]);
  });
});

describe('STUN Binding (RFC 5389) for the keep-alive', () => {
  it('builds a request and reads XOR-MAPPED-ADDRESS / MAPPED-ADDRESS of the matching response', () => {
    const { bytes, transactionId } = stunBindingRequest(Buffer.alloc(12, 7));
    expect(bytes.length).toBe(20);
    expect(isStunMessage(bytes)).toBe(true);
    // Binding success with XOR-MAPPED-ADDRESS 192.0.2.1:32853 (RFC 5769 §2.2 style encoding).
    const res = Buffer.alloc(32);
    res.writeUInt16BE(0x0101, 0);
    res.writeUInt16BE(12, 2);
    res.writeUInt32BE(0x2112a442, 4);
    transactionId.copy(res, 8);
    res.writeUInt16BE(0x0020, 20);
    res.writeUInt16BE(8, 22);
    res.writeUInt16BE(0x0001, 24);
    res.writeUInt16BE(32853 ^ 0x2112, 26);
    res.writeUInt32BE((0xc0000201 ^ 0x2112a442) >>> 0, 28);
    expect(stunMappedAddress(res, transactionId)).toEqual({ address: '192.0.2.1', port: 32853 });
    expect(stunMappedAddress(res, Buffer.alloc(12, 1))).toBeUndefined(); // other transaction
    // MAPPED-ADDRESS (not XORed)
    const plain = Buffer.from(res);
    plain.writeUInt16BE(0x0001, 20);
    plain.writeUInt16BE(32853, 26);
    plain.writeUInt32BE(0xc0000201, 28);
    expect(stunMappedAddress(plain, transactionId)).toEqual({ address: '192.0.2.1', port: 32853 });
  });

  it('never throws on hostile input', () => {
    const id = Buffer.alloc(12);
    for (const b of [Buffer.alloc(0), Buffer.from('SIP/2.0 200 OK\r\n\r\n'), Buffer.alloc(19)]) {
      expect(stunMappedAddress(b, id)).toBeUndefined();
    }
    const res = Buffer.alloc(28);
    res.writeUInt16BE(0x0101, 0);
    res.writeUInt16BE(400, 2); // length beyond the buffer
    res.writeUInt32BE(0x2112a442, 4);
    res.writeUInt16BE(0x0020, 20);
    res.writeUInt16BE(300, 22); // attribute longer than the message
    expect(stunMappedAddress(res, id)).toBeUndefined();
    for (let i = 0; i < 200; i++) {
      const junk = Buffer.from(Array.from({ length: 20 + (i % 40) }, (_, k) => (k * 31 + i * 7) & 0xff));
      junk.writeUInt32BE(0x2112a442, 4);
      junk.writeUInt16BE(0x0101, 0);
      expect(() => stunMappedAddress(junk, junk.subarray(8, 20))).not.toThrow();
    }
  });
});
