/**
 * Structural SDP checks done before handing text to sdp-transform, which is lenient
 * and would silently drop garbage. RFC 4566 §5: `<type>=<value>` lines, `v=0` first,
 * an `o=` line, and well-formed `m=` lines.
 */

const LINE = /^[a-z]=/;
const M_LINE = /^m=([a-zA-Z0-9_-]+) (\d{1,5})(?:\/\d+)? ([A-Za-z0-9/._-]+)( [^ ]+)+$/;

/**
 * Validate SDP text structurally.
 * @returns a reason string when malformed (maps to SIP 400), undefined when acceptable.
 */
export function validateSdpStructure(sdp: string): string | undefined {
  if (sdp.length === 0) return 'empty SDP';
  if (sdp.length > 65536) return 'SDP too large';
  const lines = sdp.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines[0] !== 'v=0') return 'SDP must start with v=0 (RFC 4566 §5.1)';
  let origin = false;
  let media = 0;
  for (const line of lines) {
    if (!LINE.test(line)) return `malformed SDP line: ${line.slice(0, 40)}`;
    if (line.startsWith('o=')) {
      // RFC 4566 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>
      if (line.slice(2).trim().split(/ +/).length !== 6) return 'malformed o= line';
      origin = true;
    } else if (line.startsWith('m=')) {
      const m = M_LINE.exec(line.trimEnd());
      if (m === null) return `malformed m= line: ${line.slice(0, 60)}`;
      if (Number(m[2]) > 65535) return 'm= port out of range';
      media++;
    } else if (line.startsWith('c=')) {
      // RFC 4566 §5.7: c=<nettype> <addrtype> <connection-address>
      const parts = line.slice(2).trim().split(/ +/);
      if (parts.length !== 3 || parts[0] !== 'IN' || (parts[1] !== 'IP4' && parts[1] !== 'IP6')) {
        return 'malformed c= line';
      }
    }
  }
  if (!origin) return 'missing o= line (RFC 4566 §5.2)';
  if (media === 0) return 'no m= line';
  return undefined;
}
