/**
 * Message framing on stream transports: TCP, TLS (RFC 3261 §18.3) with RFC 5626 §4.4.1
 * CRLF keep-alives. Pure: bytes in, parse results out; no sockets.
 */
import { parseMessage } from './parse.js';
import type { SipParseResult, SipRequest } from './types.js';

/** A keep-alive seen between messages: `ping` = CRLFCRLF, `pong` = CRLF (RFC 5626 §4.4.1). */
export interface KeepaliveItem {
  readonly keepalive: 'ping' | 'pong';
}

/** One item produced by {@link SipStreamFramer.push}. */
export type StreamFramerItem = SipParseResult | KeepaliveItem;

/** True when `item` is a keep-alive rather than a parse result. */
export function isKeepalive(item: StreamFramerItem): item is KeepaliveItem {
  return 'keepalive' in item;
}

/** Options of {@link SipStreamFramer}. */
export interface SipStreamFramerOptions {
  /** Largest message (head + body) in bytes; default 65535. Larger: fatal error. */
  readonly maxMessageSize?: number;
  /** Largest head (start line + headers) in bytes; default 16384. Larger: fatal error. */
  readonly maxHeadSize?: number;
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH_RE = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*([^\r\n]*)/gi;

/**
 * Splits a byte stream into SIP messages using Content-Length (mandatory on streams,
 * RFC 3261 §18.3). One framer per connection.
 *
 * After a fatal error (buffer limits exceeded, unusable Content-Length) `failed` is set,
 * an error result is returned once, and the caller should close the connection: the
 * message boundary is lost. A message without Content-Length yields a 400 error result
 * (with `partial` when answerable) and is assumed to have no body.
 */
export class SipStreamFramer {
  /** Growable store: bytes [start, end) are buffered (amortised O(1) appends). */
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where to resume the CRLFCRLF search in `buf`. */
  private scanFrom = 0;
  /** Total length of the message being waited for, once its head is complete. */
  private expected = -1;
  private readonly maxMessageSize: number;
  private readonly maxHeadSize: number;
  private failedFlag = false;

  constructor(opts: SipStreamFramerOptions = {}) {
    this.maxMessageSize = opts.maxMessageSize ?? 65535;
    this.maxHeadSize = opts.maxHeadSize ?? 16384;
  }

  /** True after a fatal framing error: close the connection. */
  get failed(): boolean {
    return this.failedFlag;
  }

  /** Bytes currently buffered (an incomplete message). */
  get buffered(): number {
    return this.end - this.start;
  }

  /** The buffered bytes (a view, valid until the next push). */
  private get buf(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  private append(chunk: Buffer): void {
    const used = this.end - this.start;
    if (this.end + chunk.length > this.store.length) {
      const needed = used + chunk.length;
      if (needed <= this.store.length >>> 1) {
        this.store.copyWithin(0, this.start, this.end); // compact in place
      } else {
        const grown = Buffer.allocUnsafe(Math.max(needed, this.store.length * 2, 4096));
        this.store.copy(grown, 0, this.start, this.end);
        this.store = grown;
      }
      this.start = 0;
      this.end = used;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  /** Feed received bytes; returns every complete message and keep-alive, in order. */
  push(chunk: Buffer): StreamFramerItem[] {
    if (this.failedFlag) return [];
    this.append(chunk);
    const out: StreamFramerItem[] = [];
    while (this.buffered > 0 && !this.failedFlag) {
      if (this.expected < 0 && !this.frameHead(out)) break;
      if (this.expected < 0) continue;
      if (this.buffered < this.expected) break;
      // Copy out: the store is reused, and the parsed body is a view of its input.
      const msg = Buffer.from(this.buf.subarray(0, this.expected));
      out.push(parseMessage(msg, { stream: true, maxSize: this.maxMessageSize }));
      this.consume(this.expected);
    }
    return out;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) this.start = this.end = 0;
    this.scanFrom = 0;
    this.expected = -1;
  }

  private fatal(out: StreamFramerItem[], reason: string, status?: number, headLen?: number): void {
    // RFC 3261 §18.3 / RFC 4475 ncl, mcl01: when the head was read, answer it before the close.
    const partial = headLen === undefined ? undefined : this.headRequest(headLen);
    this.failedFlag = true;
    this.store = Buffer.alloc(0);
    this.start = this.end = 0;
    out.push({ ok: false, reason, status, partial });
  }

  /** The request whose head is the first `headLen` bytes, when it can be answered. */
  private headRequest(headLen: number): SipRequest | undefined {
    const r = parseMessage(Buffer.from(this.buf.subarray(0, headLen)), { maxSize: headLen + 1 });
    if (r.ok) return r.message.kind === 'request' ? r.message : undefined;
    return r.partial;
  }

  /**
   * Handle keep-alives, then look for a complete head. Returns false when more bytes are
   * needed; sets `expected` when the head is complete.
   */
  private frameHead(out: StreamFramerItem[]): boolean {
    const b = this.buf;
    if (b[0] === 0x0d || b[0] === 0x0a) {
      // RFC 5626 §4.4.1: CRLFCRLF ping, CRLF pong, only between messages.
      if (b.length >= 4 && b[0] === 0x0d && b[1] === 0x0a && b[2] === 0x0d && b[3] === 0x0a) {
        out.push({ keepalive: 'ping' });
        this.consume(4);
        return true;
      }
      if (b.length >= 2 && b[0] === 0x0d && b[1] === 0x0a) {
        if (b.length === 3 && b[2] === 0x0d) return false; // maybe a split ping
        out.push({ keepalive: 'pong' });
        this.consume(2);
        return true;
      }
      if (b[0] === 0x0a) {
        this.consume(1); // stray LF: ignore (RFC 3261 §7.5 leniency)
        return true;
      }
      return false; // lone CR: wait
    }
    const end = b.indexOf(CRLFCRLF, this.scanFrom);
    if (end < 0) {
      this.scanFrom = Math.max(0, b.length - 3);
      if (b.length > this.maxHeadSize) this.fatal(out, `head exceeds ${this.maxHeadSize} bytes`, 513);
      return false;
    }
    const headLen = end + 4;
    if (headLen > this.maxHeadSize) {
      this.fatal(out, `head exceeds ${this.maxHeadSize} bytes`, 513);
      return false;
    }
    const values = [...b.toString('latin1', 0, headLen).matchAll(CONTENT_LENGTH_RE)].map((m) => m[1]!.trim());
    if (values.length === 0) {
      // RFC 3261 §18.3: Content-Length is mandatory on streams. Report it; assume no body.
      out.push(
        parseMessage(Buffer.from(b.subarray(0, headLen)), { stream: true, maxSize: this.maxMessageSize }),
      );
      this.consume(headLen);
      return true;
    }
    const text = values[0]!;
    const cl = /^\d{1,10}$/.test(text) ? +text : NaN;
    // RFC 4475 ncl/mcl01: an unusable or ambiguous length loses the framing on a stream.
    if (!Number.isSafeInteger(cl) || values.some((v) => v !== text)) {
      this.fatal(
        out,
        `unusable Content-Length ${JSON.stringify(values.join(', '))} on a stream`,
        400,
        headLen,
      );
      return false;
    }
    if (headLen + cl > this.maxMessageSize) {
      this.fatal(out, `message of ${headLen + cl} bytes exceeds ${this.maxMessageSize}`, 513, headLen);
      return false;
    }
    this.expected = headLen + cl;
    return true;
  }
}
