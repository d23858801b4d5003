/**
 * `sip.stun_server` and `sip.turn_server` (with its credentials): the servers candidate
 * gathering uses for DTLS-SRTP calls (RFC 8445 §5.1.1) and STUN public-address discovery.
 * Checked with the very parsers rtp gathers with, so what passes here is usable at call time.
 */
import { parseIceServerUri, parseTurnsUri } from '@voice-assistant/rtp';
import type { Raw, Reader } from './reader.js';
import type { SipConfig } from './schema.js';

/** `stun:host[:port]` (RFC 7064 §3.1; default port 3478). */
export function isStunUri(v: string): boolean {
  return /^stun:[^?]+$/i.test(v) && parseIceServerUri(v, 'stun')?.scheme === 'stun';
}

/**
 * `turn:host[:port][?transport=udp]` (RFC 7065 §3.1, TURN over UDP, default port 3478) or
 * `turns:host[:port][?transport=tcp]` (TURN over TLS, RFC 8656 §3.1, default port 5349).
 */
export function isTurnUri(v: string): boolean {
  if (/^turns:/i.test(v)) return parseTurnsUri(v) !== undefined;
  return /^turn:/i.test(v) && parseIceServerUri(v, 'turn')?.scheme === 'turn';
}

const STUN_FORM = 'stun:host[:port] (RFC 7064), e.g. stun:stun.example.com:3478';
const TURN_FORM =
  'turn:host[:port][?transport=udp] (TURN over UDP, default port 3478) or turns:host[:port] ' +
  '(TURN over TLS, RFC 7065 / RFC 8656 §3.1, default port 5349), e.g. turns:turn.example.com:5349';

/** Reads the STUN/TURN fields of `sip`; a TURN server needs its long-term credentials (RFC 8656 §9.2). */
export function readIceServers(
  r: Reader,
  sipRaw: Raw,
): Pick<SipConfig, 'stunServer' | 'turnServer' | 'turnUsername' | 'turnPassword'> {
  const stunServer = r.checked(sipRaw, 'stun_server', 'sip.', isStunUri, STUN_FORM);
  const turnServer = r.checked(sipRaw, 'turn_server', 'sip.', isTurnUri, TURN_FORM);
  const turnUsername = r.str(sipRaw, 'turn_username', 'sip.');
  const turnPassword = r.str(sipRaw, 'turn_password', 'sip.');
  const turnSet =
    sipRaw.turn_server !== undefined && sipRaw.turn_server !== null && sipRaw.turn_server !== '';
  if (turnSet && turnUsername === undefined)
    r.problems.push({
      field: 'sip.turn_username',
      value: '(missing)',
      expected: 'the TURN username (SIP_TURN_USERNAME) when sip.turn_server is set (RFC 8656 §9.2)',
    });
  if (turnSet && turnPassword === undefined)
    r.problems.push({
      field: 'sip.turn_password',
      value: '(missing)',
      expected: 'the TURN password (SIP_TURN_PASSWORD) when sip.turn_server is set (RFC 8656 §9.2)',
    });
  return { stunServer, turnServer, turnUsername, turnPassword };
}
