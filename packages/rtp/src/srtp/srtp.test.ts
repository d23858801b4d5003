import { describe, expect, it } from 'vitest';
import { AesCounterMode, srtpIv } from './aes-cm.js';
import { deriveSessionKey, SrtpLabel } from './key-derivation.js';
import { ReplayWindow } from './replay-window.js';
import { RolloverCounter } from './rollover-counter.js';
import { SrtpContext } from './srtp-context.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const MASTER = hex('E1F97A0D3E018BE0D64FA32C06DE4139 0EC675AD498AFEEBB6960B3AABE6');

describe('RFC 3711 Appendix B.2: AES-CM keystream', () => {
  it('matches the first and last blocks of the 1044512-octet segment', () => {
    const iv = srtpIv(Buffer.alloc(16), hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'), 0, 0);
    expect(iv.toString('hex')).toBe('f0f1f2f3f4f5f6f7f8f9fafbfcfd0000');
    const ks = new AesCounterMode(hex('2B7E151628AED2A6ABF7158809CF4F3C')).keystream(iv, 1_044_512);
    expect(ks.subarray(0, 48).toString('hex').toUpperCase()).toBe(
      'E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0',
    );
    expect(
      ks
        .subarray(ks.length - 48)
        .toString('hex')
        .toUpperCase(),
    ).toBe(
      'EC8CDF7398607CB0F2D21675EA9EA1E4362B7C3C6773516318A077D7FC5073AE6A2CC3787889374FBEB4C81B17BA6C44',
    );
  });
});

describe('RFC 3711 Appendix B.3: key derivation', () => {
  const key = MASTER.subarray(0, 16);
  const salt = MASTER.subarray(16);
  it('derives the cipher key, salt and auth key', () => {
    expect(deriveSessionKey(key, salt, SrtpLabel.rtpEncryption, 16).toString('hex').toUpperCase()).toBe(
      'C61E7A93744F39EE10734AFE3FF7A087',
    );
    expect(deriveSessionKey(key, salt, SrtpLabel.rtpSalt, 14).toString('hex').toUpperCase()).toBe(
      '30CBBC08863D8C85D49DB34A9AE1',
    );
    expect(deriveSessionKey(key, salt, SrtpLabel.rtpAuthentication, 94).toString('hex').toUpperCase()).toBe(
      'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE' +
        'E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25' +
        '6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2',
    );
  });
});

describe('SrtpContext', () => {
  const plain = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
  const rtcpPlain = hex('81c8000bcafebabe' + 'ab'.repeat(16));

  it('matches the libsrtp reference packets (AES_CM_128_HMAC_SHA1_80)', () => {
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER });
    expect(tx.protect(plain).toString('hex')).toBe(
      '800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb',
    );
    expect(tx.protectRtcp(rtcpPlain).toString('hex')).toBe(
      '81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798',
    );
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER });
    const r = rx.unprotect(
      hex('800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb'),
    );
    expect(r.ok && r.packet.equals(plain)).toBe(true);
    const c = rx.unprotectRtcp(
      hex('81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798'),
    );
    expect(c.ok && c.packet.equals(rtcpPlain)).toBe(true);
  });

  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    it(`round-trips, rejects replays and tampering (${suite})`, () => {
      const tx = new SrtpContext({ suite, keyAndSalt: MASTER });
      const rx = new SrtpContext({ suite, keyAndSalt: MASTER });
      const p = tx.protect(plain);
      expect(p.length).toBe(plain.length + (suite.endsWith('80') ? 10 : 4));
      expect(rx.unprotect(p)).toEqual({ ok: true, packet: plain });
      expect(rx.unprotect(p)).toEqual({ ok: false, reason: 'replay' });
      const withSeq = (seq: number): Buffer => {
        const b = Buffer.from(plain);
        b.writeUInt16BE(seq, 2);
        return b;
      };
      const bad = Buffer.from(tx.protect(withSeq(0x1235)));
      bad[20]! ^= 1;
      expect(rx.unprotect(bad)).toEqual({ ok: false, reason: 'auth-failed' });
      const badTag = Buffer.from(tx.protect(withSeq(0x1236)));
      badTag[badTag.length - 1]! ^= 0x80;
      expect(rx.unprotect(badTag)).toEqual({ ok: false, reason: 'auth-failed' });
      const c = tx.protectRtcp(rtcpPlain);
      expect(c.length).toBe(rtcpPlain.length + 14);
      expect(rx.unprotectRtcp(c)).toEqual({ ok: true, packet: rtcpPlain });
      expect(rx.unprotectRtcp(c)).toEqual({ ok: false, reason: 'replay' });
      expect(rx.unprotect(Buffer.alloc(5))).toEqual({ ok: false, reason: 'too-short' });
    });
  }

  it('tracks the rollover counter through a sequence wrap, with reordering', () => {
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER });
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER });
    const mk = (seq: number): Buffer => {
      const b = Buffer.from(plain);
      b.writeUInt16BE(seq & 0xffff, 2);
      b[12] = seq & 0xff;
      return b;
    };
    const sent: Buffer[] = [];
    for (let i = 0; i < 300; i++) sent.push(tx.protect(mk(65_400 + i)));
    for (let i = 0; i < 300; i += 2) {
      // swap neighbours to reorder across the wrap
      const order = i + 1 < 300 ? [i + 1, i] : [i];
      for (const j of order) {
        const r = rx.unprotect(sent[j]!);
        expect(r.ok && r.packet.equals(mk(65_400 + j))).toBe(true);
      }
    }
    expect(rx.rolloverCounter(0xcafebabe)).toBe(1);
    expect(tx.rolloverCounter(0xcafebabe)).toBe(1);
    expect(rx.unprotect(sent[10]!)).toEqual({ ok: false, reason: 'too-old' });
  });

  it('sweeps the ROC wrap with losses around sequence 65535', () => {
    for (const start of [65_500, 65_530, 65_534, 65_535, 0]) {
      for (const gap of [0, 1, 100, 3000]) {
        const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_32', keyAndSalt: MASTER });
        const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_32', keyAndSalt: MASTER });
        for (let i = 0; i < 60 + gap; i++) {
          const b = Buffer.from(plain);
          b.writeUInt16BE((start + i) & 0xffff, 2);
          const p = tx.protect(b);
          if (i >= 30 && i < 30 + gap) continue; // lost in the network
          const r = rx.unprotect(p);
          expect(r.ok && r.packet.equals(b)).toBe(true);
        }
        expect(rx.rolloverCounter(0xcafebabe)).toBe(tx.rolloverCounter(0xcafebabe));
      }
    }
  });

  it('supports an MKI', () => {
    const mki = hex('00000001');
    const tx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER, mki });
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER, mki });
    const other = new SrtpContext({
      suite: 'AES_CM_128_HMAC_SHA1_80',
      keyAndSalt: MASTER,
      mki: hex('00000002'),
    });
    const p = tx.protect(plain);
    expect(p.subarray(plain.length, plain.length + 4)).toEqual(mki);
    expect(other.unprotect(p)).toEqual({ ok: false, reason: 'mki-mismatch' });
    expect(rx.unprotect(p)).toEqual({ ok: true, packet: plain });
    expect(rx.unprotectRtcp(tx.protectRtcp(rtcpPlain))).toEqual({ ok: true, packet: rtcpPlain });
  });

  it('never throws on garbage', () => {
    const rx = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', keyAndSalt: MASTER });
    for (let n = 0; n < 2000; n++) {
      const b = Buffer.alloc(n % 80);
      for (let i = 0; i < b.length; i++) b[i] = (n * 31 + i * 17) & 0xff;
      if (b.length) b[0] = 0x80 | (b[0]! & 0x3f);
      expect(rx.unprotect(b).ok).toBe(false);
      expect(rx.unprotectRtcp(b).ok).toBe(false);
    }
  });
});

describe('RolloverCounter and ReplayWindow', () => {
  it('estimates the ROC per RFC 3711 Appendix A', () => {
    const r = new RolloverCounter();
    r.update(65_530, 0);
    expect(r.estimate(2)).toBe(1);
    expect(r.estimate(65_000)).toBe(0);
    r.update(2, 1);
    expect(r.value).toBe(1);
    expect(r.estimate(65_535)).toBe(0); // late packet from before the wrap
    expect(r.estimate(100)).toBe(1);
  });

  it('slides a 128-packet window', () => {
    const w = new ReplayWindow();
    expect(() => new ReplayWindow(32)).toThrow(RangeError);
    w.accept(1000);
    expect(w.check(1000)).toBe('replay');
    expect(w.check(999)).toBe('ok');
    expect(w.check(872)).toBe('too-old');
    expect(w.check(873)).toBe('ok');
    w.accept(1300);
    expect(w.check(1000)).toBe('too-old');
    expect(w.check(1299)).toBe('ok');
  });
});
