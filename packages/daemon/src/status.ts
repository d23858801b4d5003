import type { Registration } from '@voice-assistant/sip-stack';
import type { AccountConfig } from './config/index.js';

/**
 * Status of one account in `/sip/status`:
 * - `connected`: registered with its registrar;
 * - `registering`: first REGISTER (or a re-registration after a change) in progress;
 * - `failed`: the last attempt failed (cause in `last_error`); retrying with backoff;
 * - `unregistered`: registration stopped (shutdown / removed);
 * - `listening`: no registrar configured: the account answers calls sent straight to it.
 */
export type AccountState = 'connected' | 'registering' | 'failed' | 'unregistered' | 'listening';

export interface AccountStatus {
  readonly name: string;
  readonly status: AccountState;
  readonly server: string | null;
  readonly username: string | null;
  readonly transport: string;
  readonly expires_sec: number | null;
  readonly registered_since: string | null;
  readonly last_error: { reason: string; status?: number | undefined; message: string } | null;
}

export function accountStatus(
  a: AccountConfig,
  reg: Registration | undefined,
  registeredAt?: number,
): AccountStatus {
  let status: AccountState = 'listening';
  if (reg) {
    status =
      reg.state === 'registered'
        ? 'connected'
        : reg.state === 'failed'
          ? 'failed'
          : reg.state === 'registering'
            ? 'registering'
            : 'unregistered';
  }
  return {
    name: a.name,
    status,
    server: a.server ?? null,
    username: a.username ?? null,
    transport: a.transport,
    expires_sec: reg?.expiresSec ?? null,
    registered_since: registeredAt ? new Date(registeredAt).toISOString() : null,
    last_error: reg?.lastError ?? null,
  };
}

/**
 * The guide's top-level `status`: that of the first account with a registrar
 * (`connected` only while it is registered), or `listening` when no account registers.
 */
export function overallStatus(accounts: readonly AccountStatus[]): AccountState {
  const primary = accounts.find((a) => a.server !== null);
  return primary?.status ?? 'listening';
}
