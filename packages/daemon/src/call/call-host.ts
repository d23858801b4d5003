import type { ProviderSet } from '@voice-assistant/ai-pipeline';
import type { DtlsCertificate, PortAllocator } from '@voice-assistant/rtp';
import type { UserAgent } from '@voice-assistant/sip-stack';
import type { PromptLibrary } from '../audio/prompts.js';
import type { AccountConfig, DaemonConfig } from '../config/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Call, CallEndReason } from './call.js';

/** What the call manager is built from. */
export interface CallManagerDeps {
  readonly config: () => DaemonConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly prompts: PromptLibrary;
  readonly ports: PortAllocator;
  /** AI providers of an account; undefined runs the echo test. */
  readonly providers: (account: string) => ProviderSet | undefined;
  /** The address to advertise in SDP (SIP_PUBLIC_ADDRESS or learnt by STUN); undefined: the local one. */
  readonly publicAddress: () => string | undefined;
  /** The SIP user agent, for outbound calls. */
  readonly ua: () => UserAgent | undefined;
}

/** An RTP/RTCP port pair from the allocator. */
export type PortAllocation = Awaited<ReturnType<PortAllocator['allocate']>>;

/**
 * The call manager as the answer, dial, transfer and start-up paths see it: its
 * dependencies and the bookkeeping they share (the call table, the end of a call).
 */
export interface CallHost {
  readonly deps: CallManagerDeps;
  /** Calls in progress. */
  readonly calls: ReadonlyMap<string, Call>;
  /** True once draining: new calls are refused. */
  readonly draining: boolean;
  /** The account named `name` in the current configuration. */
  account(name: string): AccountConfig | undefined;
  /** Registers a new call (counted as active). */
  newCall(parties: Call['parties'], account: AccountConfig): Call;
  /** Releases everything the call holds and counts it. Idempotent. */
  end(call: Call, reason: CallEndReason): void;
  /** Ends a call from our side: CANCEL before the answer (outbound), BYE after it. */
  hangup(call: Call, reason: CallEndReason): Promise<void>;
  /** RTP/RTCP ports for the call, or undefined (logged and counted) when the range is exhausted. */
  allocatePorts(call: Call): Promise<PortAllocation | undefined>;
  /** A fresh o= session id (RFC 4566 §5.2). */
  nextSessionId(): string;
  /** One self-signed DTLS certificate for the process. */
  dtlsCertificate(): Promise<DtlsCertificate>;
  /** The call is up (2xx ACKed): start media and the application. */
  confirm(call: Call): void;
  /** Counts a call refused before it got a `Call` (inbound 4xx/5xx, outbound request errors). */
  countRefusal(account: string, status: string, direction: 'inbound' | 'outbound'): void;
}
