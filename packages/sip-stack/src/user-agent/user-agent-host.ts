/**
 * The services the UA core gives its dialogs, calls, registrations and outgoing calls
 * (delegate interfaces, ARCHITECTURE.md habit 9), kept off the public UserAgent API.
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { generateBranch, generateTag } from '../message/builders.js';
import { isSipUri, parseUri } from '../message/uri.js';
import { serializeMessage } from '../message/serialize.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { TransportLayer } from '../transport/transport-layer.js';
import { formatSentBy } from '../transport/transport-layer.js';
import type { Endpoint, Target, TransportProtocol } from '../transport/transport.js';
import { isWebSocketProtocol } from '../transport/transport.js';
import { resolveTarget, uriTransport } from '../transport/resolve-target.js';
import { locateTargets } from '../transport/locate.js';
import { StreamTransport } from '../transport/stream-transport.js';
import type { TransactionLayer } from '../transaction/transaction-layer.js';
import type { ClientTransactionUser, SyntheticCause } from '../transaction/transaction.js';
import { isSynthetic, syntheticResponse } from '../transaction/synthetic-response.js';
import type { Dialog } from '../dialog/dialog.js';
import type { FlowListeners, RegistrationHost, SendOptions } from '../registration/registration.js';
import type { CallHost, IncomingCall } from './incoming-call.js';
import type { OutgoingCallHost } from './outgoing-call.js';
import type { ResolvedUserAgentOptions } from './options.js';
import { uasSupported } from './reliable-provisionals.js';

/** The preloaded route set of a registered AOR (RFC 3261 §8.1.2, RFC 3608 §6). */
interface AorRoute {
  readonly routes: readonly string[];
  /** The registration's flow (where its REGISTER got its 2xx). */
  readonly flow: Target | undefined;
  /** Where the first route resolved to (the flow when it is one of its targets). */
  firstHop: Target | undefined;
}

/** RFC 3261 §18.1.1: requests within this many bytes of the path MTU go over TCP. */
const MTU_MARGIN_BYTES = 200;

/** Implements every host interface over the UA's layers and tables. */
export class UserAgentHost implements CallHost, RegistrationHost, OutgoingCallHost {
  /** Live dialogs by id. */
  readonly dialogs = new Map<string, Dialog>();
  /** Unanswered incoming calls by INVITE server transaction key. */
  readonly calls = new Map<string, IncomingCall>();
  private readonly requestHeaders: readonly SipHeader[];
  private readonly responseHeaders: readonly SipHeader[];
  /** Preloaded route sets of registered AORs, by {@link aorKey}. */
  private readonly aorRoutes = new Map<string, AorRoute>();
  /**
   * Where an INVITE went when it did not go to its given target (preloaded route, UDP ->
   * TCP), by Via branch: its CANCEL must follow it (RFC 3261 §9.1). Kept until its final response.
   */
  private readonly redirected = new Map<string, Target>();
  private readonly stunWatchers = new Set<{
    readonly remote: Endpoint;
    readonly fn: (data: Buffer) => void;
  }>();

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

  /**
   * See the host interfaces. An out-of-dialog INVITE from a registered AOR with a preloaded
   * route set gets its Route headers and goes to the first route (RFC 3261 §8.1.2, RFC 3608
   * §6); a large request over UDP goes over TCP (RFC 3261 §18.1.1); its CANCEL follows it.
   */
  sendRequest(req: SipRequest, target: Target, tu: ClientTransactionUser): { readonly request: SipRequest } {
    if (req.method === 'CANCEL') {
      const to = this.redirected.get(topBranch(req) ?? '');
      return this.transactions.sendRequest(req, to ?? target, tu);
    }
    const routed = this.applyRoutes(req);
    let dest = routed ? (routed.firstHop ?? routed.flow ?? target) : target;
    const viaTcp = this.overTcp(req, dest);
    if (viaTcp) dest = viaTcp;
    if (dest === target || req.method !== 'INVITE') {
      if (!viaTcp) return this.transactions.sendRequest(req, dest, tu);
    }
    let current: { readonly request: SipRequest };
    const hadVia = hasVia(req);
    const fallback = viaTcp ? { ...dest, protocol: 'udp' as const } : undefined;
    const forget = (): void => {
      const b = topBranch(current.request);
      if (b) this.redirected.delete(b);
    };
    const wrapped: ClientTransactionUser = {
      onResponse: (res, synthetic?: SyntheticCause) => {
        if (res.status >= 200) forget();
        // RFC 3261 §18.1.1: TCP chosen for size could not connect: the request goes over UDP.
        if (synthetic === 'transport' && fallback && current.request === first.request) {
          const copy = withoutOurVia(req, hadVia);
          current = this.transactions.sendRequest(copy, fallback, wrapped);
          const b = topBranch(current.request);
          if (b && req.method === 'INVITE') this.redirected.set(b, fallback);
          return;
        }
        tu.onResponse(res, synthetic);
      },
    };
    const first = this.transactions.sendRequest(req, dest, wrapped);
    current = first;
    const b = topBranch(first.request);
    if (b && req.method === 'INVITE') this.redirected.set(b, dest);
    return {
      get request(): SipRequest {
        return current.request;
      },
    };
  }

  /**
   * See the host interfaces. RFC 3263 §4.3: the request goes to each target of the next hop
   * in turn (a new transaction and branch each time) while the answer is a timeout, a
   * transport error or a 503; `opts.flow` names the target to try first and learns the one
   * that answered. Out-of-dialog requests of a registered AOR follow its preloaded route set.
   */
  async send(
    req: SipRequest,
    nextHopUri: string,
    preferred?: TransportProtocol,
    opts: SendOptions = {},
  ): Promise<SipResponse> {
    const routed = req.method === 'REGISTER' ? undefined : this.applyRoutes(req);
    const hop = routed ? routeUri(routed.routes[0]!) : nextHopUri;
    const uri = parseUri(hop);
    if (!isSipUri(uri)) return syntheticResponse(req, 416, 'Unsupported URI Scheme');
    let targets = await locateTargets(uri, preferred, this.o.resolver, {
      transports: this.transportsFor(uri, preferred),
    });
    const sticky = opts.flow?.target ?? routed?.flow;
    if (sticky && (opts.flow?.target || targets.some((t) => sameTarget(t, sticky))))
      targets = [sticky, ...targets.filter((t) => !sameTarget(t, sticky))];
    if (targets.length === 0) {
      if (opts.flow) opts.flow.target = undefined;
      return syntheticResponse(req, 503, 'Service Unavailable');
    }
    const hadVia = hasVia(req);
    let res: SipResponse | undefined;
    for (const [i, target] of targets.entries()) {
      res = await this.sendOnce(i === 0 ? req : withoutOurVia(req, hadVia), target, hadVia);
      // RFC 3263 §4.3: only a timeout, a transport error or a 503 moves on to the next target.
      const failed = res.status === 503 || (res.status === 408 && isSynthetic(res));
      if (!failed) {
        if (opts.flow) opts.flow.target = target;
        return res;
      }
    }
    if (opts.flow) opts.flow.target = undefined;
    return res!;
  }

  /** See the host interfaces: one transaction to exactly `target`. */
  sendTo(req: SipRequest, target: Target): Promise<SipResponse> {
    return this.sendOnce(req, target, hasVia(req));
  }

  /** See the host interfaces. */
  sendBytes(bytes: Buffer, target: Target): Promise<void> {
    return this.transportLayer.send(bytes, target);
  }

  /** See the host interfaces: CRLF pongs on TCP/TLS (RFC 5626 §4.4.1), STUN from the flow's remote. */
  watchFlow(target: Target, listeners: FlowListeners): () => void {
    const removers: Array<() => void> = [];
    const t = this.transportLayer.transportForTarget(target);
    const pong = listeners.pong;
    if (pong && t instanceof StreamTransport) removers.push(t.onPong(target, pong));
    const stun = listeners.stun;
    if (stun) {
      const w = { remote: { address: target.address, port: target.port }, fn: stun };
      this.stunWatchers.add(w);
      removers.push(() => this.stunWatchers.delete(w));
    }
    return () => {
      for (const r of removers) r();
    };
  }

  /**
   * A STUN message received on a SIP socket from `from` (RFC 5626 §4.4.2 keep-alive
   * answers): handed to the flows watching that remote. Returns true when one did.
   */
  receiveStun(data: Buffer, from: Endpoint): boolean {
    let taken = false;
    for (const w of [...this.stunWatchers]) {
      if (w.remote.address !== from.address || w.remote.port !== from.port) continue;
      taken = true;
      try {
        w.fn(data);
      } catch (err) {
        this.o.logger.warn({ err }, 'STUN keep-alive listener threw');
      }
    }
    return taken;
  }

  /** See the host interfaces. */
  closeFlow(target: Target): void {
    const t = this.transportLayer.transportForTarget(target);
    if (t instanceof StreamTransport) t.closeConnection(target);
  }

  /** See the host interfaces. */
  setAorRoutes(aor: string, routes: readonly string[] | undefined, flow: Target | undefined): void {
    const key = aorKey(aor);
    if (key === undefined) return;
    if (!routes || routes.length === 0) {
      this.aorRoutes.delete(key);
      return;
    }
    const entry: AorRoute = { routes: [...routes], flow, firstHop: undefined };
    this.aorRoutes.set(key, entry);
    const first = parseUri(routeUri(routes[0]!));
    if (!isSipUri(first)) return;
    // Resolved once here so that sendRequest (synchronous) knows where the first route is.
    void locateTargets(first, flow?.protocol, this.o.resolver, {
      transports: this.transportsFor(first, flow?.protocol),
    }).then((targets) => {
      entry.firstHop = (flow && targets.find((t) => sameTarget(t, flow))) ?? targets[0];
    });
  }

  /**
   * RFC 3261 §8.1.2 / RFC 3608 §6: an out-of-dialog request (no To tag) whose From is a
   * registered AOR with a route set gets that set as Route headers (unless it has Route
   * headers already). Returns the route entry, or undefined when none applies.
   */
  private applyRoutes(req: SipRequest): AorRoute | undefined {
    if (this.aorRoutes.size === 0 || req.method === 'ACK' || req.method === 'CANCEL') return undefined;
    const to = req.headers.find((h) => h.name.toLowerCase() === 'to')?.value ?? '';
    if (/;\s*tag=/i.test(to)) return undefined;
    const from = req.headers.find((h) => h.name.toLowerCase() === 'from')?.value;
    const fromUri = from === undefined ? undefined : parseNameAddr(from)?.uri;
    const key = fromUri === undefined ? undefined : aorKey(fromUri);
    const entry = key === undefined ? undefined : this.aorRoutes.get(key);
    if (!entry) return undefined;
    if (!req.headers.some((h) => h.name.toLowerCase() === 'route')) {
      const at = req.headers.findIndex((h) => h.name === 'Max-Forwards');
      req.headers.splice(at + 1, 0, ...entry.routes.map((value) => ({ name: 'Route', value })));
    }
    return entry;
  }

  /** Transports to consider for `uri`: the URI's or the preferred one, else every configured UDP/TCP/TLS. */
  private transportsFor(
    uri: Parameters<typeof uriTransport>[0],
    preferred?: TransportProtocol,
  ): TransportProtocol[] {
    if (preferred || uri.params.has('transport') || uri.scheme === 'sips')
      return [uriTransport(uri, preferred)];
    const own = this.transportLayer.transports
      .map((t) => t.protocol)
      .filter((p) => p === 'udp' || p === 'tcp' || p === 'tls');
    const list = [...new Set(own)];
    return list.length > 0 ? list : ['udp'];
  }

  /**
   * RFC 3261 §18.1.1: a request over UDP within 200 bytes of the path MTU (1300 bytes at the
   * default 1500) goes over TCP to the same address and port when a TCP transport exists
   * (its top Via then says TCP). Returns that TCP target, or undefined.
   */
  private overTcp(req: SipRequest, target: Target): Target | undefined {
    if (target.protocol !== 'udp' || !this.transportLayer.transportFor('tcp')) return undefined;
    const sb = this.transportLayer.localSentBy('udp');
    const via = hasVia(req)
      ? 0
      : Buffer.byteLength(
          `Via: SIP/2.0/UDP ${sb ? formatSentBy(sb) : ''};branch=${generateBranch()};rport\r\n`,
        );
    const size = serializeMessage(req).length + via;
    return size > this.o.pathMtu - MTU_MARGIN_BYTES ? { ...target, protocol: 'tcp' } : undefined;
  }

  /** One transaction to `target` (over TCP when large, falling back to UDP, §18.1.1). */
  private async sendOnce(req: SipRequest, target: Target, hadVia: boolean): Promise<SipResponse> {
    const tcp = this.overTcp(req, target);
    if (!tcp) return this.transact(req, target);
    const res = await this.transact(req, tcp);
    // RFC 3261 §18.1.1: "if the attempt to establish the connection generates either an
    // ICMP Protocol Not Supported, or results in a TCP reset, the element SHOULD retry the
    // request, using UDP".
    if (!(res.status === 503 && isSynthetic(res))) return res;
    return this.transact(withoutOurVia(req, hadVia), target);
  }

  private transact(req: SipRequest, target: Target): Promise<SipResponse> {
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

/** A copy of `req` without the top Via the transaction layer added (unless it came with one). */
function withoutOurVia(req: SipRequest, hadVia: boolean): SipRequest {
  const headers = [...req.headers];
  if (!hadVia) {
    const at = headers.findIndex((h) => h.name === 'Via');
    if (at >= 0) headers.splice(at, 1);
  }
  return { ...req, headers };
}

function hasVia(req: SipRequest): boolean {
  return req.headers.some((h) => h.name === 'Via');
}

/** The branch of the top Via. */
function topBranch(req: SipRequest): string | undefined {
  const top = req.headers.find((h) => h.name === 'Via');
  return top ? /;\s*branch=([^;,\s]+)/i.exec(top.value)?.[1] : undefined;
}

function sameTarget(a: Target, b: Target): boolean {
  return a.protocol === b.protocol && a.address === b.address && a.port === b.port;
}

/** URI text inside `<...>` of a Route value. */
function routeUri(route: string): string {
  const lt = route.indexOf('<');
  const gt = route.lastIndexOf('>');
  return lt >= 0 && gt > lt ? route.slice(lt + 1, gt) : route;
}

/** `scheme:user@host` (host lower-cased) of a SIP URI, to match a From against a registered AOR. */
function aorKey(uriText: string): string | undefined {
  const u = parseUri(uriText);
  if (!isSipUri(u)) return undefined;
  return `${u.scheme}:${u.user ?? ''}@${u.host.toLowerCase()}`;
}
