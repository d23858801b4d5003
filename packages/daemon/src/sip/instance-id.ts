import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Resolves `sip.instance_id` (RFC 5626 §4.1): `auto` becomes a name-based UUID (RFC 9562
 * version 5 layout over SHA-1) of the host name, so it is stable across restarts of one VM
 * or pod and distinct between replicas; other values pass through (already `urn:`).
 */
export function resolveInstanceId(
  configured: string | undefined,
  host: string = hostname(),
): string | undefined {
  if (configured === undefined) return undefined;
  if (configured !== 'auto') return configured;
  const h = createHash('sha1').update(`voice-assistant:${host}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5
  h[8] = (h[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}
