import { describe, expect, it } from 'vitest';
import { parseCSeq, formatCSeq } from './cseq.js';
import { formatVia, parseVia } from './via.js';

describe('parseVia', () => {
  it('parses several via-parms with odd LWS', () => {
    const v = parseVia(
      'SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / udp  192.168.255.111   ; branch= z9hG4bK30239',
    );
    expect(v).toHaveLength(2);
    expect(v[0]).toMatchObject({ protocol: 'SIP/2.0', transport: 'TCP', host: 'spindle.example.com' });
    expect(v[0]?.params.get('branch')).toBe('z9hG4bK9ikj8');
    expect(v[1]).toMatchObject({ transport: 'UDP', host: '192.168.255.111' });
  });

  it('parses ports, IPv6 sent-by, rport and received', () => {
    const [v] = parseVia(
      'SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;received=2001:db8::9:255;rport',
    );
    expect(v).toMatchObject({ host: '2001:db8::9:1', port: 5070 });
    expect(v?.params.get('received')).toBe('2001:db8::9:255');
    expect(v?.params.get('rport')).toBeNull();
    expect(formatVia(v!)).toBe(
      'SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111;received=2001:db8::9:255;rport',
    );
  });

  it('returns [] for malformed values', () => {
    for (const bad of [
      '',
      'SIP/2.0 host',
      'SIP/2.0/UDP',
      'SIP/2.0/UDP host:99999',
      'SIP/2.0/UDP ho st',
      'SIP/2.0/UDP 2001:db8::1',
    ]) {
      expect(parseVia(bad), bad).toEqual([]);
    }
  });
});

describe('parseCSeq', () => {
  it('parses and formats', () => {
    expect(parseCSeq('0009\r\n  INVITE')).toEqual({ seq: 9, method: 'INVITE' });
    expect(formatCSeq({ seq: 1, method: 'BYE' })).toBe('1 BYE');
  });
  it('rejects overlarge or malformed values (RFC 4475 scalar02)', () => {
    for (const bad of [
      '36893488147419103232 REGISTER',
      '2147483648 INVITE',
      'INVITE',
      '1',
      '-1 INVITE',
      '1 INV ITE',
    ]) {
      expect(parseCSeq(bad), bad).toBeUndefined();
    }
    expect(parseCSeq('2147483647 INVITE')?.seq).toBe(2147483647);
  });
});
