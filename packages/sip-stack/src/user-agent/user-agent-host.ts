/**
 * The services the UA core gives its dialogs, calls, registrations and outgoing calls
 * (delegate interfaces, ARCHITECTURE.md habit 9), kept off the public UserAgent API.
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { generateTag } from '../message/builders.js';
import { isSipUri, parseUri } from '../message/uri.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import { formatSentBy } from '../transport/transport-layer.js';
import type { Target, TransportProtocol } from '../transport/transport.js';
import { isWebSocketProtocol } from '../transport/transport.js';
import { resolveTarget } from '../transport/resolve-target.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser } from '../transaction/transaction.js';
import { syntheticResponse } from '../transaction/synthetic-response.js';
import type { Dialog } from '../dialog/dialog.js';
import type { RegistrationHost } from '../registration/registration.js';
import type { CallHost, IncomingCall } from './incoming-call.js';
import type { OutgoingCallHost } from './outgoing-call.js';
import type { ResolvedUserAgentOptions } from './options.js';
import { uasSupported } from './reliable-provisionals.js';

/** Implements every host interface over the UA's layers and tables. */
export class UserAgentHost implements CallHost, RegistrationHost, OutgoingCallHost {
  /** Live dialogs by id. */
  readonly dialogs = new Map<string, Dialog>();
  /** Unanswered incoming calls by INVITE server transaction key. */
  readonly calls = new Map<string, IncomingCall>();
  private readonly requestHeaders: readonly SipHeader[];
  private readonly responseHeaders: readonly SipHeader[];

  constructor(
    private readonly o: ResolvedUserAgentOptions,
    private readonly transportLayer: TransportLayer,
    private readonly transactions: TransactionLayer,
  ) {
    const common: SipHeader[] = [];
    if (o.supported.length > 0) common.push({ name: 'Supported', value: o.supported.join(', ') });
    // RFC 3262 §3: as a UAS we do 100rel, so responses advertise it; our requests do not
    // (the UAC side sends no PRACK).
    const uas = uasSupported(o.supported);
    const responseCommon: SipHeader[] = [{ name: 'Supported', value: uas.join(', ') }];
    this.requestHeaders = o.userAgent ? [{ name: 'User-Agent', value: o.userAgent }, ...common] : common;
    this.responseHeaders = o.userAgent
      ? [{ name: 'Server', value: o.userAgent }, ...responseCommon]
      : responseCommon;
  }

  get clock(): ResolvedUserAgentOptions['clock'] {
    return this.o.clock;
  }

  get timers(): ResolvedUserAgentOptions['timers'] {
    return this.o.timers;
  }

  /** RFC 4028 configuration for dialogs and calls; undefined when session timers are off. */
  get sessionTimers(): ResolvedUserAgentOptions['sessionTimers'] | undefined {
    return this.o.sessionTimers.enabled ? this.o.sessionTimers : undefined;
  }

  /** See the host interfaces. */
  async resolve(uri: string, preferred?: TransportProtocol): Promise<Target | undefined> {
    const parsed = parseUri(uri);
    if (!isSipUri(parsed)) return undefined;
    try {
      return await resolveTarget(parsed, preferred, this.o.resolver);
    } catch {
      return undefined;
    }
  }

  /** See the host interfaces. */
  sendRequest(req: SipRequest, target: Target, tu: ClientTransactionUser): { readonly request: SipRequest } {
    return this.transactions.sendRequest(req, target, tu);
  }

  /** See the host interfaces. */
  async send(req: SipRequest, nextHopUri: string, preferred?: TransportProtocol): Promise<SipResponse> {
    const uri = parseUri(nextHopUri);
    if (!isSipUri(uri)) return syntheticResponse(req, 416, 'Unsupported URI Scheme');
    let target;
    try {
      target = await resolveTarget(uri, preferred, this.o.resolver);
    } catch {
      return syntheticResponse(req, 503, 'Service Unavailable');
    }
    return new Promise((resolve) => {
      this.transactions.sendRequest(req, target, {
        onResponse: (res) => {
          if (res.status >= 200) resolve(res);
        },
      });
    });
  }

  /** See the host interfaces. */
  async sendAck(ack: SipRequest, nextHopUri: string, preferred?: TransportProtocol): Promise<() => void> {
    const uri = parseUri(nextHopUri);
    if (!isSipUri(uri)) return () => undefined;
    try {
      const target = await resolveTarget(uri, preferred, this.o.resolver);
      const bytes = this.transactions.sendAck(ack, target);
      return () => this.transactions.resend(bytes, target);
    } catch {
      return () => undefined;
    }
  }

  /**
   * Our Contact for `protocol`, e.g. `<sip:voice-assistant@192.0.2.1:5060;transport=tcp>`;
   * over WebSocket `<sip:100@x7k2.invalid;transport=ws>` (RFC 7118 §5: no port, and the one
   * URI transport `ws` for WS and WSS alike).
   */
  contact(protocol: string, user?: string): string {
    user ||= this.o.contactUser;
    const p = protocol as TransportProtocol;
    const sb = this.transportLayer.localSentBy(p) ?? { host: '127.0.0.1', port: 5060 };
    const transport = p === 'udp' ? '' : `;transport=${isWebSocketProtocol(p) ? 'ws' : p}`;
    return `<sip:${user}@${formatSentBy(sb)}${transport}>`;
  }

  /** See the host interfaces. */
  commonHeaders(kind: 'request' | 'response'): readonly SipHeader[] {
    return kind === 'request' ? this.requestHeaders : this.responseHeaders;
  }

  /** See the host interfaces. */
  forget(id: string): void {
    this.dialogs.delete(id);
  }

  /** See the host interfaces. */
  addDialog(dialog: Dialog): void {
    this.dialogs.set(dialog.id, dialog);
  }

  /** See the host interfaces. */
  callEnded(call: IncomingCall): void {
    this.calls.delete(call.transaction.key);
  }

  /** A new tag for From headers we originate. */
  newTag(): string {
    return generateTag();
  }
}
