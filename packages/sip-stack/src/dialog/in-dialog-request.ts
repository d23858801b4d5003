/** Building requests inside a dialog (RFC 3261 §12.2.1.1) and the ACK for a 2xx (§13.2.2.4). */
import type { SipHeader, SipRequest } from '../message/types.js';
import { createRequest } from '../message/builders.js';
import { routeInDialog } from './route-set.js';

/** The dialog fields a request is built from. */
export interface DialogRequestState {
  readonly callId: string;
  /** Our From value, including `;tag=`. */
  readonly localUri: string;
  /** Their To value, including `;tag=`. */
  readonly remoteUri: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
}

/** Options of an in-dialog request. */
export interface InDialogRequestOptions {
  readonly body?: Buffer | undefined;
  readonly contentType?: string | undefined;
  /** Extra headers (Contact for target refreshes, User-Agent, ...). */
  readonly headers?: readonly SipHeader[] | undefined;
}

/**
 * A request inside the dialog: To = remote URI with tag, From = local URI with tag,
 * Call-ID, CSeq `seq method`, Request-URI and Route per the route set (§12.2.1.1).
 * Returns the request and the URI of the next hop to resolve.
 */
export function buildInDialogRequest(
  d: DialogRequestState,
  method: string,
  seq: number,
  opts: InDialogRequestOptions = {},
): { request: SipRequest; nextHopUri: string } {
  const routed = routeInDialog(d.remoteTarget, d.routeSet);
  const headers: SipHeader[] = [];
  for (const r of routed.routes) headers.push({ name: 'Route', value: r });
  headers.push(
    { name: 'From', value: d.localUri },
    { name: 'To', value: d.remoteUri },
    { name: 'Call-ID', value: d.callId },
    { name: 'CSeq', value: `${seq} ${method}` },
  );
  if (opts.headers) headers.push(...opts.headers);
  const request = createRequest({
    method,
    uri: routed.requestUri,
    headers,
    body: opts.body,
    contentType: opts.contentType,
  });
  return { request, nextHopUri: routed.nextHopUri };
}
