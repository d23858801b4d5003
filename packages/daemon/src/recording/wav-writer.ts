/**
 * An incremental RIFF/WAVE writer (16-bit PCM, N channels) that keeps the file readable
 * while it grows and after the process dies.
 *
 * Layout: the canonical 44-byte header (`RIFF`, `fmt ` of 16 bytes, `data`) followed by
 * interleaved little-endian samples. The header is first written with both sizes set to
 * 0xFFFFFFFF (the streaming convention: "read to the end"); after every flush the real
 * RIFF and data sizes are patched in, so a reader that trusts the sizes sees everything
 * up to the last flush, and a reader that tolerates streaming sizes (ours, sox, ffmpeg)
 * sees everything written.
 *
 * Writes are buffered and batched (one `write` per flush, about one second of audio, not
 * one syscall per 20 ms frame), go through the libuv thread pool (never blocking the
 * event loop) and run strictly one after another.
 *
 * Durability policy: data handed to the kernel survives `kill -9` of this process (the
 * page cache belongs to the kernel), so surviving a process crash needs no fsync: what
 * matters is flushing often. `fdatasync` protects against power loss / kernel crash and
 * costs disk I/O, so it runs at most every `syncIntervalMs` (default 10 s) after a flush,
 * and always on `close()`.
 *
 * Never throws into the caller: I/O errors go to `onError` and are counted in `errors`;
 * after a failed open every later write is dropped (and counted in `droppedBytes`).
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';

/** Bytes of the canonical PCM WAV header written before the samples. */
export const WAV_HEADER_BYTES = 44;
/** Largest data chunk a RIFF file can describe (32-bit sizes). */
const MAX_DATA_BYTES = 0xffffffff - 36;
const LITTLE_ENDIAN = endianness() === 'LE';

export interface WavWriterOptions {
  /** File to create; its directory is created if missing. An existing file is not overwritten (error). */
  readonly path: string;
  /** Samples per second per channel, e.g. 8000. */
  readonly sampleRate: number;
  /** Interleaved channels, default 1. */
  readonly channels?: number;
  /** Flush automatically once this many bytes are buffered; default one second of audio. */
  readonly flushBytes?: number;
  /**
   * Buffered plus in-flight bytes above which new audio is dropped (a stalled disk must not
   * eat the heap); default 60 s of audio.
   */
  readonly maxBufferedBytes?: number;
  /** `fdatasync` after a flush at most this often, in ms; default 10000; 0: only on close. */
  readonly syncIntervalMs?: number;
  /** Called for every I/O error (already counted). Default: ignore. */
  readonly onError?: (err: Error, op: string) => void;
  /** Clock for the sync policy, ms; default `Date.now`. */
  readonly now?: () => number;
}

/** What a closed writer wrote. */
export interface WavWriterResult {
  readonly path: string;
  /** Bytes of samples in the data chunk. */
  readonly dataBytes: number;
  /** Audio length, seconds. */
  readonly durationSec: number;
  /** I/O errors seen. */
  readonly errors: number;
  /** Bytes of audio dropped (open failed, disk stalled, 4 GiB limit). */
  readonly droppedBytes: number;
}

/** The 44-byte header; `dataBytes` undefined writes the streaming sizes (0xFFFFFFFF). */
export function wavHeader(sampleRate: number, channels: number, dataBytes?: number): Buffer {
  const h = Buffer.alloc(WAV_HEADER_BYTES);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(dataBytes === undefined ? 0xffffffff : 36 + dataBytes, 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  h.writeUInt16LE(channels * 2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes === undefined ? 0xffffffff : dataBytes, 40);
  return h;
}

/** Streams interleaved 16-bit PCM into a WAV file; see the module comment. */
export class WavWriter {
  readonly path: string;
  readonly sampleRate: number;
  readonly channels: number;
  private readonly flushBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly syncIntervalMs: number;
  private readonly now: () => number;
  private readonly onErrorCb: (err: Error, op: string) => void;
  private fh: FileHandle | undefined;
  private failed = false;
  private closed = false;
  /** Serialises every file operation. */
  private chain: Promise<void>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlightBytes = 0;
  /** Bytes of samples handed to the file (data chunk length on disk once the chain drains). */
  private dataBytes = 0;
  /** Bytes accepted so far (written, buffered or in flight). */
  private acceptedBytes = 0;
  private lastSyncMs: number;
  private closing?: Promise<WavWriterResult>;
  /** I/O errors so far. */
  errors = 0;
  /** Audio bytes dropped so far. */
  droppedBytes = 0;

  constructor(opts: WavWriterOptions) {
    this.path = opts.path;
    this.sampleRate = opts.sampleRate;
    this.channels = opts.channels ?? 1;
    const second = this.sampleRate * this.channels * 2;
    this.flushBytes = opts.flushBytes ?? second;
    this.maxBufferedBytes = opts.maxBufferedBytes ?? second * 60;
    this.syncIntervalMs = opts.syncIntervalMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.onErrorCb = opts.onError ?? (() => undefined);
    this.lastSyncMs = this.now();
    this.chain = this.run('open', async () => {
      await mkdir(dirname(this.path), { recursive: true });
      this.fh = await open(this.path, 'wx');
      await this.fh.write(wavHeader(this.sampleRate, this.channels), 0, WAV_HEADER_BYTES, 0);
    }).then((ok) => {
      if (!ok) this.failed = true;
    });
  }

  /** Seconds of audio accepted so far (written or buffered). */
  get durationSec(): number {
    return this.acceptedBytes / (this.sampleRate * this.channels * 2);
  }

  /**
   * Appends interleaved samples (length a multiple of `channels`). Copies them, so the
   * caller may reuse the array. Flushes when `flushBytes` are buffered. Never throws.
   */
  write(samples: Int16Array): void {
    const bytes = samples.length * 2;
    if (bytes === 0) return;
    if (
      this.closed ||
      this.failed ||
      this.acceptedBytes + bytes > MAX_DATA_BYTES ||
      this.pendingBytes + this.inFlightBytes + bytes > this.maxBufferedBytes
    ) {
      this.droppedBytes += bytes;
      return;
    }
    const buf = Buffer.allocUnsafe(bytes);
    if (LITTLE_ENDIAN) Buffer.from(samples.buffer, samples.byteOffset, bytes).copy(buf);
    else for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i] as number, i * 2);
    this.pending.push(buf);
    this.pendingBytes += bytes;
    this.acceptedBytes += bytes;
    if (this.pendingBytes >= this.flushBytes) void this.flush();
  }

  /**
   * Writes the buffered audio and patches the header sizes; resolves once both are in the
   * file (in the kernel's page cache, see the durability policy). Never rejects.
   */
  flush(): Promise<void> {
    if (this.pendingBytes > 0) {
      const chunk = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
      this.inFlightBytes += chunk.length;
      this.chain = this.chain.then(async () => {
        await this.writeChunk(chunk);
        this.inFlightBytes -= chunk.length;
      });
    }
    return this.chain;
  }

  /** Flushes, patches the final sizes, syncs and closes the file. Idempotent; never rejects. */
  close(): Promise<WavWriterResult> {
    if (this.closing) return this.closing;
    const flushed = this.flush();
    this.closed = true;
    this.closing = flushed.then(async () => {
      const fh = this.fh;
      this.fh = undefined;
      if (fh) {
        await this.run('sync', () => fh.datasync());
        await this.run('close', () => fh.close());
      }
      return {
        path: this.path,
        dataBytes: this.dataBytes,
        durationSec: this.dataBytes / (this.sampleRate * this.channels * 2),
        errors: this.errors,
        droppedBytes: this.droppedBytes,
      };
    });
    return this.closing;
  }

  private async writeChunk(chunk: Buffer): Promise<void> {
    const fh = this.fh;
    if (!fh) {
      this.droppedBytes += chunk.length;
      return;
    }
    let kept = 0;
    await this.run('write', async () => {
      const { bytesWritten } = await fh.write(chunk, 0, chunk.length, WAV_HEADER_BYTES + this.dataBytes);
      // A short write (disk full) still leaves the whole sample frames before it valid.
      kept = bytesWritten - (bytesWritten % (this.channels * 2));
      if (bytesWritten < chunk.length)
        throw new Error(`short write: ${bytesWritten} of ${chunk.length} bytes`);
    });
    this.dataBytes += kept;
    this.droppedBytes += chunk.length - kept;
    // Patch the sizes (RIFF at 4, data at 40): 8 bytes, same page as the header.
    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(36 + this.dataBytes, 0);
    const data = Buffer.alloc(4);
    data.writeUInt32LE(this.dataBytes, 0);
    await this.run('patch', async () => {
      await fh.write(sizes, 0, 4, 4);
      await fh.write(data, 0, 4, 40);
    });
    if (this.syncIntervalMs > 0 && this.now() - this.lastSyncMs >= this.syncIntervalMs) {
      this.lastSyncMs = this.now();
      await this.run('sync', () => fh.datasync());
    }
  }

  /** Runs one I/O step; an error is counted and reported, never thrown. Resolves true on success. */
  private async run(op: string, fn: () => Promise<unknown>): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      this.errors++;
      try {
        this.onErrorCb(err instanceof Error ? err : new Error(String(err)), op);
      } catch {
        /* a throwing callback must not break the chain */
      }
      return false;
    }
  }
}
