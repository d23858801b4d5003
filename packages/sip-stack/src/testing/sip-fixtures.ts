/** Raw SIP message builders for tests (plain text with CRLF line ends). */

/** Options of {@link rawRequest}. */
export interface RawRequestOptions {
  readonly method?: string;
  readonly uri?: string;
  readonly branch?: string;
  readonly via?: string;
  readonly callId?: string;
  readonly cseq?: number;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly extra?: readonly string[];
  readonly body?: string;
}

/** A request as a peer at 127.0.0.1:5070 would send it. */
export function rawRequest(o: RawRequestOptions = {}): string {
  const method = o.method ?? 'INVITE';
  const cseqMethod = method === 'ACK' || method === 'CANCEL' ? method : method;
  const body = o.body ?? '';
  const lines = [
    `${method} ${o.uri ?? 'sip:100@127.0.0.1:5060'} SIP/2.0`,
    `Via: ${o.via ?? `SIP/2.0/UDP 127.0.0.1:5070;branch=${o.branch ?? 'z9hG4bK-peer-1'};rport`}`,
    'Max-Forwards: 70',
    `From: <sip:alice@127.0.0.1:5070>;tag=${o.fromTag ?? 'alicetag'}`,
    `To: <sip:100@127.0.0.1>${o.toTag ? `;tag=${o.toTag}` : ''}`,
    `Call-ID: ${o.callId ?? 'call-1@127.0.0.1'}`,
    `CSeq: ${o.cseq ?? 1} ${cseqMethod}`,
    'Contact: <sip:alice@127.0.0.1:5070>',
    ...(o.extra ?? []),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

/** A response to a request we sent, given the request text (copies Via/From/To/Call-ID/CSeq). */
export function rawResponseTo(
  requestText: string,
  status: number,
  o: { toTag?: string; extra?: readonly string[]; reason?: string } = {},
): string {
  const head = requestText.split('\r\n\r\n')[0] ?? '';
  const copied: string[] = [];
  for (const line of head.split('\r\n').slice(1)) {
    const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
    if (name === 'via' || name === 'from' || name === 'call-id' || name === 'cseq') copied.push(line);
    if (name === 'to') copied.push(o.toTag && !/;tag=/.test(line) ? `${line};tag=${o.toTag}` : line);
  }
  return [
    `SIP/2.0 ${status} ${o.reason ?? 'Reason'}`,
    ...copied,
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
