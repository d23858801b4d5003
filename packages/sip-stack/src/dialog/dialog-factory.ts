/** Creating dialogs from the dialog-forming INVITE and its response (RFC 3261 §12.1). */
import type { SipRequest, SipResponse } from '../message/types.js';
import { getHeader } from '../message/headers.js';
import { parseNameAddr } from '../message/name-addr.js';
import type { MessageInfo } from '../transport/message-info.js';
import type { TransportProtocol } from '../transport/transport.js';
import type { DialogHost } from './dialog-host.js';
import { Dialog } from './dialog.js';
import { routeSetFrom } from './route-set.js';

function contactUri(msg: SipRequest | SipResponse): string | undefined {
  const value = getHeader(msg, 'Contact');
  return value === undefined ? undefined : parseNameAddr(value)?.uri;
}

function withTag(value: string, tag: string): string {
  return /;\s*tag=/i.test(value) ? value : `${value};tag=${tag}`;
}

/**
 * The UAS side (RFC 3261 §12.1.1): route set = Record-Route in order, remote target =
 * the INVITE's Contact, remote CSeq = the INVITE's, local CSeq chosen freely.
 * Undefined when the INVITE lacks a usable Contact (the core answers 400).
 */
export function createUasDialog(
  host: DialogHost,
  invite: SipRequest,
  info: MessageInfo,
  localTag: string,
  protocol: TransportProtocol,
  localContact: string,
): Dialog | undefined {
  const remoteTarget = contactUri(invite);
  const from = getHeader(invite, 'From');
  const to = getHeader(invite, 'To');
  if (remoteTarget === undefined || from === undefined || to === undefined) return undefined;
  return new Dialog(host, {
    role: 'uas',
    callId: info.callId,
    localTag,
    remoteTag: info.fromTag ?? '',
    localUri: withTag(to, localTag),
    remoteUri: from,
    remoteTarget,
    routeSet: routeSetFrom(invite, false),
    localSeq: 1 + Math.floor(Math.random() * 10_000),
    remoteSeq: info.cseq.seq,
    protocol,
    state: 'early',
    localContact,
  });
}

/**
 * The UAC side (RFC 3261 §12.1.2): route set = Record-Route of the response reversed,
 * remote target = the response's Contact, local CSeq = the INVITE's, remote CSeq empty.
 */
export function createUacDialog(
  host: DialogHost,
  invite: SipRequest,
  res: SipResponse,
  info: MessageInfo,
  protocol: TransportProtocol,
  localContact: string,
): Dialog | undefined {
  const remoteTarget = contactUri(res);
  const from = getHeader(invite, 'From');
  const to = getHeader(res, 'To');
  if (remoteTarget === undefined || from === undefined || to === undefined || info.toTag === undefined) {
    return undefined;
  }
  return new Dialog(host, {
    role: 'uac',
    callId: info.callId,
    localTag: info.fromTag ?? '',
    remoteTag: info.toTag,
    localUri: from,
    remoteUri: to,
    remoteTarget,
    routeSet: routeSetFrom(res, true),
    localSeq: info.cseq.seq,
    remoteSeq: undefined,
    protocol,
    state: res.status < 200 ? 'early' : 'confirmed',
    localContact,
  });
}
