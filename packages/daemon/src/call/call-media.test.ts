import { Writable } from 'node:stream';
import {
  answerOffer,
  IceLiteAgent,
  type LocalMediaOptions,
  type RtpSession,
  type SecureMediaTransport,
} from '@voice-assistant/rtp';
import type { SipRequest } from '@voice-assistant/sip-stack';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { Call } from './call.js';
import { handleReoffer } from './call-media.js';

const crlf = (lines: string[]): string => lines.join('\r\n') + '\r\n';
const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

/** A WebRTC-style offer (baresip dtls_srtp + ice shape) with the given ICE credentials and o= version. */
function offer(ufrag: string, pwd: string, version: number): string {
  return crlf([
    'v=0',
    `o=- 1 ${version} IN IP4 127.0.0.2`,
    's=-',
    'c=IN IP4 127.0.0.2',
    't=0 0',
    `a=ice-ufrag:${ufrag}`,
    `a=ice-pwd:${pwd}`,
    `a=fingerprint:sha-256 ${FP}`,
    'a=setup:actpass',
    'm=audio 10000 UDP/TLS/RTP/SAVPF 0',
    'a=rtpmap:0 PCMU/8000',
    'a=rtcp-mux',
    'a=candidate:1 1 UDP 2113932031 127.0.0.2 10000 typ host',
    'a=sendrecv',
  ]);
}

const silent = createLogger(
  'error',
  new Writable({
    write: (_c, _e, cb) => cb(),
  }),
);

/** An answered DTLS-SRTP call (ICE-lite agent, our answer in call.local), without sockets. */
function answeredCall(): { call: Call; agent: IceLiteAgent } {
  const ours: Pick<LocalMediaOptions, 'dtls' | 'ice'> = {
    dtls: { fingerprint: { algorithm: 'sha-256', value: FP.replace(/AB/g, '11') } },
    ice: {
      ufrag: 'wxyz',
      pwd: 'ZYXWVUTSRQPONMLKJIHGFE',
      candidates: [
        {
          foundation: '1',
          component: 1,
          transport: 'udp',
          priority: 2130706431,
          address: '127.0.0.1',
          port: 40000,
          type: 'host',
        },
      ],
    },
  };
  const first = answerOffer(offer('AbCd', '0123456789abcdef012345', 1), {
    address: '127.0.0.1',
    port: 40000,
    codecs: ['PCMU'],
    sessionId: '7',
    sessionVersion: 1,
    ...ours,
  });
  if (!first.ok) throw new Error(first.reason);
  const call = new Call(
    'c1',
    { callId: 'x', from: 'sip:a@b', to: 'sip:c@d', direction: 'inbound' },
    'default',
    silent,
  );
  const agent = new IceLiteAgent({
    localUfrag: 'wxyz',
    localPwd: 'ZYXWVUTSRQPONMLKJIHGFE',
    remoteUfrag: 'AbCd',
  });
  call.media = first.media;
  call.local = { address: '127.0.0.1', port: 40000, sessionId: '7', version: 1, sdp: first.sdp };
  call.session = {
    remoteAddress: { address: '127.0.0.2', port: 10000 },
    setRemote: () => undefined,
    setDirection: () => undefined,
  } as unknown as RtpSession;
  call.secure = {
    transport: {} as SecureMediaTransport,
    ready: new Promise(() => undefined),
    close: () => undefined,
    answerOptions: ours,
    ice: agent,
  };
  return { call, agent };
}

function reoffer(call: Call, sdp: string): { status: number; body: string } {
  let out = { status: 0, body: '' };
  handleReoffer(
    call,
    undefined,
    { method: 'INVITE', body: Buffer.from(sdp) } as unknown as SipRequest,
    (status, opts) => (out = { status, body: opts?.body?.toString('utf8') ?? '' }),
    () => undefined,
  );
  return out;
}

describe('re-offers on a DTLS-SRTP call (RFC 8842 §5.5, RFC 8445 §9)', () => {
  it('a re-offer with the same ICE credentials keeps ours and the agent as they are', () => {
    const { call, agent } = answeredCall();
    const r = reoffer(call, offer('AbCd', '0123456789abcdef012345', 2));
    expect(r.status).toBe(200);
    expect(r.body).toContain('a=ice-ufrag:wxyz');
    expect(r.body).toMatch(/^o=\S+ 7 1 /m); // our description did not change (RFC 3264 §8)
    expect(agent.credentials).toEqual({ localUfrag: 'wxyz', remoteUfrag: 'AbCd' });
  });

  it('new remote ICE credentials are an ICE restart: we answer with new ones and the agent takes both', () => {
    const { call, agent } = answeredCall();
    const r = reoffer(call, offer('EfGh', 'fedcba9876543210fedcba', 2));
    expect(r.status).toBe(200);
    const ufrag = /^a=ice-ufrag:(\S+)/m.exec(r.body)?.[1];
    const pwd = /^a=ice-pwd:(\S+)/m.exec(r.body)?.[1];
    expect(ufrag).toBeDefined();
    expect(ufrag).not.toBe('wxyz');
    expect(pwd).not.toBe('ZYXWVUTSRQPONMLKJIHGFE');
    expect(r.body).toMatch(/^o=\S+ 7 2 /m); // version + 1: our description changed
    expect(r.body).toContain(`a=fingerprint:sha-256 ${FP.replace(/AB/g, '11')}`); // same DTLS association
    expect(agent.credentials).toEqual({ localUfrag: ufrag, remoteUfrag: 'EfGh' });
    // The next re-offer without a restart keeps the new credentials.
    const again = reoffer(call, offer('EfGh', 'fedcba9876543210fedcba', 3));
    expect(again.body).toContain(`a=ice-ufrag:${ufrag}`);
    expect(agent.credentials.localUfrag).toBe(ufrag);
  });
});
