/** The Refer-To header of a REFER (RFC 3515 §2.1), with an optional embedded Replaces (RFC 3891 §6.1). */
import { parseNameAddr } from '../message/name-addr.js';
import type { ReplacesTarget } from '../dialog/replaces.js';
import { formatReplacesForUri } from '../dialog/replaces.js';

/**
 * Build the Refer-To value for `target` (a URI such as `sip:200@pbx`, or a name-addr
 * `"Desk" <sip:200@pbx>`, whose URI is used). Always in angle brackets (RFC 3515 §2.1:
 * required once the URI holds `?` or `;`). With `replaces`, the URI gets the header
 * `Replaces=<escaped value>` (added with `&` when the URI already has headers).
 */
export function formatReferTo(target: string, replaces?: ReplacesTarget): string {
  const trimmed = target.trim();
  const uri = /[<"]/.test(trimmed) ? (parseNameAddr(trimmed)?.uri ?? trimmed) : trimmed;
  if (!replaces) return `<${uri}>`;
  const sep = uri.includes('?') ? '&' : '?';
  return `<${uri}${sep}Replaces=${formatReplacesForUri(replaces)}>`;
}

/** A Referred-By value (RFC 3892 §3): a bare URI is put in angle brackets. */
export function formatReferredBy(referredBy: string): string {
  const v = referredBy.trim();
  return /[<"]/.test(v) ? v : `<${v}>`;
}
