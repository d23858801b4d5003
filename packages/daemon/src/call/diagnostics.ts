import { isIP } from 'node:net';

/** Seconds after answer without any RTP before one-way audio is suspected. */
export const ONE_WAY_AUDIO_AFTER_SEC = 5;

/** True for RFC 1918, RFC 6598 (CGNAT), loopback, link-local and IPv6 ULA/link-local addresses. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254)
    );
  }
  if (isIP(address) === 6) {
    const x = address.toLowerCase();
    return x === '::1' || x.startsWith('fc') || x.startsWith('fd') || x.startsWith('fe80');
  }
  return false;
}

/** What a call's media says about trouble we can see from here. */
export function callWarnings(input: {
  localAddress?: string | undefined;
  remoteAddress?: string | undefined;
  answeredSecAgo?: number | undefined;
  packetsReceived?: number | undefined;
  hold: boolean;
}): string[] {
  const out: string[] = [];
  const { localAddress, remoteAddress } = input;
  if (localAddress && remoteAddress && isPrivateAddress(localAddress) && !isPrivateAddress(remoteAddress))
    out.push(
      `private address ${localAddress} offered to public peer ${remoteAddress}: set SIP_PUBLIC_ADDRESS (or SIP_STUN_SERVER) so audio can reach us`,
    );
  if (
    !input.hold &&
    input.answeredSecAgo !== undefined &&
    input.answeredSecAgo >= ONE_WAY_AUDIO_AFTER_SEC &&
    input.packetsReceived === 0
  )
    out.push(
      `one-way audio suspected: no RTP received ${Math.floor(input.answeredSecAgo)} s after answer (firewall or NAT on RTP ports?)`,
    );
  return out;
}
