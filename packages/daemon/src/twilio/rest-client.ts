/**
 * The few Twilio REST API calls the daemon needs (Voice API 2010-04-01,
 * https://www.twilio.com/docs/voice/api/call-resource): create a call, update it (hang up,
 * redirect with TwiML). Plain `fetch`, HTTP Basic auth with the account SID and auth
 * token, form-encoded parameters, JSON answers.
 */

export interface TwilioRestOptions {
  /** Account SID (`AC...`). */
  readonly accountSid: string;
  /** Auth token (secret; never logged). */
  readonly authToken: string;
  /** API base URL, default `https://api.twilio.com`. */
  readonly apiBaseUrl?: string;
  /** Per-request timeout in ms, default 10000. */
  readonly timeoutMs?: number;
  /** `fetch` implementation, default the global one. */
  readonly fetch?: typeof fetch;
}

/** The parts of Twilio's Call resource the daemon reads. */
export interface TwilioCallResource {
  readonly sid: string;
  readonly status?: string;
  readonly to?: string;
  readonly from?: string;
  readonly direction?: string;
}

/** Parameters of `POST /Calls.json`: exactly one of `url` or `twiml`. */
export interface CreateCallParams {
  /** Callee: E.164 number, `sip:` URI or `client:` name. */
  readonly to: string;
  /** Caller ID: a Twilio number or verified caller ID of the account. */
  readonly from: string;
  /** Webhook Twilio fetches TwiML from when the call is answered (our `/twilio/voice`). */
  readonly url?: string;
  /** TwiML to run instead of fetching `url`. */
  readonly twiml?: string;
  /** Seconds to let it ring, Twilio's default 60. */
  readonly timeoutSec?: number;
  /** Status callback URL (optional). */
  readonly statusCallback?: string;
}

/**
 * A failed REST request. `retryable` is true for network errors, timeouts, 429 (rate
 * limited) and 5xx; 4xx answers (bad number, auth) will fail again as they are.
 */
export class TwilioApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 for a network error or timeout. */
    readonly status: number,
    /** Twilio's error code (`code` in the JSON body, e.g. 21211 invalid To), when given. */
    readonly code: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TwilioApiError';
  }
}

/** Minimal Twilio Voice REST client. */
export class TwilioRestClient {
  private readonly base: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: TwilioRestOptions) {
    this.base = (opts.apiBaseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.fetchFn = opts.fetch ?? fetch;
  }

  /** `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`: places an outbound call. */
  async createCall(p: CreateCallParams): Promise<TwilioCallResource> {
    if ((p.url === undefined) === (p.twiml === undefined))
      throw new TypeError('createCall needs exactly one of url or twiml');
    const form: Record<string, string> = { To: p.to, From: p.from };
    if (p.url !== undefined) form.Url = p.url;
    if (p.twiml !== undefined) form.Twiml = p.twiml;
    if (p.timeoutSec !== undefined) form.Timeout = String(p.timeoutSec);
    if (p.statusCallback !== undefined) form.StatusCallback = p.statusCallback;
    return this.post('Calls.json', form);
  }

  /** `POST .../Calls/{sid}.json` with `Status=completed`: hangs up a call. */
  async hangup(callSid: string): Promise<TwilioCallResource> {
    return this.post(`Calls/${encodeURIComponent(callSid)}.json`, { Status: 'completed' });
  }

  /** `POST .../Calls/{sid}.json` with `Twiml`: moves a live call to new TwiML (e.g. `<Dial>` to transfer). */
  async redirect(callSid: string, twiml: string): Promise<TwilioCallResource> {
    return this.post(`Calls/${encodeURIComponent(callSid)}.json`, { Twiml: twiml });
  }

  private async post(path: string, form: Record<string, string>): Promise<TwilioCallResource> {
    const url = `${this.base}/2010-04-01/Accounts/${encodeURIComponent(this.opts.accountSid)}/${path}`;
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: {
          Authorization: this.auth,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new TwilioApiError(`Twilio API unreachable: ${why}`, 0, undefined, true);
    }
    const text = await res.text().catch(() => '');
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(text) as unknown;
      if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
    } catch {
      // not JSON: keep the status only
    }
    if (!res.ok) {
      const code = typeof body.code === 'number' ? body.code : undefined;
      const msg = typeof body.message === 'string' ? body.message : text.slice(0, 200);
      throw new TwilioApiError(
        `Twilio API ${res.status}${code ? ` (${code})` : ''}: ${msg}`,
        res.status,
        code,
        res.status === 429 || res.status >= 500,
      );
    }
    if (typeof body.sid !== 'string')
      throw new TwilioApiError('Twilio API answered without a call sid', res.status, undefined, false);
    return {
      sid: body.sid,
      status: typeof body.status === 'string' ? body.status : undefined,
      to: typeof body.to === 'string' ? body.to : undefined,
      from: typeof body.from === 'string' ? body.from : undefined,
      direction: typeof body.direction === 'string' ? body.direction : undefined,
    };
  }
}
