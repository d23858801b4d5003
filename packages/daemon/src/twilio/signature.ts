import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Twilio-Signature` (Twilio "Secure webhooks", https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 *
 * - form-encoded POST: HMAC-SHA1, keyed with the account's auth token, over the full URL
 *   Twilio requested (scheme, host, port if any, path, query string exactly as sent)
 *   followed by every POST parameter sorted by name, each as name + value with no
 *   delimiters (a repeated name contributes name + value once per value, values sorted);
 *   the digest is base64-encoded.
 * - JSON body: Twilio adds `bodySHA256=<hex SHA-256 of the raw body>` to the query string
 *   and signs the URL alone (no parameters); the body is checked against that hash.
 *
 * Twilio may sign the URL with or without an explicit default port (`:443`), so, like its
 * own helper libraries, both spellings are accepted.
 */

/** Request parameters: one value, or several for a repeated name. */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

/** The expected base64 `X-Twilio-Signature` for `url` and form `params` (HMAC-SHA1 with `authToken`). */
export function twilioSignature(authToken: string, url: string, params: TwilioParams = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const v = params[key];
    const values = typeof v === 'string' ? [v] : [...(v ?? [])].sort();
    for (const value of values) data += key + value;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** Hex SHA-256 of a raw body, as in Twilio's `bodySHA256` query parameter. */
export function bodySha256(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}

/** Constant-time comparison of two base64 signatures (length leaks nothing useful: it is fixed). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    // Still spend the same work so the mismatch is not observably faster.
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** `url` with and without its scheme's default port, the spellings Twilio may have signed. */
export function urlVariants(url: string): string[] {
  const m = /^(https?:\/\/)([^/?#]*)(.*)$/i.exec(url);
  if (!m) return [url];
  const [, scheme = '', authority = '', rest = ''] = m;
  const defaultPort = scheme.toLowerCase() === 'https://' ? '443' : '80';
  const port = /:(\d+)$/.exec(authority.replace(/^.*@/, '').replace(/^\[[^\]]*\]/, ''))?.[1];
  if (port === defaultPort) return [url, scheme + authority.slice(0, -(port.length + 1)) + rest];
  if (port === undefined) return [url, `${scheme}${authority}:${defaultPort}${rest}`];
  return [url];
}

/**
 * Validates a form-encoded webhook: true when `signature` matches `url` + `params` under
 * `authToken` (either URL spelling of the default port).
 */
export function validateTwilioRequest(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: TwilioParams,
): boolean {
  if (!signature || !authToken) return false;
  return urlVariants(url).some((u) => safeEqual(twilioSignature(authToken, u, params), signature));
}

/**
 * Validates a JSON-bodied webhook: the URL carries `bodySHA256`, the signature covers the
 * URL alone, and the raw body must hash to that value.
 */
export function validateTwilioRequestWithBody(
  authToken: string,
  signature: string | undefined,
  url: string,
  body: string | Buffer,
): boolean {
  let expectedHash: string | null;
  try {
    expectedHash = new URL(url).searchParams.get('bodySHA256');
  } catch {
    return false;
  }
  if (!expectedHash) return false;
  if (!validateTwilioRequest(authToken, signature, url, {})) return false;
  return safeEqual(bodySha256(body), expectedHash.toLowerCase());
}

/** Parses an `application/x-www-form-urlencoded` body into Twilio params (repeated names kept). */
export function parseForm(body: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}
