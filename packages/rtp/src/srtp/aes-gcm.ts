/**
 * AEAD_AES_128_GCM for SRTP and SRTCP (RFC 7714): the RTP header (and for SRTCP the
 * E flag || SRTCP index) is additional authenticated data, the payload is encrypted,
 * and the 16-byte GCM tag follows the ciphertext. Session keys come from the RFC 3711
 * KDF (RFC 7714 §11). Never throws on hostile input (`open*` return `undefined`).
 */
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import type { OpenResult, SrtpTransform } from './srtp-transform.js';

/** GCM authentication tag length (RFC 7714 §7: 16 octets). */
export const GCM_TAG_LENGTH = 16;

/** Session keys of one direction for AEAD_AES_128_GCM. */
export interface GcmSessionKeys {
  readonly rtpKey: Buffer;
  /** 12-byte session salt. */
  readonly rtpSalt: Buffer;
  readonly rtcpKey: Buffer;
  readonly rtcpSalt: Buffer;
}

/** RFC 7714 §8.1 IV: (00 00 || SSRC || ROC || SEQ) XOR salt. */
export function gcmRtpIv(salt: Buffer, ssrc: number, roc: number, seq: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(roc >>> 0, 6);
  iv.writeUInt16BE(seq & 0xffff, 10);
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}

/** RFC 7714 §9.1 IV: (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt. */
export function gcmRtcpIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(ssrc >>> 0, 2);
  iv.writeUInt32BE(index & 0x7fffffff, 8);
  for (let i = 0; i < 12; i++) iv[i]! ^= salt[i]!;
  return iv;
}

/** Per-packet AES-GCM operations for one direction. */
export class AesGcmSrtpTransform {
  private readonly algorithm: CipherGCMTypes;

  constructor(private readonly keys: GcmSessionKeys) {
    this.algorithm = keys.rtpKey.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
  }

  /** RFC 7714 §8.2: header || E(payload) || tag. */
  sealRtp(rtp: Buffer, headerLength: number, roc: number): Buffer {
    const iv = gcmRtpIv(this.keys.rtpSalt, rtp.readUInt32BE(8), roc, rtp.readUInt16BE(2));
    const c = createCipheriv(this.algorithm, this.keys.rtpKey, iv, { authTagLength: GCM_TAG_LENGTH });
    c.setAAD(rtp.subarray(0, headerLength));
    const body = c.update(rtp.subarray(headerLength));
    c.final();
    return Buffer.concat([rtp.subarray(0, headerLength), body, c.getAuthTag()]);
  }

  /** Verify and decrypt `header || ciphertext || tag`; `undefined` when authentication fails. */
  openRtp(srtp: Buffer, headerLength: number, roc: number): Buffer | undefined {
    if (srtp.length < headerLength + GCM_TAG_LENGTH) return undefined;
    const iv = gcmRtpIv(this.keys.rtpSalt, srtp.readUInt32BE(8), roc, srtp.readUInt16BE(2));
    return this.open(this.keys.rtpKey, iv, srtp.subarray(0, headerLength), srtp, headerLength);
  }

  /** RFC 7714 §9: header || E(rest) || tag || E-flag|index (E = `encrypt`). */
  sealRtcp(rtcp: Buffer, index: number, encrypt = true): Buffer {
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(((encrypt ? 0x80000000 : 0) | (index & 0x7fffffff)) >>> 0);
    const iv = gcmRtcpIv(this.keys.rtcpSalt, rtcp.readUInt32BE(4), index);
    const c = createCipheriv(this.algorithm, this.keys.rtcpKey, iv, { authTagLength: GCM_TAG_LENGTH });
    // §9.2: AAD is the first 8 octets || E||index; with E = 0 the whole packet is AAD (§9.3).
    c.setAAD(encrypt ? Buffer.concat([rtcp.subarray(0, 8), trailer]) : Buffer.concat([rtcp, trailer]));
    const body = encrypt ? c.update(rtcp.subarray(8)) : Buffer.alloc(0);
    c.final();
    const head = encrypt ? rtcp.subarray(0, 8) : rtcp;
    return Buffer.concat([head, body, c.getAuthTag(), trailer]);
  }

  /** Verify and decrypt an SRTCP packet without MKI; `undefined` when authentication fails. */
  openRtcp(srtcp: Buffer): Buffer | undefined {
    if (srtcp.length < 8 + GCM_TAG_LENGTH + 4) return undefined;
    const trailer = srtcp.subarray(srtcp.length - 4);
    const word = trailer.readUInt32BE(0);
    const iv = gcmRtcpIv(this.keys.rtcpSalt, srtcp.readUInt32BE(4), word & 0x7fffffff);
    const sealed = srtcp.subarray(0, srtcp.length - 4);
    if (word & 0x80000000) {
      return this.open(this.keys.rtcpKey, iv, Buffer.concat([srtcp.subarray(0, 8), trailer]), sealed, 8);
    }
    const clear = sealed.subarray(0, sealed.length - GCM_TAG_LENGTH);
    const ok = this.open(
      this.keys.rtcpKey,
      iv,
      Buffer.concat([clear, trailer]),
      sealed,
      sealed.length - GCM_TAG_LENGTH,
    );
    return ok && clear;
  }

  private open(key: Buffer, iv: Buffer, aad: Buffer, sealed: Buffer, bodyStart: number): Buffer | undefined {
    const tagStart = sealed.length - GCM_TAG_LENGTH;
    try {
      const d = createDecipheriv(this.algorithm, key, iv, { authTagLength: GCM_TAG_LENGTH });
      d.setAAD(aad);
      d.setAuthTag(sealed.subarray(tagStart));
      const plain = d.update(sealed.subarray(bodyStart, tagStart));
      d.final(); // throws when the tag does not verify
      return Buffer.concat([sealed.subarray(0, bodyStart), plain]);
    } catch {
      return undefined;
    }
  }
}

/** {@link AesGcmSrtpTransform} behind the context's {@link SrtpTransform} interface (no MKI). */
export class AeadGcmTransform implements SrtpTransform {
  readonly rtpOverhead = GCM_TAG_LENGTH;
  readonly rtcpAfterIndex = 0;
  readonly rtcpMinLength = 8 + GCM_TAG_LENGTH + 4;
  private readonly gcm: AesGcmSrtpTransform;

  constructor(keys: GcmSessionKeys) {
    this.gcm = new AesGcmSrtpTransform(keys);
  }

  sealRtp(rtp: Buffer, headerLength: number, _ssrc: number, _index: number, roc: number): Buffer {
    return this.gcm.sealRtp(rtp, headerLength, roc);
  }

  openRtp(srtp: Buffer, headerLength: number, _ssrc: number, _index: number, roc: number): OpenResult {
    return this.gcm.openRtp(srtp, headerLength, roc) ?? 'auth-failed';
  }

  sealRtcp(rtcp: Buffer, _ssrc: number, index: number): Buffer {
    return this.gcm.sealRtcp(rtcp, index, true);
  }

  openRtcp(srtcp: Buffer): OpenResult {
    return this.gcm.openRtcp(srtcp) ?? 'auth-failed';
  }
}
