import { describe, expect, it } from 'vitest';
import { FakeNetwork } from '../testing/fake-socket.js';
import { IceLiteAgent } from './ice-lite.js';
import { SecureMediaTransport } from './secure-media-transport.js';

const RTP = Buffer.from([0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
const DTLS = Buffer.from([22, 0xfe, 0xfd, 0]);

describe('SecureMediaTransport (RFC 7983 demultiplexing)', () => {
  it('holds RTP both ways until openMedia(), routes DTLS at once, drops unknown first bytes', () => {
    const net = new FakeNetwork();
    const ours = net.bind('127.0.0.1', 4000);
    const peer = net.bind('127.0.0.1', 5000);
    const t = new SecureMediaTransport({ socket: ours, remote: { address: '127.0.0.1', port: 5000 } });
    const rtpIn: Buffer[] = [];
    const dtlsIn: Buffer[] = [];
    t.on('message', (m) => rtpIn.push(m));
    t.setDtlsHandler((d) => dtlsIn.push(d));
    t.send(RTP, 5000, '127.0.0.1');
    peer.send(RTP, 4000, '127.0.0.1');
    peer.send(DTLS, 4000, '127.0.0.1');
    peer.send(Buffer.from([70, 1]), 4000, '127.0.0.1');
    expect(peer.sent).toHaveLength(3);
    expect(ours.sent).toHaveLength(0); // nothing in clear before the keys
    expect(rtpIn).toHaveLength(0);
    expect(dtlsIn).toEqual([DTLS]);
    expect(t.dropped).toBe(3);
    t.openMedia();
    t.send(RTP, 5000, '127.0.0.1');
    peer.send(RTP, 4000, '127.0.0.1');
    expect(ours.sent).toHaveLength(1);
    expect(rtpIn).toEqual([RTP]);
    t.close();
    peer.send(RTP, 4000, '127.0.0.1');
    expect(rtpIn).toHaveLength(1);
  });

  it('with ICE, takes DTLS only from checked sources or the signalled default candidate', () => {
    const net = new FakeNetwork();
    const ours = net.bind('127.0.0.1', 4000);
    const peer = net.bind('127.0.0.1', 5000);
    const spoofer = net.bind('127.0.0.9', 5000);
    const ice = new IceLiteAgent({ localUfrag: 'a', localPwd: 'p'.repeat(22), remoteUfrag: 'b' });
    const t = new SecureMediaTransport({ socket: ours, remote: { address: '127.0.0.1', port: 5000 }, ice });
    const dtlsIn: string[] = [];
    t.setDtlsHandler(() => dtlsIn.push('x'));
    spoofer.send(DTLS, 4000, '127.0.0.1');
    expect(dtlsIn).toHaveLength(0);
    peer.send(DTLS, 4000, '127.0.0.1');
    expect(dtlsIn).toHaveLength(1);
    t.close();
  });
});
