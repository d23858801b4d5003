/**
 * Matching an INVITE's Replaces header against our dialogs (RFC 3891 §3). Pure: the UA
 * core supplies the lookups and answers the INVITE with the verdict.
 */
import type { SipRequest } from '../message/types.js';
import { getHeaders } from '../message/headers.js';
import type { Dialog } from '../dialog/dialog.js';
import { dialogId } from '../dialog/dialog-id.js';
import { parseReplaces } from '../dialog/replaces.js';

/** What the UA core knows about dialogs, for {@link matchReplaces}. */
export interface ReplacesLookup {
  /** A live dialog by id (`dialogId(callId, localTag, remoteTag)`). */
  live(id: string): Dialog | undefined;
  /** True when a dialog with this id ended recently. */
  ended(id: string): boolean;
}

/** The outcome: no Replaces header, the dialog to replace, or the response to send. */
export type ReplacesVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'match'; readonly dialog: Dialog }
  | { readonly kind: 'reject'; readonly status: number; readonly reason: string };

/**
 * RFC 3891 §3, for a dialog-creating INVITE: several or malformed Replaces -> 400; the
 * header's `to-tag` is OUR local tag and its `from-tag` our remote tag (the tags as the
 * recipient sees them, §3/§6.1). No such dialog -> 481 (also for an early dialog we did
 * not initiate, i.e. an unanswered incoming call, which is never in the dialog table, and
 * for early dialogs of our own INVITEs, which this stack does not track before the 2xx);
 * a dialog that already ended -> 603; `early-only` with a confirmed dialog -> 486;
 * otherwise the dialog to replace (the TU answers the new INVITE and BYEs the old one).
 */
export function matchReplaces(invite: SipRequest, lookup: ReplacesLookup): ReplacesVerdict {
  const values = getHeaders(invite, 'Replaces');
  if (values.length === 0) return { kind: 'none' };
  const replaces = values.length === 1 ? parseReplaces(values[0]) : undefined;
  if (!replaces) return { kind: 'reject', status: 400, reason: 'Bad Replaces Header' };
  const id = dialogId(replaces.callId, replaces.toTag, replaces.fromTag);
  const dialog = lookup.live(id);
  if (!dialog || dialog.state === 'terminated') {
    if (dialog || lookup.ended(id)) return { kind: 'reject', status: 603, reason: 'Declined' };
    return { kind: 'reject', status: 481, reason: 'Call/Transaction Does Not Exist' };
  }
  if (dialog.state === 'confirmed' && replaces.earlyOnly) {
    return { kind: 'reject', status: 486, reason: 'Busy Here' };
  }
  if (dialog.state === 'early' && dialog.role === 'uas') {
    return { kind: 'reject', status: 481, reason: 'Call/Transaction Does Not Exist' };
  }
  return { kind: 'match', dialog };
}
