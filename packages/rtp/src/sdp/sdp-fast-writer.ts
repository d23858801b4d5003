/**
 * A direct writer for the session descriptions we build ourselves (RFC 4566), the hot
 * path of every answer and offer. sdp-transform's `write` walks its whole grammar with a
 * regex-based formatter for every line; this writes the few fields our descriptions use,
 * in the same order and with the same formatting, so the output is byte-identical to
 * `write(session)`. A description with any other field (DTLS, ICE, anything set by a
 * caller) goes to sdp-transform's writer unchanged. sdp-transform stays the parser.
 */
import { write } from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';

/** Session fields the direct path writes; anything else falls back to sdp-transform. */
const SESSION_KEYS = new Set(['version', 'origin', 'name', 'connection', 'timing', 'media', 'icelite']);
/** Media fields the direct path writes. */
const MEDIA_KEYS = new Set([
  'type',
  'port',
  'protocol',
  'payloads',
  'rtp',
  'fmtp',
  'crypto',
  'ptime',
  'direction',
  'rtcpMux',
]);

/** sdp-transform's `%d`: the value through `Number()`. */
function d(v: unknown): string {
  return String(Number(v));
}

function onlyKeys(o: object, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

/** True when {@link writeSdp} writes `s` itself (exported for its tests). */
export function canWriteDirectly(s: SessionDescription): boolean {
  if (!onlyKeys(s, SESSION_KEYS) || s.version == null || s.name == null || !Array.isArray(s.media))
    return false;
  if (s.origin == null || s.timing == null) return false;
  for (const m of s.media) {
    if (!onlyKeys(m, MEDIA_KEYS) || m.payloads == null) return false;
  }
  return true;
}

function writeMedia(m: MediaDescription, out: string[]): void {
  out.push(`m=${String(m.type)} ${d(m.port)} ${String(m.protocol)} ${String(m.payloads)}`);
  // Attribute order of sdp-transform's grammar: rtpmap, fmtp, crypto, ptime, direction, rtcp-mux.
  if (m.rtp != null) {
    for (const r of m.rtp) {
      // sdp-transform: 'rtpmap:%d %s/%s/%s' with an encoding, '.../%s' with a rate, else 'rtpmap:%d %s'
      if (r.encoding)
        out.push(`a=rtpmap:${d(r.payload)} ${String(r.codec)}/${String(r.rate)}/${String(r.encoding)}`);
      else if (r.rate) out.push(`a=rtpmap:${d(r.payload)} ${String(r.codec)}/${String(r.rate)}`);
      else out.push(`a=rtpmap:${d(r.payload)} ${String(r.codec)}`);
    }
  }
  if (m.fmtp != null) for (const f of m.fmtp) out.push(`a=fmtp:${d(f.payload)} ${String(f.config)}`);
  if (m.crypto != null) {
    for (const c of m.crypto) {
      const base = `a=crypto:${d(c.id)} ${String(c.suite)} ${String(c.config)}`;
      out.push(c.sessionConfig != null ? `${base} ${String(c.sessionConfig)}` : base);
    }
  }
  if (m.ptime != null) out.push(`a=ptime:${d(m.ptime)}`);
  if (m.direction != null) out.push(`a=${String(m.direction)}`);
  if (m.rtcpMux != null) out.push(`a=${String(m.rtcpMux)}`);
}

/**
 * `write(session)` of sdp-transform, byte for byte; direct for the fields our own
 * descriptions use (v, o, s, c, t, a=ice-lite; m with rtpmap, fmtp, crypto, ptime,
 * direction, rtcp-mux), sdp-transform's writer for anything else.
 */
export function writeSdp(session: SessionDescription): string {
  if (!canWriteDirectly(session)) return write(session);
  const o = session.origin!;
  const t = session.timing!;
  const out: string[] = [
    `v=${d(session.version)}`,
    `o=${String(o.username)} ${String(o.sessionId)} ${d(o.sessionVersion)} ${String(o.netType)} IP${d(o.ipVer)} ${String(o.address)}`,
    `s=${String(session.name)}`,
  ];
  // sdp-transform's outer order: v o s i u e p c b t r z a
  const c = session.connection;
  if (c != null) out.push(`c=IN IP${d(c.version)} ${String(c.ip)}`);
  out.push(`t=${d(t.start)} ${d(t.stop)}`);
  if (session.icelite != null) out.push(`a=${String(session.icelite)}`);
  for (const m of session.media) writeMedia(m, out);
  out.push('');
  return out.join('\r\n');
}
