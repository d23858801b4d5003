/**
 * ICE-lite agent (RFC 8445 §2.5): we never send checks; we answer the full agent's
 * Binding requests with short-term credentials (RFC 8445 §7.3, RFC 8489 §9.1) and take
 * the pair the controlling agent nominates (USE-CANDIDATE, §7.3.1.5) as the media path.
 * Pure: bytes and addresses in, a response to send out.
 */
import { randomBytes } from 'node:crypto';
import type { IceCandidate } from '../sdp/types.js';
import type { StunAttribute } from './stun-message.js';
import {
  StunAttr,
  StunMethod,
  encodeStun,
  encodeXorAddress,
  getAttribute,
  parseStun,
  verifyFingerprint,
  verifyIntegrity,
} from './stun-message.js';

/** Source of a datagram. */
export interface TransportAddress {
  readonly address: string;
  readonly port: number;
}

/** What to do with a received STUN datagram. */
export interface IceCheckOutcome {
  /** Response to send back to the source (absent: drop silently). */
  readonly response?: Buffer;
  /** The check carried USE-CANDIDATE: this source is now the nominated remote (RFC 8445 §7.3.1.5). */
  readonly nominated?: TransportAddress;
}

/** Options of {@link IceLiteAgent}. */
export interface IceLiteOptions {
  /** Our a=ice-ufrag / a=ice-pwd. */
  readonly localUfrag: string;
  readonly localPwd: string;
  /** The remote's a=ice-ufrag (checks carry USERNAME `ours:theirs`, RFC 8445 §7.2.2). */
  readonly remoteUfrag: string;
  /** SOFTWARE attribute value. Default none. */
  readonly software?: string;
}

/** Generate ICE credentials (RFC 8445 §5.3: ufrag >= 24 bits, pwd >= 128 bits of randomness). */
export function generateIceCredentials(random: (n: number) => Buffer = randomBytes): {
  ufrag: string;
  pwd: string;
} {
  const chars = (b: Buffer): string => b.toString('base64').replace(/[^A-Za-z0-9+/]/g, '');
  return { ufrag: chars(random(6)).slice(0, 8), pwd: chars(random(18)).slice(0, 24) };
}

/** RFC 8445 §5.1.2.1 priority: (2^24)*type pref + (2^8)*local pref + (256 - component). */
export function candidatePriority(
  type: 'host' | 'srflx' | 'prflx' | 'relay',
  component = 1,
  localPref = 65535,
): number {
  const typePref = { host: 126, prflx: 110, srflx: 100, relay: 0 }[type];
  return (typePref * 2 ** 24 + localPref * 2 ** 8 + (256 - component)) >>> 0;
}

/**
 * One of our candidates (RFC 8445 §5.1.1, component 1 with rtcp-mux, UDP), foundation per
 * type (host 1, relay 2, srflx 3: one base each); `base` gives the related address of a
 * server-reflexive or relayed candidate (RFC 8839 §5.1 raddr/rport).
 */
export function localCandidate(
  type: 'host' | 'srflx' | 'relay',
  at: TransportAddress,
  base?: TransportAddress,
): IceCandidate {
  return {
    foundation: { host: '1', relay: '2', srflx: '3' }[type],
    component: 1,
    transport: 'udp',
    priority: candidatePriority(type),
    address: at.address,
    port: at.port,
    type,
    ...(base ? { relatedAddress: base.address, relatedPort: base.port } : {}),
  };
}

/** The responder half of ICE (ICE-lite, always controlled: RFC 8445 §6.1.1). */
export class IceLiteAgent {
  private nominatedRemote: TransportAddress | undefined;
  /** Sources that passed a connectivity check (RFC 8445 §7.3: valid pairs), bounded. */
  private readonly validSources = new Set<string>();
  private o: IceLiteOptions;
  private key: Buffer;
  /** Valid checks answered (statistics). */
  checks = 0;

  constructor(opts: IceLiteOptions) {
    this.o = opts;
    this.key = Buffer.from(opts.localPwd);
  }

  /** Our current ufrag and the remote's (they change on an ICE restart). */
  get credentials(): { readonly localUfrag: string; readonly remoteUfrag: string } {
    return { localUfrag: this.o.localUfrag, remoteUfrag: this.o.remoteUfrag };
  }

  /**
   * ICE restart (RFC 8445 §9, RFC 8839 §4.4.1.1.1): the peer re-offered with a new
   * ufrag/pwd and we answered with new ones of our own; from now on only checks with the
   * new credentials are answered. Media goes on over the pair in use until the controlling
   * agent nominates again (§9: the previously selected pair keeps being used meanwhile).
   */
  restart(creds: {
    readonly localUfrag: string;
    readonly localPwd: string;
    readonly remoteUfrag: string;
  }): void {
    this.o = { ...this.o, ...creds };
    this.key = Buffer.from(creds.localPwd);
  }

  /** The pair the controlling agent nominated, once it has. */
  get nominated(): TransportAddress | undefined {
    return this.nominatedRemote;
  }

  /** True when `from` sent us a valid, authenticated check (a valid pair, RFC 8445 §7.3.1.4). */
  isValidated(from: TransportAddress): boolean {
    return this.validSources.has(`${from.address}:${from.port}`);
  }

  /**
   * Handle one STUN datagram from `from`. Binding requests with a valid USERNAME,
   * MESSAGE-INTEGRITY (our ice-pwd) and FINGERPRINT get a success response with
   * XOR-MAPPED-ADDRESS; anything else is dropped (RFC 8489 §6.3: a request failing
   * authentication could get 400/401, silence is allowed for ICE and cheaper). Never throws.
   */
  handle(datagram: Buffer, from: TransportAddress): IceCheckOutcome {
    const msg = parseStun(datagram);
    if (msg === undefined) return {};
    if (msg.method !== StunMethod.BINDING || msg.cls !== 'request') return {};
    const username = getAttribute(msg, StunAttr.USERNAME)?.toString('utf8');
    // RFC 8445 §7.3: USERNAME is "our-ufrag:their-ufrag".
    if (username !== `${this.o.localUfrag}:${this.o.remoteUfrag}`) return {};
    if (!verifyIntegrity(datagram, this.key)) return {};
    if (getAttribute(msg, StunAttr.FINGERPRINT) !== undefined && !verifyFingerprint(datagram)) return {};
    this.checks++;
    if (this.validSources.size < 32) this.validSources.add(`${from.address}:${from.port}`);
    const attributes: StunAttribute[] = [
      {
        type: StunAttr.XOR_MAPPED_ADDRESS,
        value: encodeXorAddress(from.address, from.port, msg.transactionId),
      },
    ];
    if (this.o.software !== undefined)
      attributes.push({ type: StunAttr.SOFTWARE, value: Buffer.from(this.o.software) });
    // RFC 8445 §7.3.1.4: the success response is protected with our password.
    const response = encodeStun(
      { method: StunMethod.BINDING, cls: 'success', transactionId: msg.transactionId, attributes },
      { integrityKey: this.key, fingerprint: true },
    );
    const controlling = getAttribute(msg, StunAttr.ICE_CONTROLLING) !== undefined;
    if (controlling && getAttribute(msg, StunAttr.USE_CANDIDATE) !== undefined) {
      this.nominatedRemote = { address: from.address, port: from.port };
      return { response, nominated: this.nominatedRemote };
    }
    return { response };
  }
}
