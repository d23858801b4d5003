/**
 * AES-CM encryption (RFC 3711 §4.1.1) with HMAC-SHA1 authentication (§4.2.1) and an
 * optional MKI (§3.1). SRTP: header || E(payload) || [MKI] || tag(ROC-extended, §4.2).
 * SRTCP (§3.4): header(8) || E(rest) || E-flag|index || [MKI] || tag.
 */
import { timingSafeEqual } from 'node:crypto';
import { AesCounterMode, srtpIv } from './aes-cm.js';
import { HmacSha1 } from './hmac-sha1.js';
import type { SrtpSessionKeys } from './key-derivation.js';
import type { OpenResult, SrtpTransform } from './srtp-transform.js';

/** The AES_CM_128_HMAC_SHA1_80/_32 transform. */
export class AesCmHmacTransform implements SrtpTransform {
  readonly rtpOverhead: number;
  readonly rtcpAfterIndex: number;
  readonly rtcpMinLength: number;
  private readonly rtpCipher: AesCounterMode;
  private readonly rtcpCipher: AesCounterMode;
  private readonly rtpAuth: HmacSha1;
  private readonly rtcpAuth: HmacSha1;
  private readonly iv = Buffer.alloc(16);
  private readonly rocBytes = Buffer.alloc(4);

  /**
   * @param rtpTagLength 10 (_80) or 4 (_32); SRTCP always uses `rtcpTagLength`.
   */
  constructor(
    private readonly keys: SrtpSessionKeys,
    private readonly rtpTagLength: number,
    private readonly rtcpTagLength: number,
    private readonly mki: Buffer,
  ) {
    this.rtpCipher = new AesCounterMode(keys.rtpCipherKey);
    this.rtcpCipher = new AesCounterMode(keys.rtcpCipherKey);
    this.rtpAuth = new HmacSha1(keys.rtpAuthKey);
    this.rtcpAuth = new HmacSha1(keys.rtcpAuthKey);
    this.rtpOverhead = mki.length + rtpTagLength;
    this.rtcpAfterIndex = mki.length + rtcpTagLength;
    this.rtcpMinLength = 8 + 4 + this.rtcpAfterIndex;
  }

  sealRtp(rtp: Buffer, headerLength: number, ssrc: number, index: number, roc: number): Buffer {
    const out = Buffer.allocUnsafe(rtp.length + this.rtpOverhead);
    rtp.copy(out);
    const body = out.subarray(0, rtp.length);
    this.rtpCipher.xorInPlace(srtpIv(this.iv, this.keys.rtpSalt, ssrc, index), body, headerLength);
    this.mki.copy(out, rtp.length);
    // §4.2: the tag covers the authenticated portion || ROC; the MKI is not authenticated.
    this.rtpTag(body, roc).copy(out, rtp.length + this.mki.length, 0, this.rtpTagLength);
    return out;
  }

  openRtp(srtp: Buffer, headerLength: number, ssrc: number, index: number, roc: number): OpenResult {
    const end = srtp.length - this.rtpOverhead;
    if (this.mki.length > 0 && !this.mki.equals(srtp.subarray(end, end + this.mki.length)))
      return 'mki-mismatch';
    const body = srtp.subarray(0, end);
    const tag = this.rtpTag(body, roc).subarray(0, this.rtpTagLength);
    if (!timingSafeEqual(tag, srtp.subarray(srtp.length - this.rtpTagLength))) return 'auth-failed';
    const packet = Buffer.from(body);
    this.rtpCipher.xorInPlace(srtpIv(this.iv, this.keys.rtpSalt, ssrc, index), packet, headerLength);
    return packet;
  }

  sealRtcp(rtcp: Buffer, ssrc: number, index: number): Buffer {
    const out = Buffer.allocUnsafe(rtcp.length + 4 + this.rtcpAfterIndex);
    rtcp.copy(out);
    this.rtcpCipher.xorInPlace(
      srtpIv(this.iv, this.keys.rtcpSalt, ssrc, index),
      out.subarray(0, rtcp.length),
      8,
    );
    out.writeUInt32BE((0x80000000 | index) >>> 0, rtcp.length); // E flag || SRTCP index
    this.mki.copy(out, rtcp.length + 4);
    const tag = this.rtcpAuth.digest(out.subarray(0, rtcp.length + 4));
    tag.copy(out, rtcp.length + 4 + this.mki.length, 0, this.rtcpTagLength);
    return out;
  }

  openRtcp(srtcp: Buffer, ssrc: number, index: number, encrypted: boolean): OpenResult {
    const end = srtcp.length - this.rtcpAfterIndex; // end of E||index
    if (this.mki.length > 0 && !this.mki.equals(srtcp.subarray(end, end + this.mki.length)))
      return 'mki-mismatch';
    const tag = this.rtcpAuth.digest(srtcp.subarray(0, end)).subarray(0, this.rtcpTagLength);
    if (!timingSafeEqual(tag, srtcp.subarray(srtcp.length - this.rtcpTagLength))) return 'auth-failed';
    const packet = Buffer.from(srtcp.subarray(0, end - 4));
    if (encrypted) this.rtcpCipher.xorInPlace(srtpIv(this.iv, this.keys.rtcpSalt, ssrc, index), packet, 8);
    return packet;
  }

  private rtpTag(authenticated: Buffer, roc: number): Buffer {
    this.rocBytes.writeUInt32BE(roc >>> 0, 0);
    return this.rtpAuth.digest(authenticated, this.rocBytes);
  }
}
