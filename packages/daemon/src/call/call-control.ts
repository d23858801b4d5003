import type { CallControl } from '../apps/assistant.js';
import type { AccountConfig } from '../config/index.js';
import type { Call } from './call.js';
import type { CallHost } from './call-host.js';
import { blindTransfer } from './transfer.js';

/** A bare extension or number becomes `sip:EXT@<account domain>`; sip:, sips: and tel: URIs pass through. */
export function targetUri(account: AccountConfig | undefined, target: string, fallbackHost?: string): string {
  if (/^(sips?|tel):/i.test(target)) return target;
  const host = account?.domain ?? account?.server ?? fallbackHost ?? 'localhost';
  return `sip:${target}@${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}`;
}

/**
 * SIP actions on a call, for the assistant's tools and the HTTP API:
 * - blind transfer (RFC 3515, `transfer.ts`): REFER, then the final NOTIFY decides
 *   whether we leave the call (2xx) or keep it (failure: resolves false);
 * - RFC 4733 digits, one every 250 ms.
 */
export function callControl(host: CallHost, call: Call): CallControl {
  return {
    transfer: (target) => blindTransfer(host, call, target),
    sendDtmf: (digits) => {
      [...digits].forEach((d, i) => setTimeout(() => call.session?.sendDtmf(d), i * 250).unref());
    },
  };
}
