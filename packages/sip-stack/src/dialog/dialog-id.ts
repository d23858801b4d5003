/** Dialog identifiers (RFC 3261 §12): Call-ID, local tag, remote tag. */

/** The key of a dialog in the dialog table. */
export function dialogId(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}
