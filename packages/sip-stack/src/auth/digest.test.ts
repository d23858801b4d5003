import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseAuthParams } from './auth-params.js';
import {
  buildAuthorization,
  chooseChallenge,
  computeDigest,
  formatNc,
  parseChallenge,
  parseChallenges,
} from './digest.js';
import { DigestClient } from './digest-client.js';

// RFC 7616 §3.9.1 (password "Circle of Life", errata 4495).
const RFC7616 = (alg: string): string =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${alg}, ` +
  'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
const CNONCE_7616 = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';

describe('digest (RFC 7616 §3.9.1 examples)', () => {
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ])('%s response', (alg, expected) => {
    const challenge = parseChallenge(RFC7616(alg))!;
    expect(challenge.qop).toEqual(['auth', 'auth-int']);
    const input = {
      challenge,
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: CNONCE_7616,
    };
    expect(computeDigest(input).response).toBe(expected);
    const header = buildAuthorization(input);
    expect(header).toBe(
      `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=${alg}, ` +
        `nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="${CNONCE_7616}", qop=auth, ` +
        `response="${expected}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
    );
    const back = parseAuthParams(header)!;
    expect(back.params.get('response')).toBe(expected);
  });
});

describe('digest (RFC 2617 §3.5 example)', () => {
  it('computes the RFC response', () => {
    const challenge = parseChallenge(
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    )!;
    expect(challenge.algorithm).toBe('MD5');
    const r = computeDigest({
      challenge,
      username: 'Mufasa',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: '0a4f113b',
    });
    expect(r.response).toBe('6629fae49393a05397450978507c4ef1');
  });
});

describe('digest (RFC 8760 SHA-512-256)', () => {
  const sha = (s: string): string => createHash('sha512-256').update(s).digest('hex');
  it('node:crypto has SHA-512/256 (FIPS 180-4 "abc" vector)', () => {
    expect(sha('abc')).toBe('53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
  });

  it('RFC 7616 §3.9.2: userhash of "Jäsøn Doe" (the RFC response value is disputed, errata 4897)', () => {
    const challenge = parseChallenge(
      'Digest realm="api@example.org", qop="auth", algorithm=SHA-512-256, nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK", opaque="HRPCssKJSGjCrkzDg8OhwpzCiGPChXYjwrI2QmXDnsOS", charset=UTF-8, userhash=true',
    )!;
    const header = buildAuthorization({
      challenge,
      username: 'Jäsøn Doe',
      password: 'Secret, or not?',
      method: 'GET',
      uri: '/doc/index.html',
      nc: 1,
      cnonce: 'NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v',
    });
    expect(header).toContain('username="793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"');
    const noHash = buildAuthorization({
      challenge: { ...challenge, userhash: false },
      username: 'Jäsøn Doe',
      password: 'x',
      method: 'GET',
      uri: '/',
      nc: 1,
      cnonce: 'c',
    });
    expect(noHash).toContain("username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
  });

  it('matches an independent computation, with -sess, auth-int and userhash', () => {
    const challenge = parseChallenge(
      'Digest realm="sip.example.com", nonce="n0nce", algorithm=SHA-512-256-sess, qop="auth-int", userhash=true',
    )!;
    const body = Buffer.from('v=0\r\n');
    const input = {
      challenge,
      username: 'bob',
      password: 'pw',
      method: 'INVITE',
      uri: 'sip:a@b',
      body,
      nc: 2,
      cnonce: 'cn',
    };
    const ha1 = sha(`${sha('bob:sip.example.com:pw')}:n0nce:cn`);
    const ha2 = sha(`INVITE:sip:a@b:${sha('v=0\r\n')}`);
    const expected = sha(`${ha1}:n0nce:00000002:cn:auth-int:${ha2}`);
    expect(computeDigest(input).response).toBe(expected);
    const header = buildAuthorization(input);
    expect(header).toContain(`username="${sha('bob:sip.example.com')}"`);
    expect(header).toContain('qop=auth-int, ');
    expect(header).toContain('nc=00000002');
    expect(header).toContain('algorithm=SHA-512-256-sess');
    expect(header.endsWith('userhash=true')).toBe(true);
  });
});

describe('parseChallenge / chooseChallenge', () => {
  it('parses all fields', () => {
    const c = parseChallenge(
      'Digest realm="a", domain="sip:a sip:b", nonce="n", opaque="o", stale=TRUE, algorithm=sha-256, qop="auth", charset=UTF-8, userhash=false',
    )!;
    expect(c).toMatchObject({
      realm: 'a',
      nonce: 'n',
      opaque: 'o',
      stale: true,
      algorithm: 'SHA-256',
      domain: 'sip:a sip:b',
      charset: 'UTF-8',
      userhash: false,
    });
    expect(parseChallenge('Basic realm="a"')).toBeUndefined();
    expect(parseChallenge('Digest realm="a"')).toBeUndefined();
    expect(parseChallenge('Digest realm="a, nonce="n"')).toBeUndefined();
    expect(parseChallenge('Digest realm="a", nonce="n", algorithm=SHA-1')?.algorithm).toBeUndefined();
  });

  it('reads several challenges from one line (RFC 7235 §4.1)', () => {
    const cs = parseChallenges(
      'Basic realm="x", Digest realm="r", nonce="1", qop="auth,auth-int", Digest realm="r", nonce="2", algorithm=SHA-256',
    );
    expect(cs.map((c) => [c.nonce, c.algorithm, c.qop])).toEqual([
      ['1', 'MD5', ['auth', 'auth-int']],
      ['2', 'SHA-256', []],
    ]);
    expect(chooseChallenge(cs)?.nonce).toBe('2');
  });

  it('chooses the strongest supported algorithm (RFC 8760 §2.4)', () => {
    const md5 = parseChallenge('Digest realm="r", nonce="1"')!;
    const sha256 = parseChallenge('Digest realm="r", nonce="2", algorithm=SHA-256')!;
    const sha512 = parseChallenge('Digest realm="r", nonce="3", algorithm=SHA-512-256')!;
    const unknown = parseChallenge('Digest realm="r", nonce="4", algorithm=SHA3')!;
    expect(chooseChallenge([md5, sha256, sha512, unknown])).toBe(sha512);
    expect(chooseChallenge([md5, sha256])).toBe(sha256);
    expect(chooseChallenge([unknown])).toBeUndefined();
  });

  it('without qop produces an RFC 2069 style response', () => {
    const c = parseChallenge('Digest realm="r", nonce="n"')!;
    const header = buildAuthorization({
      challenge: c,
      username: 'u',
      password: 'p',
      method: 'REGISTER',
      uri: 'sip:r',
      nc: 1,
      cnonce: 'x',
    });
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    expect(header).toBe(
      `Digest username="u", realm="r", uri="sip:r", nonce="n", response="${md5(`${md5('u:r:p')}:n:${md5('REGISTER:sip:r')}`)}"`,
    );
    expect(formatNc(255)).toBe('000000ff');
  });
});

describe('DigestClient', () => {
  it('counts nonce uses', () => {
    const client = new DigestClient({ username: 'u', password: 'p', cnonce: () => 'c' });
    const c = parseChallenge('Digest realm="r", nonce="n", qop="auth"')!;
    expect(client.authorize(c, 'REGISTER', 'sip:r')).toContain('nc=00000001');
    expect(client.authorize(c, 'REGISTER', 'sip:r')).toContain('nc=00000002');
    client.forget('n');
    expect(client.authorize(c, 'REGISTER', 'sip:r')).toContain('nc=00000001');
    expect(
      client.authorize(parseChallenge('Digest realm="r", nonce="n", algorithm=X')!, 'A', 'b'),
    ).toBeUndefined();
  });
});
