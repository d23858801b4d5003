import { describe, expect, it } from 'vitest';
import { formatNameAddr, parseContacts, parseNameAddr, parseNameAddrList } from './name-addr.js';

describe('parseNameAddr', () => {
  it('parses quoted display names with escapes', () => {
    const na = parseNameAddr('"J Rosenberg \\\\\\""       <sip:jdrosen@example.com> ; tag = 98asjd8');
    expect(na).toEqual({
      displayName: 'J Rosenberg \\"',
      uri: 'sip:jdrosen@example.com',
      params: new Map([['tag', '98asjd8']]),
    });
  });

  it('parses token display names and addr-spec with header params', () => {
    expect(parseNameAddr('Bob  Smith <sip:bob@b.com>')?.displayName).toBe('Bob  Smith');
    const a = parseNameAddr('sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n');
    expect(a).toEqual({
      displayName: undefined,
      uri: 'sip:vivekg@chair-dnrc.example.com',
      params: new Map([['tag', '1918181833n']]),
    });
  });

  it('rejects malformed values', () => {
    expect(parseNameAddr('"unterminated <sip:a@b>')).toBeUndefined();
    expect(parseNameAddr('Bob <sip:a@b')).toBeUndefined();
    expect(parseNameAddr('Bob@x <sip:a@b>')).toBeUndefined();
    expect(parseNameAddr('sip:user@example.com?Route=%3Csip:sip.example.com%3E')).toBeUndefined();
    expect(parseNameAddr('')).toBeUndefined();
  });

  it('lists and the Contact wildcard', () => {
    expect(parseNameAddrList('<sip:a@b>;lr, "x,y" <sip:c@d;lr>')?.map((n) => n.uri)).toEqual([
      'sip:a@b',
      'sip:c@d;lr',
    ]);
    expect(parseContacts(' * ')).toBe('*');
    expect(parseNameAddrList('*')).toBeUndefined();
  });

  it('formats', () => {
    const na = parseNameAddr('A "quote" <sip:a@b>;tag=1');
    expect(na).toBeUndefined();
    expect(
      formatNameAddr({
        displayName: 'A "q"',
        uri: 'sip:a@b',
        params: new Map([
          ['tag', '1'],
          ['lr', null],
        ]),
      }),
    ).toBe('"A \\"q\\"" <sip:a@b>;tag=1;lr');
  });
});
