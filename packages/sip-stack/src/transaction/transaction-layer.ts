/**
 * The transaction layer (RFC 3261 §17): creates and matches client and server
 * transactions, absorbs retransmissions, and passes everything else to the core.
 */
import type { Clock } from '../clock.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { generateBranch } from '../message/builders.js';
import { serializeMessage } from '../message/serialize.js';
import type { MessageSource, Target } from '../transport/transport.js';
import type { MessageInfo } from '../transport/message-info.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import type { ClientTransactionUser, ServerTransaction, TransactionDeps } from './transaction.js';
import { tryingDelay, type TimerConfig } from './timers.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import { clientKey, mergeKey, ownString, serverKey } from './transaction-keys.js';
import { errorResponse } from '../transport/error-response.js';

/** Either client transaction. */
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

/** What the core (TU) receives from the transaction layer. */
export interface TransactionLayerUser {
  /** A new request with its server transaction (not ACK, not CANCEL). */
  onRequest(req: SipRequest, info: MessageInfo, tx: ServerTransaction, source: MessageSource): void;
  /**
   * A CANCEL (RFC 3261 §9.2) with its own server transaction and the INVITE server
   * transaction it matches, if any. The core answers both.
   */
  onCancel(
    req: SipRequest,
    tx: NonInviteServerTransaction,
    invite: InviteServerTransaction | undefined,
  ): void;
  /** An ACK not absorbed by a transaction: the ACK for a 2xx (RFC 3261 §13.3.1.4). */
  onAck(req: SipRequest, info: MessageInfo, source: MessageSource): void;
  /** A response matching no client transaction, e.g. a 2xx retransmission (RFC 3261 §17.1.1.2). */
  onStrayResponse(res: SipResponse, info: MessageInfo, source: MessageSource): void;
}

/**
 * Builds the deferred 100 Trying for `req`. A module function on purpose: a closure made
 * inside `createServer` would share that scope's context with the transaction's long-lived
 * send/forget closures and keep the whole parsed INVITE (and the datagram text its strings
 * are sliced from) alive for 64*T1 after the call.
 */
function tryingFor(req: SipRequest): () => SipResponse | undefined {
  return () => errorResponse(req, 100, 'Trying');
}

/** RFC 3261 §17 transaction layer. */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, InviteServerTransaction | NonInviteServerTransaction>();
  private readonly merged = new Map<string, string>();
  user: TransactionLayerUser | undefined;

  constructor(
    private readonly transport: TransportLayer,
    private readonly clock: Clock,
    private readonly timers: TimerConfig,
  ) {
    transport.user = {
      onRequest: (req, info, source) => this.receiveRequest(req, info, source),
      onResponse: (res, info, source) => this.receiveResponse(res, info, source),
    };
  }

  /** Live transactions (client, server). */
  get size(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /**
   * Send a request statefully. A new top Via with a fresh branch is added unless the
   * request already has one (a CANCEL reuses its INVITE's Via, RFC 3261 §9.1).
   * ACK must go through {@link sendAck} instead.
   */
  sendRequest(req: SipRequest, target: Target, tu: ClientTransactionUser): ClientTransaction {
    const branch = this.ensureVia(req, target);
    const bytes = serializeMessage(req);
    const key = clientKey(branch, req.method);
    const deps = this.deps(
      target,
      (bytes2) => this.transport.send(bytes2, target),
      () => this.clients.delete(key),
    );
    const tx =
      req.method === 'INVITE'
        ? new InviteClientTransaction(key, req, bytes, deps, tu)
        : new NonInviteClientTransaction(key, req, bytes, deps, tu);
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /** Send an ACK for a 2xx (a transaction of its own, RFC 3261 §17.1.1.3); returns its bytes. */
  sendAck(ack: SipRequest, target: Target): Buffer {
    this.ensureVia(ack, target);
    const bytes = serializeMessage(ack);
    this.transport.send(bytes, target).catch(() => undefined);
    return bytes;
  }

  /** Re-send previously serialized bytes (ACK retransmission for a 2xx retransmission). */
  resend(bytes: Buffer, target: Target): void {
    this.transport.send(bytes, target).catch(() => undefined);
  }

  /** Answer a request statelessly (used for 482, 400 before a transaction exists). */
  respondStateless(req: SipRequest, info: MessageInfo, source: MessageSource, status: number): void {
    const res = errorResponse(req, status, '');
    if (!res) return;
    this.transport
      .send(serializeMessage(res), this.transport.responseTarget(info, source))
      .catch(() => undefined);
  }

  /** Terminate every transaction (stop timers). */
  stop(): void {
    for (const tx of [...this.clients.values()]) tx.terminate();
    for (const tx of [...this.servers.values()]) tx.terminate();
    this.merged.clear();
  }

  private ensureVia(req: SipRequest, target: Target): string {
    const top = req.headers.find((h) => h.name === 'Via');
    if (top) {
      const m = /;\s*branch=([^;,\s]+)/i.exec(top.value);
      return m?.[1] ?? '';
    }
    const branch = generateBranch();
    this.transport.addVia(req, target.protocol, branch);
    return branch;
  }

  private deps(
    target: { protocol: Target['protocol'] },
    send: TransactionDeps['send'],
    forget: () => void,
  ): TransactionDeps {
    return {
      clock: this.clock,
      timers: this.timers,
      reliable: this.transport.isReliable(target.protocol),
      send,
      onTerminated: forget,
    };
  }

  private receiveResponse(res: SipResponse, info: MessageInfo, source: MessageSource): void {
    // RFC 3261 §17.1.3: match on branch + CSeq method.
    const tx = this.clients.get(clientKey(info.branch, info.cseq.method));
    if (tx) tx.receiveResponse(res);
    else this.user?.onStrayResponse(res, info, source);
  }

  private receiveRequest(req: SipRequest, info: MessageInfo, source: MessageSource): void {
    const key = serverKey(req, info);
    const existing = this.servers.get(key);
    if (req.method === 'ACK') {
      // RFC 3261 §17.2.1: ACK for a non-2xx is absorbed; ACK for a 2xx goes to the core.
      if (existing instanceof InviteServerTransaction && existing.receiveAck()) return;
      this.user?.onAck(req, info, source);
      return;
    }
    if (existing) {
      existing.receiveRequest(); // retransmission (RFC 3261 §17.2.1, §17.2.2)
      return;
    }
    // RFC 3261 §8.2.2.2: same From tag, Call-ID and CSeq on another branch -> 482.
    const mk = mergeKey(info);
    if (mk !== undefined && req.method !== 'CANCEL') {
      const other = this.merged.get(mk);
      if (other !== undefined && other !== key && this.servers.has(other)) {
        this.respondStateless(req, info, source, 482);
        return;
      }
    }
    this.createServer(req, info, source, key, mk);
  }

  private createServer(
    req: SipRequest,
    info: MessageInfo,
    source: MessageSource,
    wireKey: string,
    wireMk: string | undefined,
  ): void {
    // Kept as long as the transaction (up to 64*T1): own copies, not slices of the datagram.
    const key = ownString(wireKey);
    const mk = wireMk === undefined ? undefined : ownString(wireMk);
    const target = this.transport.responseTarget(info, source);
    const deps = this.deps(
      target,
      (bytes) => this.transport.send(bytes, target),
      () => {
        this.servers.delete(key);
        if (mk !== undefined && this.merged.get(mk) === key) this.merged.delete(mk);
      },
    );
    if (mk !== undefined && req.method !== 'CANCEL') this.merged.set(mk, key);
    if (req.method === 'INVITE') {
      const tx = new InviteServerTransaction(key, req, deps);
      this.servers.set(key, tx);
      this.user?.onRequest(req, info, tx, source);
      // RFC 3261 §17.2.1: 100 Trying unless the TU answers within tryingDelay (< 200 ms).
      tx.sendTryingAfter(tryingDelay(this.timers), tryingFor(req));
      return;
    }
    const tx = new NonInviteServerTransaction(key, req, deps);
    this.servers.set(key, tx);
    if (req.method === 'CANCEL') {
      // RFC 3261 §9.2: the CANCEL matches the INVITE server transaction with the same key.
      const invite = this.servers.get(serverKey(req, info, 'INVITE'));
      this.user?.onCancel(req, tx, invite instanceof InviteServerTransaction ? invite : undefined);
      return;
    }
    this.user?.onRequest(req, info, tx, source);
  }
}
