/**
 * The `Replaces` header (RFC 3891 §6.1): `callid *(SEMI replaces-param)` with
 * `to-tag`, `from-tag` and the `early-only` flag. Pure functions; never throws.
 *
 * Whose tags go where (RFC 3891 §3, §6.1): the tags are named as the party that RECEIVES
 * the INVITE with Replaces sees them. `to-tag` is that party's local tag and `from-tag`
 * its remote tag. In an attended transfer the transferor (who holds the dialog to be
 * replaced with the transfer target and sends the REFER) therefore writes
 * `to-tag` = its REMOTE tag of that dialog (the target's tag) and `from-tag` = its LOCAL
 * tag of that dialog: the target, receiving the INVITE, sees exactly the reverse.
 */
import { parseParams, unquote } from '../message/params.js';
import { percentEncode } from '../message/uri.js';

/** A dialog named by a Replaces header. Tags as the recipient of the INVITE sees them. */
export interface ReplacesHeader {
  readonly callId: string;
  /** The recipient's local tag (RFC 3891 §3). */
  readonly toTag: string;
  /** The recipient's remote tag (RFC 3891 §3). */
  readonly fromTag: string;
  /** `early-only`: replace only an early dialog (RFC 3891 §3: a confirmed one -> 486). */
  readonly earlyOnly: boolean;
}

/** The tags of the dialog to replace, as the REFER sender (transferor) sees that dialog. */
export interface ReplacesTarget {
  readonly callId: string;
  /** The transferor's local tag of the dialog to replace. */
  readonly localTag: string;
  /** The transferor's remote tag of the dialog to replace. */
  readonly remoteTag: string;
}

/**
 * Parse a Replaces value; undefined when the Call-ID, `to-tag` or `from-tag` is missing or
 * malformed (the UAS then answers 400, RFC 3891 §3).
 */
export function parseReplaces(value: string | undefined): ReplacesHeader | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  const callId = (semi < 0 ? value : value.slice(0, semi)).trim();
  if (callId === '' || /[\s,"]/.test(callId) || semi < 0) return undefined;
  const params = parseParams(value.slice(semi));
  const toTag = params.get('to-tag');
  const fromTag = params.get('from-tag');
  if (toTag === undefined || toTag === null || fromTag === undefined || fromTag === null) return undefined;
  const to = unquote(toTag);
  const from = unquote(fromTag);
  if (to === '' || from === '') return undefined;
  return { callId, toTag: to, fromTag: from, earlyOnly: params.has('early-only') };
}

/**
 * RFC 3261 §25.1 `hvalue`: unreserved and hnv-unreserved characters stay, everything else is
 * %-escaped (so `;` -> %3B, `=` -> %3D, `@` -> %40).
 */
const HVALUE_SAFE = "-_.!~*'()[]/?:+$";

/**
 * The Replaces value for a REFER's Refer-To URI header (RFC 3891 §6.1, RFC 3515 §2.1),
 * %-escaped as a URI header value: `callid%3Bto-tag%3D<remoteTag>%3Bfrom-tag%3D<localTag>`.
 * `to-tag` is the transferor's remote tag and `from-tag` its local tag (see the module doc).
 */
export function formatReplacesForUri(d: ReplacesTarget): string {
  return percentEncode(formatReplaces(d), HVALUE_SAFE);
}

/**
 * The Replaces header value of the INVITE that replaces dialog `d` (RFC 3891 §6.1):
 * `callid;to-tag=<remoteTag>;from-tag=<localTag>`, with `d` as the REFER sender (the
 * transferor) sees it, i.e. as `IncomingRefer.replaces` gives it to the transferee.
 */
export function formatReplaces(d: ReplacesTarget): string {
  return `${d.callId};to-tag=${d.remoteTag};from-tag=${d.localTag}`;
}
