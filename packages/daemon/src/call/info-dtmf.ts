import type { SipRequest } from '@voice-assistant/sip-stack';

/**
 * The digit of a SIP INFO DTMF (`application/dtmf-relay`: `Signal=5`, or `application/dtmf`:
 * `5`), as Cisco/Asterisk/3CX send them when RFC 4733 is not negotiated.
 */
export function infoDigit(req: SipRequest): string | undefined {
  const ctype = (req.headers.find((h) => h.name === 'Content-Type')?.value ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  const body = req.body.toString('utf8');
  let signal: string | undefined;
  if (ctype === 'application/dtmf-relay') signal = /^\s*Signal\s*=\s*(\S+)/im.exec(body)?.[1];
  else if (ctype === 'application/dtmf') signal = body.trim();
  if (signal === undefined) return undefined;
  if (signal === '10') return '*';
  if (signal === '11') return '#';
  return /^[0-9*#A-Da-d]$/.test(signal) ? signal.toUpperCase() : undefined;
}
