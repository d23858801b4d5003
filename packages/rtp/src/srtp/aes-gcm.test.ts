import { describe, expect, it } from 'vitest';
import { AesGcmSrtpTransform, gcmRtcpIv, gcmRtpIv } from './aes-gcm.js';
import { deriveSessionKey, SrtpLabel } from './key-derivation.js';
import { SrtpContext } from './srtp-context.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// RFC 7714 §16/§17 use session keys directly: K_e = 00..0f, K_s = "Quid pro quo".
const KEY = hex('000102030405060708090a0b0c0d0e0f');
const SALT = hex('517569642070726f2071756f');
const gcm = new AesGcmSrtpTransform({ rtpKey: KEY, rtpSalt: SALT, rtcpKey: KEY, rtcpSalt: SALT });
const RTP = hex(
  '8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573',
);
const SRTP = hex(
  '8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5 0d294e6f 42a5f47a 51c7d19b ' +
    '36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce',
);
const RTCP = hex(
  '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef',
);

describe('RFC 7714 AEAD_AES_128_GCM', () => {
  it('builds the IVs of §16 and §17', () => {
    expect(gcmRtpIv(SALT, 0x5501a0b2, 0, 0xf17b).toString('hex')).toBe('51753c6580c2726f20718414');
    expect(gcmRtcpIv(SALT, 0x4d617273, 0x5d4).toString('hex')).toBe('517524055203726f207170bb');
  });

  it('§16.1: encrypts and decrypts the RTP vector', () => {
    expect(gcm.sealRtp(RTP, 12, 0).equals(SRTP)).toBe(true);
    expect(gcm.openRtp(SRTP, 12, 0)?.equals(RTP)).toBe(true);
    const bad = Buffer.from(SRTP);
    bad[bad.length - 1]! ^= 1;
    expect(gcm.openRtp(bad, 12, 0)).toBeUndefined();
    expect(gcm.openRtp(SRTP, 12, 1)).toBeUndefined(); // wrong ROC
  });

  it('§17.1: encrypts the SRTCP vector (E = 1)', () => {
    const want = hex(
      '81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d c676a5f1 730d6fda ' +
        '4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4',
    );
    expect(gcm.sealRtcp(RTCP, 0x5d4).equals(want)).toBe(true);
    expect(gcm.openRtcp(want)?.equals(RTCP)).toBe(true);
  });

  it('§17.3: authenticates the SRTCP vector without encryption (E = 0)', () => {
    const want = hex(
      '81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61 deadbeef deadbeef ' +
        'deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4',
    );
    expect(gcm.sealRtcp(RTCP, 0x5d4, false).equals(want)).toBe(true);
    expect(gcm.openRtcp(want)?.equals(RTCP)).toBe(true);
  });

  it('derives GCM session keys from a 12-byte master salt (RFC 7714 §11, libsrtp values)', () => {
    const salt = hex('a0a1a2a3a4a5a6a7a8a9aaab');
    expect(deriveSessionKey(KEY, salt, SrtpLabel.rtpEncryption, 16).toString('hex')).toBe(
      '077c6143cb221bc355ff23d5f984a16e',
    );
    expect(deriveSessionKey(KEY, salt, SrtpLabel.rtpSalt, 12).toString('hex')).toBe(
      '9af3e95364ebac9c99c5a7c4',
    );
    expect(deriveSessionKey(KEY, salt, SrtpLabel.rtcpEncryption, 16).toString('hex')).toBe(
      '615dcd9042600666f6fd4d9e4fe4519f',
    );
    expect(deriveSessionKey(KEY, salt, SrtpLabel.rtcpSalt, 12).toString('hex')).toBe(
      'fcca937b9112a500dac72269',
    );
  });

  it('runs through SrtpContext: round trip, replay, tamper, ROC wrap, garbage', () => {
    const keyAndSalt = Buffer.concat([KEY, SALT]);
    const tx = new SrtpContext({ suite: 'AEAD_AES_128_GCM', keyAndSalt });
    const rx = new SrtpContext({ suite: 'AEAD_AES_128_GCM', keyAndSalt });
    expect(() => new SrtpContext({ suite: 'AEAD_AES_128_GCM', keyAndSalt, mki: Buffer.from([1]) })).toThrow();
    for (let i = 0; i < 200; i++) {
      const p = Buffer.from(RTP);
      p.writeUInt16BE((65_450 + i) & 0xffff, 2);
      const s = tx.protect(p);
      expect(s.length).toBe(p.length + 16);
      expect(rx.unprotect(s)).toEqual({ ok: true, packet: p });
      if (i === 100) {
        expect(rx.unprotect(s)).toEqual({ ok: false, reason: 'replay' });
        const bad = Buffer.from(s);
        bad[20]! ^= 4;
        expect(rx.unprotect(bad).ok).toBe(false);
      }
    }
    expect(rx.rolloverCounter(0x5501a0b2)).toBe(1);
    const c = tx.protectRtcp(RTCP);
    expect(rx.unprotectRtcp(c)).toEqual({ ok: true, packet: RTCP });
    expect(rx.unprotectRtcp(c)).toEqual({ ok: false, reason: 'replay' });
    for (let n = 0; n < 500; n++) {
      const g = Buffer.alloc(n % 90, n & 0xff);
      if (g.length) g[0] = 0x80;
      expect(rx.unprotect(g).ok).toBe(false);
      expect(rx.unprotectRtcp(g).ok).toBe(false);
    }
  });
});
