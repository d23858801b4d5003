import type { CallManager } from '../call/call-manager.js';
import { CallRequestError } from '../call/outbound.js';
import { HttpError, readJsonBody, sendJson, type HttpRoute } from './server.js';

const ID = /^\/calls\/([A-Za-z0-9-]+)$/;
const TRANSFER = /^\/calls\/([A-Za-z0-9-]+)\/transfer$/;

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const v = (body as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The calls API:
 * - `POST /calls` `{ "to": "100", "account"?: "office", "prompt"?: "..." }` -> 202 with the call;
 * - `GET /calls` (in progress, then recently ended), `GET /calls/:id` (progress and outcome);
 * - `DELETE /calls/:id`: CANCEL before the answer, BYE after it;
 * - `POST /calls/:id/transfer` `{ "target": "200", "mode"?: "blind" | "attended" }`: blind
 *   transfer (REFER, RFC 3515) or attended (consultation call to the target, then REFER with
 *   Replaces, RFC 3891); answers once the transfer's outcome is known: 202 `{ transferred:
 *   true }` when it went through (we left the call), 502 `{ transferred: false }` when it
 *   failed and the call goes on.
 * With `TELEPHONY_PROVIDER=twilio`, or `TELEPHONY_FALLBACK=twilio` while SIP is unusable,
 * `POST /calls` goes through Twilio's REST API instead.
 */
/** Outbound calls through Twilio (provider or fallback), when wanted. */
export interface TwilioOutbound {
  /** True when this call should go through Twilio. */
  wanted(): boolean;
  /** Places the call; resolves with what to answer (202). */
  place(to: string): Promise<object>;
}

export function callsApi(calls: () => CallManager | undefined, twilio?: TwilioOutbound): HttpRoute[] {
  const manager = (): CallManager => {
    const m = calls();
    if (!m) throw new HttpError(503, 'not started');
    return m;
  };
  const find = (id: string | undefined) => {
    const call = id === undefined ? undefined : manager().get(id);
    if (!call) throw new HttpError(404, `no call ${String(id)}`);
    return call;
  };
  return [
    {
      method: 'POST',
      path: '/calls',
      handler: async (req, res) => {
        const body = await readJsonBody(req);
        const to = field(body, 'to');
        if (!to) throw new HttpError(400, 'body must be JSON with "to" (extension, number or SIP URI)');
        if (twilio?.wanted()) {
          sendJson(res, 202, await twilio.place(to));
          return;
        }
        try {
          const call = manager().placeCall({
            to,
            account: field(body, 'account'),
            prompt: field(body, 'prompt'),
          });
          res.setHeader('Location', `/calls/${call.id}`);
          sendJson(res, 202, call.summary());
        } catch (err) {
          if (err instanceof CallRequestError) throw new HttpError(err.status, err.message);
          throw err;
        }
      },
    },
    {
      method: 'GET',
      path: '/calls',
      handler: (_req, res) =>
        sendJson(res, 200, {
          calls: manager()
            .list()
            .map((c) => c.summary()),
        }),
    },
    { method: 'GET', path: ID, handler: (_req, res, [id]) => sendJson(res, 200, find(id).summary()) },
    {
      method: 'DELETE',
      path: ID,
      handler: async (_req, res, [id]) => {
        const call = find(id);
        await manager().hangup(call, 'local-hangup');
        sendJson(res, 200, call.summary());
      },
    },
    {
      method: 'POST',
      path: TRANSFER,
      handler: async (req, res, [id]) => {
        const call = find(id);
        const body = await readJsonBody(req);
        const target = field(body, 'target');
        if (!target) throw new HttpError(400, 'body must be JSON with "target"');
        const mode = field(body, 'mode') ?? 'blind';
        if (mode !== 'blind' && mode !== 'attended')
          throw new HttpError(400, '"mode" must be "blind" or "attended"');
        if (call.state !== 'active') throw new HttpError(409, `call is ${call.state}, not active`);
        if (call.transferring) throw new HttpError(409, 'a transfer of this call is in progress');
        try {
          const ok = await manager().transfer(call, target, mode);
          sendJson(res, ok ? 202 : 502, { transferred: ok, mode, call: call.summary() });
        } catch (err) {
          if (err instanceof CallRequestError) throw new HttpError(err.status, err.message);
          throw err;
        }
      },
    },
  ];
}
