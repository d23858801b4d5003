import { describe, expect, it } from 'vitest';
import {
  StunAttr,
  StunMethod,
  decodeXorAddress,
  encodeStun,
  getAttribute,
  parseStun,
  verifyFingerprint,
  verifyIntegrity,
} from './stun-message.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** RFC 5769 §2.1 sample request (short-term credentials). */
const REQUEST = hex(`
  0001 0058 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 0010 5354554e 20746573 7420636c 69656e74
  0024 0004 6e0001ff
  8029 0008 932ff9b1 51263b36
  0006 0009 6576746a 3a683676 59202020
  0008 0014 9aeaa70c bfd8cb56 781ef2b5 b2d3f249 c1b571a2
  8028 0004 e57a3bcf`);
/** RFC 5769 §2.2 sample IPv4 response. */
const RESPONSE_V4 = hex(`
  0101 003c 2112a442 b7e7a701 bc34d686 fa87dfae
  8022 000b 74657374 20766563 746f7220
  0020 0008 0001a147 e112a643
  0008 0014 2b91f599 fd9e90c3 8c7489f9 2af9ba53 f06be7d7
  8028 0004 c07d4c96`);
const PASSWORD = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');

describe('STUN messages (RFC 8489) against RFC 5769 test vectors', () => {
  it('§2.1 request: decodes, MESSAGE-INTEGRITY and FINGERPRINT verify', () => {
    const m = parseStun(REQUEST)!;
    expect(m).toMatchObject({ method: StunMethod.BINDING, cls: 'request' });
    expect(getAttribute(m, StunAttr.USERNAME)?.toString()).toBe('evtj:h6vY');
    expect(getAttribute(m, StunAttr.PRIORITY)?.readUInt32BE(0)).toBe(0x6e0001ff);
    expect(verifyIntegrity(REQUEST, PASSWORD)).toBe(true);
    expect(verifyIntegrity(REQUEST, Buffer.from('wrong'))).toBe(false);
    expect(verifyFingerprint(REQUEST)).toBe(true);
  });

  it('§2.1 and §2.2 re-encode byte-exactly from their attributes (space padding as in RFC 5769)', () => {
    for (const vector of [REQUEST, RESPONSE_V4]) {
      const m = parseStun(vector)!;
      const attrs = m.attributes.filter(
        (a) => a.type !== StunAttr.MESSAGE_INTEGRITY && a.type !== StunAttr.FINGERPRINT,
      );
      const out = encodeStun(
        { ...m, attributes: attrs },
        { integrityKey: PASSWORD, fingerprint: true, padByte: 0x20 },
      );
      expect(out.toString('hex')).toBe(vector.toString('hex'));
    }
  });

  it('§2.2 IPv4 response: XOR-MAPPED-ADDRESS is 192.0.2.1:32853 and integrity holds', () => {
    const m = parseStun(RESPONSE_V4)!;
    expect(m.cls).toBe('success');
    const xma = decodeXorAddress(getAttribute(m, StunAttr.XOR_MAPPED_ADDRESS)!, m.transactionId);
    expect(xma).toEqual({ address: '192.0.2.1', port: 32853 });
    expect(verifyIntegrity(RESPONSE_V4, PASSWORD)).toBe(true);
    expect(verifyFingerprint(RESPONSE_V4)).toBe(true);
  });

  it('hostile input never throws', () => {
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.from(REQUEST);
      b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      const cut = b.subarray(0, Math.floor(Math.random() * b.length));
      expect(() => {
        parseStun(b);
        parseStun(cut);
        verifyIntegrity(cut, PASSWORD);
        verifyFingerprint(cut);
      }).not.toThrow();
    }
  });
});
