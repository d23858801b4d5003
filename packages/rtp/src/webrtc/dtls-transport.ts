/**
 * DTLS 1.2 handshake for DTLS-SRTP (RFC 5763/5764) on werift-dtls, over a datagram
 * path we own: received DTLS records are fed in with {@link DtlsTransport.handleRecord}
 * (the demultiplexer of RFC 7983 decides what is DTLS) and outgoing records go to
 * `send`. After the handshake the peer certificate is checked against the SDP
 * fingerprint and the SRTP keys are exported for OUR SrtpContext.
 */
import {
  CipherContext,
  DtlsClient,
  DtlsServer,
  HashAlgorithm,
  NamedCurveAlgorithm,
  SignatureAlgorithm,
} from 'werift-dtls/lib/dtls/src/index.js';
import type { CertificateFingerprint } from '../sdp/types.js';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  DTLS_SRTP_PROFILES,
  type DtlsSrtpKeys,
  fingerprintMatches,
  keyingMaterialLength,
  pemFingerprint,
  splitDtlsSrtpKeyingMaterial,
} from './dtls-srtp-keys.js';

/** Our certificate for DTLS, with its SDP fingerprint. */
export interface DtlsCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly fingerprint: CertificateFingerprint;
}

/** Create a self-signed ECDSA P-256 certificate (RFC 8827 §6.5: self-signed is the norm). */
export async function createDtlsCertificate(): Promise<DtlsCertificate> {
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(
    { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, fingerprint: pemFingerprint(certPem) };
}

/** Options of {@link DtlsTransport}. */
export interface DtlsTransportOptions {
  /** `client` sends the ClientHello (we answered a=setup:active), `server` waits. */
  readonly role: 'client' | 'server';
  readonly certificate: DtlsCertificate;
  /** The peer's a=fingerprint (RFC 5763 §5). */
  readonly remoteFingerprint: CertificateFingerprint;
  /** Send one DTLS datagram to the peer's current address. */
  readonly send: (datagram: Buffer) => void;
  /** Give up after this long. Default 15000 ms. */
  readonly timeoutMs?: number;
}

/** Profiles we offer/accept in use_srtp (werift implements 1 and 7). */
const PROFILES = [0x0001, 0x0007];

/** Minimal werift `Transport`: records in via onData, out via our `send`. */
interface WeriftTransport {
  type: string;
  address: { address: string; port: number; family: string };
  closed: boolean;
  onData: (data: Buffer, addr: readonly [string, number]) => void;
  send: (data: Buffer) => Promise<void>;
  close: () => Promise<void>;
}

/** One DTLS association. */
export class DtlsTransport {
  private readonly transport: WeriftTransport;
  private readonly socket: DtlsClient | DtlsServer;
  private closed = false;

  constructor(private readonly o: DtlsTransportOptions) {
    this.transport = {
      type: 'udp',
      address: { address: '0.0.0.0', port: 0, family: 'IPv4' },
      closed: false,
      onData: () => undefined,
      send: (data) => {
        if (!this.closed) o.send(Buffer.from(data));
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
    const options = {
      transport: this.transport as never,
      srtpProfiles: PROFILES as never,
      cert: o.certificate.certPem,
      key: o.certificate.keyPem,
      signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
      // RFC 5763 §5: both sides present certificates; the server must ask for the client's.
      certificateRequest: true,
      extendedMasterSecret: true,
    };
    this.socket = o.role === 'client' ? new DtlsClient(options) : new DtlsServer(options);
  }

  /** Feed one received DTLS record datagram (RFC 7983 first byte 20..63). Never throws. */
  handleRecord(datagram: Buffer): void {
    if (this.closed) return;
    try {
      this.transport.onData(datagram, ['0.0.0.0', 0]);
    } catch {
      // werift parses asynchronously and catches its own errors; a sync throw is dropped.
    }
  }

  /**
   * Run the handshake; resolves with the SRTP keys once it is done and the peer
   * certificate matches the SDP fingerprint. Rejects on timeout or mismatch.
   */
  start(): Promise<DtlsSrtpKeys> {
    const timeoutMs = this.o.timeoutMs ?? 15000;
    return new Promise<DtlsSrtpKeys>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`DTLS handshake timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref?.();
      this.socket.onConnect.subscribe(() => {
        clearTimeout(timer);
        try {
          resolve(this.exportKeys());
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      this.socket.onError.subscribe((err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      if (this.socket instanceof DtlsClient) {
        this.socket.connect().catch((err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        });
      }
    });
  }

  private exportKeys(): DtlsSrtpKeys {
    // RFC 5763 §5 / RFC 8842: refuse a certificate that does not match the signalled fingerprint.
    if (!fingerprintMatches(this.socket.remoteCertificate, this.o.remoteFingerprint))
      throw new Error('DTLS peer certificate does not match a=fingerprint');
    const profile = this.socket.srtp.srtpProfile;
    const suite = profile === undefined ? undefined : DTLS_SRTP_PROFILES[profile];
    if (suite === undefined)
      throw new Error('no SRTP protection profile negotiated (use_srtp, RFC 5764 §4.1.2)');
    const material = this.socket.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, keyingMaterialLength(suite));
    return splitDtlsSrtpKeyingMaterial(Buffer.from(material), suite, this.o.role);
  }

  /** Stop the association (no close_notify is required for media, RFC 5764 §4.1). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.transport.closed = true;
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
