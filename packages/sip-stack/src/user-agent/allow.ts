/**
 * The Allow header values we send (RFC 3261 §20.5): the core's methods (`core-checks.ts`)
 * plus REFER, which a dialog answers (RFC 3515 §2.4.2, `refer/refer-notifier.ts`). A
 * method is added only when the core's list does not name it already.
 */
import { ALLOW_VALUE, ALLOW_WITH_MESSAGE } from './core-checks.js';

/** `allow` (a comma-separated method list) with `method` appended unless listed. */
export function withMethod(allow: string, method: string): string {
  const listed = allow.split(',').some((m) => m.trim().toUpperCase() === method);
  return listed ? allow : `${allow}, ${method}`;
}

/** Allow without MESSAGE (the application does not take MESSAGE). */
export const ALLOW = withMethod(ALLOW_VALUE, 'REFER');

/** Allow when the application takes MESSAGE. */
export const ALLOW_MESSAGE = withMethod(ALLOW_WITH_MESSAGE, 'REFER');
