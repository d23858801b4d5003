import { describe, expect, it } from 'vitest';
import { IceLiteAgent, candidatePriority, generateIceCredentials } from './ice-lite.js';
import {
  type StunAttribute,
  StunAttr,
  StunMethod,
  decodeXorAddress,
  encodeStun,
  getAttribute,
  parseStun,
  verifyIntegrity,
} from './stun-message.js';

const tid = Buffer.alloc(12, 9);
function check(username: string, pwd: string, useCandidate: boolean): Buffer {
  const attributes: StunAttribute[] = [
    { type: StunAttr.USERNAME, value: Buffer.from(username) },
    { type: StunAttr.PRIORITY, value: Buffer.from([0x6e, 0, 1, 0xff]) },
    { type: StunAttr.ICE_CONTROLLING, value: Buffer.alloc(8, 1) },
  ];
  if (useCandidate) attributes.push({ type: StunAttr.USE_CANDIDATE, value: Buffer.alloc(0) });
  return encodeStun(
    { method: StunMethod.BINDING, cls: 'request', transactionId: tid, attributes },
    {
      integrityKey: Buffer.from(pwd),
      fingerprint: true,
    },
  );
}

describe('IceLiteAgent (RFC 8445 §2.5, §7.3)', () => {
  const agent = (): IceLiteAgent =>
    new IceLiteAgent({ localUfrag: 'loc1', localPwd: 'localpassword0123456789', remoteUfrag: 'rem1' });
  const from = { address: '127.0.0.2', port: 5000 };

  it('answers a valid check with XOR-MAPPED-ADDRESS, integrity under our password', () => {
    const a = agent();
    const out = a.handle(check('loc1:rem1', 'localpassword0123456789', false), from);
    expect(out.nominated).toBeUndefined();
    const r = parseStun(out.response!)!;
    expect(r.cls).toBe('success');
    expect(r.transactionId).toEqual(tid);
    expect(decodeXorAddress(getAttribute(r, StunAttr.XOR_MAPPED_ADDRESS)!, r.transactionId)).toEqual(from);
    expect(verifyIntegrity(out.response!, Buffer.from('localpassword0123456789'))).toBe(true);
  });

  it('USE-CANDIDATE from the controlling agent nominates the source', () => {
    const a = agent();
    expect(a.isValidated(from)).toBe(false);
    expect(a.handle(check('loc1:rem1', 'localpassword0123456789', true), from).nominated).toEqual(from);
    expect(a.nominated).toEqual(from);
    expect(a.isValidated(from)).toBe(true);
    expect(a.isValidated({ address: '127.0.0.9', port: 5000 })).toBe(false);
  });

  it('ICE restart (RFC 8445 §9): only the new credentials are answered; the nominated pair stays', () => {
    const a = agent();
    a.handle(check('loc1:rem1', 'localpassword0123456789', true), from);
    a.restart({ localUfrag: 'loc2', localPwd: 'newlocalpassword98765432', remoteUfrag: 'rem2' });
    expect(a.credentials).toEqual({ localUfrag: 'loc2', remoteUfrag: 'rem2' });
    expect(a.nominated).toEqual(from); // media goes on over it until the next nomination
    expect(a.handle(check('loc1:rem1', 'localpassword0123456789', false), from)).toEqual({});
    expect(a.handle(check('loc2:rem1', 'newlocalpassword98765432', false), from)).toEqual({});
    const out = a.handle(check('loc2:rem2', 'newlocalpassword98765432', true), from);
    expect(verifyIntegrity(out.response!, Buffer.from('newlocalpassword98765432'))).toBe(true);
    expect(out.nominated).toEqual(from);
  });

  it('drops wrong username, wrong password and garbage', () => {
    const a = agent();
    expect(a.handle(check('loc1:xxx', 'localpassword0123456789', true), from)).toEqual({});
    expect(a.handle(check('loc1:rem1', 'wrong', true), from)).toEqual({});
    expect(a.handle(Buffer.from([0, 1, 0, 0]), from)).toEqual({});
    expect(a.nominated).toBeUndefined();
  });

  it('credentials and priorities', () => {
    const c = generateIceCredentials();
    expect(c.ufrag.length).toBeGreaterThanOrEqual(4);
    expect(c.pwd.length).toBeGreaterThanOrEqual(22);
    expect(candidatePriority('host')).toBe(2130706431);
    expect(candidatePriority('relay')).toBe(16777215);
  });
});
