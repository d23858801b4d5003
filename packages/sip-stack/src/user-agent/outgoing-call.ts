/**
 * Placing a call (RFC 3261 §13.2): INVITE, provisional responses, the UAC dialog on
 * 2xx with its ACK (§13.2.2.4), CANCEL on abort (§9.1).
 */
import type { SipHeader, SipRequest, SipResponse } from '../message/types.js';
import { createRequest, generateCallId, generateTag } from '../message/builders.js';
import { parseUri, isSipUri } from '../message/uri.js';
import type { Target, TransportProtocol } from '../transport/transport.js';
import { readMessageInfo } from '../transport/message-info.js';
import type { ClientTransactionUser } from '../transaction/transaction.js';
import type { Dialog } from '../dialog/dialog.js';
import type { DialogHost } from '../dialog/dialog-host.js';
import { createUacDialog } from '../dialog/dialog-factory.js';

/** Options of `UserAgent.invite`. */
export interface InviteOptions {
  /** Our From URI. Default `sip:<contactUser>@<our address>`. */
  readonly from?: string;
  /** To URI. Default the Request-URI. */
  readonly to?: string;
  readonly body: Buffer;
  readonly contentType: string;
  readonly headers?: SipHeader[];
  /** Transport when the URI has no `transport` parameter. Default UDP. */
  readonly transport?: TransportProtocol;
  /** Abort before the answer: CANCEL is sent (RFC 3261 §9.1), the promise rejects. */
  readonly signal?: AbortSignal;
  /** Called for each provisional response (180, 183 with early media SDP, ...). */
  readonly onProgress?: (res: SipResponse) => void;
}

/** The call was not answered: final non-2xx response (or synthetic 408/503). */
export class CallFailedError extends Error {
  override readonly name = 'CallFailedError';
  constructor(readonly response: SipResponse) {
    super(`call failed: ${response.status} ${response.reason}`);
  }
}

/** What placing a call needs from the UA core. */
export interface OutgoingCallHost extends DialogHost {
  addDialog(dialog: Dialog): void;
  resolve(uri: string, preferred?: TransportProtocol): Promise<Target | undefined>;
  sendRequest(req: SipRequest, target: Target, tu: ClientTransactionUser): { readonly request: SipRequest };
}

/** Place a call to `uri`; resolves with the confirmed dialog once the 2xx was ACKed. */
export async function placeCall(host: OutgoingCallHost, uri: string, opts: InviteOptions): Promise<Dialog> {
  const protocol = opts.transport ?? uriProtocol(uri) ?? 'udp';
  const from =
    opts.from ??
    host
      .contact(protocol)
      .slice(1, -1)
      .replace(/;transport=\w+/, '');
  const headers: SipHeader[] = [
    { name: 'From', value: `<${from}>;tag=${generateTag()}` },
    { name: 'To', value: `<${opts.to ?? uri}>` },
    { name: 'Call-ID', value: generateCallId() },
    { name: 'CSeq', value: '1 INVITE' },
    { name: 'Contact', value: host.contact(protocol) },
    ...host.commonHeaders('request'),
    ...(opts.headers ?? []),
  ];
  const invite = createRequest({
    method: 'INVITE',
    uri,
    headers,
    body: opts.body,
    contentType: opts.contentType,
  });
  const target = await host.resolve(uri, opts.transport);
  if (!target)
    throw new CallFailedError({
      kind: 'response',
      version: 'SIP/2.0',
      status: 503,
      reason: 'Unresolvable',
      headers: [],
      body: Buffer.alloc(0),
    });
  return new Promise<Dialog>((resolve, reject) => {
    let dialog: Dialog | undefined;
    let provisional = false;
    let cancelWanted = false;
    let cancelled = false;
    const sendCancel = (): void => {
      if (cancelled) return;
      cancelled = true;
      host.sendRequest(buildCancel(tx.request), target, { onResponse: () => undefined });
    };
    const tu: ClientTransactionUser = {
      onResponse: (res) => {
        if (res.status < 200) {
          provisional = true;
          if (cancelWanted) sendCancel(); // RFC 3261 §9.1: CANCEL only after a provisional
          opts.onProgress?.(res);
          return;
        }
        if (res.status >= 300) return reject(new CallFailedError(res));
        if (dialog) return dialog.resendAck(); // 2xx retransmission (RFC 6026 Accepted)
        const info = readMessageInfo(res);
        dialog = info ? createUacDialog(host, tx.request, res, info, target.protocol) : undefined;
        if (!dialog) return reject(new CallFailedError(res));
        host.addDialog(dialog);
        const d = dialog;
        d.ack2xx(tx.request, res).then(() => {
          if (cancelWanted) {
            void d.bye();
            reject(new CallFailedError(res));
          } else resolve(d);
        }, reject);
      },
    };
    const tx = host.sendRequest(invite, target, tu);
    opts.signal?.addEventListener('abort', () => {
      cancelWanted = true;
      if (provisional) sendCancel();
    });
  });
}

/** The CANCEL for an INVITE (RFC 3261 §9.1): same R-URI, Call-ID, From, To, CSeq number, top Via, Route. */
export function buildCancel(invite: SipRequest): SipRequest {
  const headers: SipHeader[] = [];
  let via = false;
  for (const h of invite.headers) {
    if (h.name === 'Via' && !via) {
      headers.push(h);
      via = true;
    } else if (
      h.name === 'From' ||
      h.name === 'To' ||
      h.name === 'Call-ID' ||
      h.name === 'Route' ||
      h.name === 'Max-Forwards'
    ) {
      headers.push(h);
    } else if (h.name === 'CSeq') {
      headers.push({ name: 'CSeq', value: `${Number.parseInt(h.value, 10)} CANCEL` });
    }
  }
  return {
    kind: 'request',
    method: 'CANCEL',
    uri: invite.uri,
    version: 'SIP/2.0',
    headers,
    body: Buffer.alloc(0),
  };
}

function uriProtocol(uri: string): TransportProtocol | undefined {
  const u = parseUri(uri);
  if (!isSipUri(u)) return undefined;
  const t = u.params.get('transport')?.toLowerCase();
  return t === 'udp' || t === 'tcp' || t === 'tls' ? t : u.scheme === 'sips' ? 'tls' : undefined;
}
