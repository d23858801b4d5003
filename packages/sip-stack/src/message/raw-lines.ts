/**
 * Wire spelling of parsed header lines that a plain `Name: value` would not reproduce
 * (compact names, unusual spacing, folding), so that an unchanged parsed message
 * serializes byte for byte. Internal to `parse.ts` / `serialize.ts`.
 *
 * Keyed by header object identity: a header replaced by a new object (as every edit
 * does) is written in canonical form; a headers array that holds no raw line is never
 * looked up, so well-formed traffic pays nothing.
 */
import type { SipHeader } from './types.js';

/** Raw text (without the final CRLF) of non-canonical header lines. */
export const rawLines = new WeakMap<SipHeader, string>();

/** Header arrays holding at least one entry of {@link rawLines}. */
export const arraysWithRawLines = new WeakSet<readonly SipHeader[]>();
