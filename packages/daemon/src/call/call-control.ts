import type { CallControl } from '../apps/assistant.js';
import type { AccountConfig } from '../config/index.js';
import type { Call } from './call.js';

/** A bare extension or number becomes `sip:EXT@<account domain>`; sip:, sips: and tel: URIs pass through. */
export function targetUri(account: AccountConfig | undefined, target: string, fallbackHost?: string): string {
  if (/^(sips?|tel):/i.test(target)) return target;
  const host = account?.domain ?? account?.server ?? fallbackHost ?? 'localhost';
  return `sip:${target}@${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}`;
}

/**
 * SIP actions on a call, for the assistant's tools and the HTTP API:
 * - blind transfer (RFC 3515 §2.4.1): REFER with Refer-To and Referred-By; on a 2xx the
 *   transferee calls the target and we leave the call (NOTIFY progress is not awaited);
 * - RFC 4733 digits, one every 250 ms.
 */
export function callControl(
  call: Call,
  account: () => AccountConfig | undefined,
  leave: () => Promise<void>,
): CallControl {
  return {
    transfer: async (target) => {
      const dialog = call.dialog;
      if (!dialog || dialog.state !== 'confirmed') return false;
      const ours = call.parties.direction === 'inbound' ? call.parties.to : call.parties.from;
      const uri = targetUri(account(), target, /@([^;>]+)/.exec(ours)?.[1]);
      const res = await dialog.request('REFER', {
        headers: [
          { name: 'Refer-To', value: `<${uri}>` },
          { name: 'Referred-By', value: `<${ours}>` },
        ],
      });
      const ok = res.status >= 200 && res.status < 300;
      call.log.info({ status: res.status, target: uri }, ok ? 'transfer accepted' : 'transfer refused');
      if (ok) await leave();
      return ok;
    },
    sendDtmf: (digits) => {
      [...digits].forEach((d, i) => setTimeout(() => call.session?.sendDtmf(d), i * 250).unref());
    },
  };
}
