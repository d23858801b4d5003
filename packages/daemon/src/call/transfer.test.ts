import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Dialog, IncomingCall, IncomingRefer, SipRequest } from '@voice-assistant/sip-stack';
import type { AccountConfig } from '../config/index.js';
import { Call } from './call.js';
import type { CallHost } from './call-host.js';
import { fakeOutcome } from './fake-refer-outcome.test-util.js';
import { blindTransfer, takeTransfer } from './transfer.js';

/** An IncomingRefer that records accept/reject. */
function fakeRefer(): { refer: IncomingRefer; log: string[] } {
  const log: string[] = [];
  const refer: IncomingRefer = {
    request: { method: 'REFER' } as SipRequest,
    target: 'sip:+449012345@evil.example',
    subscription: true,
    accept: () => void log.push('202'),
    reject: (status) => void log.push(`reject ${status}`),
    notify: () => Promise.resolve(),
  };
  return { refer, log };
}

/** An active inbound call on account `main`. */
function activeCall(): Call {
  const call = new Call(
    'c1',
    { callId: 'x@pbx', from: 'sip:alice@pbx', to: 'sip:100@pbx', direction: 'inbound' },
    'main',
    pino({ level: 'silent' }),
  );
  call.state = 'active';
  return call;
}

/** An active inbound call from `source` on an account with `fields`. */
function setup(fields: Partial<AccountConfig>, source: string): { host: CallHost; call: Call } {
  const account = { name: 'main', acceptRefer: 'pbx', ...fields } as AccountConfig;
  const host = { account: () => account } as unknown as CallHost;
  const call = activeCall();
  call.incoming = { remote: { address: source, port: 5060, protocol: 'udp' } } as IncomingCall;
  return { host, call };
}

async function outcome(fields: Partial<AccountConfig>, source: string): Promise<string[]> {
  const { host, call } = setup(fields, source);
  const { refer, log } = fakeRefer();
  takeTransfer(host, call, refer);
  await new Promise((r) => setTimeout(r, 20));
  return log;
}

describe('accept_refer: which REFERs make us place a call (toll-fraud boundary)', () => {
  it('off declines every REFER with 603', async () => {
    expect(await outcome({ acceptRefer: 'off', server: '127.0.0.1' }, '127.0.0.1')).toEqual(['reject 603']);
  });

  it('pbx (default) declines on an account without a registrar', async () => {
    expect(await outcome({}, '127.0.0.1')).toEqual(['reject 603']);
  });

  it('pbx declines a REFER on a call that did not come from the registrar or the outbound proxy', async () => {
    expect(await outcome({ server: '127.0.0.1' }, '192.0.2.66')).toEqual(['reject 603']);
    expect(
      await outcome({ server: '127.0.0.1', outboundProxy: 'sip:127.0.0.5:5070;lr' }, '192.0.2.66'),
    ).toEqual(['reject 603']);
  });

  it('pbx accepts a REFER on a call from the registrar; any accepts from anywhere', async () => {
    expect((await outcome({ server: '127.0.0.1' }, '127.0.0.1'))[0]).toBe('202');
    expect((await outcome({ server: '127.0.0.9', outboundProxy: 'sip:127.0.0.5;lr' }, '127.0.0.5'))[0]).toBe(
      '202',
    );
    expect((await outcome({ acceptRefer: 'any' }, '192.0.2.66'))[0]).toBe('202');
  });
});

/** An active call whose dialog answers REFER with `outcome`; records hang-ups and counted results. */
function transferable(outcome: ReturnType<typeof fakeOutcome>['outcome']) {
  const events: string[] = [];
  const dialog = { state: 'confirmed', refer: () => Promise.resolve(outcome) } as unknown as Dialog & {
    state: string;
  };
  const host = {
    account: () => ({ name: 'main', domain: 'pbx' }) as AccountConfig,
    hangup: (_c: Call, reason: string) => {
      events.push(`hangup ${reason}`);
      return Promise.resolve();
    },
    deps: {
      metrics: { transfersTotal: { inc: (l: { result: string }) => events.push(`count ${l.result}`) } },
    },
  } as unknown as CallHost;
  const call = activeCall();
  call.dialog = dialog;
  return { host, call, dialog, events };
}

describe('blindTransfer: outcomes beyond the plain 2xx / non-2xx NOTIFY', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the transferee hanging up before its final NOTIFY counts as done (unconfirmed), not failed', async () => {
    const f = fakeOutcome(202);
    const t = transferable(f.outcome);
    const result = blindTransfer(t.host, t.call, '200');
    await vi.advanceTimersByTimeAsync(10);
    f.notify(100);
    t.dialog.state = 'terminated'; // its BYE ended our dialog and with it the subscription
    f.end(undefined);
    expect(await result).toBe(true);
    expect(t.events).toEqual(['count unconfirmed', 'hangup transferred']);
  });

  it('a final 2xx after the 60 s timeout still makes us leave the call', async () => {
    const f = fakeOutcome(202);
    const t = transferable(f.outcome);
    const result = blindTransfer(t.host, t.call, '200');
    await vi.advanceTimersByTimeAsync(10);
    f.notify(180);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await result).toBe(false); // reported as failed, the call goes on...
    expect(t.events).toEqual(['count timeout']);
    f.end(200); // ...until the target answers after all
    await vi.advanceTimersByTimeAsync(1);
    expect(t.events).toEqual(['count timeout', 'hangup transferred']);
  });
});
