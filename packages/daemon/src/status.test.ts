import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config/index.js';
import { accountStatus, overallStatus } from './status.js';

const account = resolveConfig(undefined, { SIP_SERVER: 'pbx', SIP_USERNAME: '100', SIP_PASSWORD: 'pw' })
  .config!.sip.accounts[0]!;
const reg = (state: string, extra: object = {}) =>
  ({ state, expiresSec: 300, lastError: undefined, ...extra }) as never;

describe('status', () => {
  it('maps registration states to the guide status', () => {
    expect(accountStatus(account, reg('registered')).status).toBe('connected');
    expect(accountStatus(account, reg('registering')).status).toBe('registering');
    expect(accountStatus(account, reg('unregistered')).status).toBe('unregistered');
    const failed = accountStatus(
      account,
      reg('failed', { lastError: { reason: 'auth', status: 403, message: '403 Forbidden' } }),
    );
    expect(failed).toMatchObject({ status: 'failed', last_error: { reason: 'auth', status: 403 } });
    expect(JSON.stringify(failed)).not.toContain('pw"');
  });
  it('is listening when no account registers, else the first registering account', () => {
    const direct = resolveConfig(undefined, {}).config!.sip.accounts[0]!;
    expect(overallStatus([accountStatus(direct, undefined)])).toBe('listening');
    expect(overallStatus([accountStatus(direct, undefined), accountStatus(account, reg('registered'))])).toBe(
      'connected',
    );
  });
});
