import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { IncomingRefer, SipRequest } from '@voice-assistant/sip-stack';
import { Call } from './call.js';
import type { ReferDialOptions, ReferDialResult, ReferHandlerDeps } from './refer-handler.js';
import { handleIncomingRefer } from './refer-handler.js';

/** An IncomingRefer that records what the handler does with it. */
function fakeRefer(fields: Partial<Pick<IncomingRefer, 'replaces' | 'referredBy'>> = {}) {
  const log: string[] = [];
  const refer: IncomingRefer = {
    request: { method: 'REFER' } as SipRequest,
    target: 'sip:carol@pbx.example.com',
    subscription: true,
    ...fields,
    accept: () => void log.push('202'),
    reject: (status) => void log.push(`reject ${status}`),
    notify: (status, reason) => {
      log.push(`NOTIFY ${status} ${reason}`);
      return Promise.resolve();
    },
  };
  return { refer, log };
}

function activeCall(): Call {
  const call = new Call(
    'c1',
    { callId: 'orig@pbx', from: 'sip:alice@pbx', to: 'sip:100@pbx', direction: 'inbound' },
    'main',
    pino({ level: 'silent' }),
  );
  call.state = 'active';
  call.prompt = 'Be brief.';
  return call;
}

/** Deps whose dial is settled by the test; `log` is shared with the refer's. */
function fakeDeps(log: string[]) {
  const dials: Array<{ target: string; opts: ReferDialOptions }> = [];
  let settle: (r: ReferDialResult | Error) => void = () => undefined;
  const deps: ReferHandlerDeps = {
    dial: (target, opts) => {
      dials.push({ target, opts });
      log.push(`dial ${target}`);
      return new Promise((resolve, reject) => {
        settle = (r) => (r instanceof Error ? reject(r) : resolve(r));
      });
    },
    hangup: () => {
      log.push('BYE');
      return Promise.resolve();
    },
  };
  return { deps, dials, settle: (r: ReferDialResult | Error) => settle(r) };
}

describe('handleIncomingRefer (the daemon as transferee, RFC 3515 / RFC 5589)', () => {
  it('blind transfer: accepts, dials the target with Referred-By, relays 180, NOTIFY 200, then BYE', async () => {
    const { refer, log } = fakeRefer({ referredBy: '<sip:bob@pbx>' });
    const f = fakeDeps(log);
    const call = activeCall();
    const done = handleIncomingRefer(f.deps, call, refer);
    expect(log).toEqual(['202', 'dial sip:carol@pbx.example.com']);
    const { opts } = f.dials[0]!;
    expect(opts.headers).toEqual([{ name: 'Referred-By', value: '<sip:bob@pbx>' }]);
    expect(opts.account).toBe('main');
    expect(opts.prompt).toBe('Be brief.');
    opts.onProgress(100, 'Trying'); // already said by accept()
    opts.onProgress(180, 'Ringing');
    opts.onProgress(180, 'Ringing'); // no news
    opts.onProgress(183, 'Session Progress');
    f.settle({ status: 200, reason: 'OK' });
    await done;
    expect(log.slice(2)).toEqual([
      'NOTIFY 180 Ringing',
      'NOTIFY 183 Session Progress',
      'NOTIFY 200 OK',
      'BYE',
    ]);
  });

  it('attended transfer: the INVITE carries Replaces naming the dialog as the target sees it (RFC 3891 §6.1)', async () => {
    const { refer, log } = fakeRefer({
      replaces: { callId: 'x@10.0.0.1', localTag: 'bobs', remoteTag: 'carols' },
    });
    const f = fakeDeps(log);
    const done = handleIncomingRefer(f.deps, activeCall(), refer);
    expect(f.dials[0]!.opts.headers).toEqual([
      { name: 'Replaces', value: 'x@10.0.0.1;to-tag=carols;from-tag=bobs' },
    ]);
    f.settle({ status: 200, reason: 'OK' });
    await done;
  });

  it('a failed transfer sends the failure status and keeps the original call', async () => {
    const { refer, log } = fakeRefer();
    const f = fakeDeps(log);
    const call = activeCall();
    const done = handleIncomingRefer(f.deps, call, refer);
    f.settle({ status: 486 }); // no reason phrase: the standard one
    await done;
    expect(log).toEqual(['202', 'dial sip:carol@pbx.example.com', 'NOTIFY 486 Busy Here']);
    expect(call.state).toBe('active');
  });

  it('a dial that throws is reported as 500', async () => {
    const { refer, log } = fakeRefer();
    const f = fakeDeps(log);
    const done = handleIncomingRefer(f.deps, activeCall(), refer);
    f.settle(new Error('no ports'));
    await done;
    expect(log.at(-1)).toBe('NOTIFY 500 Server Internal Error');
  });

  it('declines (603) a REFER on a call that is not active, or while one transfer is running', async () => {
    const first = fakeRefer();
    const f = fakeDeps(first.log);
    const call = activeCall();
    const running = handleIncomingRefer(f.deps, call, first.refer);
    const second = fakeRefer();
    await handleIncomingRefer(f.deps, call, second.refer);
    expect(second.log).toEqual(['reject 603']);
    f.settle({ status: 603, reason: 'Declined' });
    await running;
    const ringing = activeCall();
    ringing.state = 'ringing';
    const third = fakeRefer();
    await handleIncomingRefer(f.deps, ringing, third.refer);
    expect(third.log).toEqual(['reject 603']);
    expect(f.dials).toHaveLength(1);
  });
});
