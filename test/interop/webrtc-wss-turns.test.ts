/**
 * TURN over TLS (`turns:`, RFC 8656 §3.1, RFC 7065) against a real coturn on loopback:
 * the signalling of a WebRTC-style deployment runs over WSS, and where only TLS leaves
 * the network the media relay is reached over TLS too. Our TurnClient runs unchanged over
 * a TurnTlsSocket (STUN and ChannelData framed on the TLS stream, ChannelData padded to
 * 4 bytes, §12.5): it allocates a UDP relay with the long-term credential, and data flows
 * both ways between it and a UDP peer: Send/Data indications first, then ChannelData.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TurnClient, TurnTlsSocket } from '../../packages/rtp/src/webrtc/turn-client.js';
import { selfSignedCert } from '../helpers/kamailio-ws.js';
import { TURN_PASSWORD, TURN_USER, writeCoturnConfig } from '../helpers/netns.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock, tcpFree } from '../helpers/ports.js';
import { startProcess, stopAll, until, type Managed } from '../helpers/processes.js';

const HAVE_COTURN = (() => {
  try {
    readFileSync('/usr/bin/turnserver');
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!HAVE_COTURN)('TURN over TLS (turns:) with coturn', () => {
  const dir = runDir('webrtc-wss-turns');
  let base = 0;
  let coturn: Managed;
  let peer: Socket;
  let tlsSocket: TurnTlsSocket | undefined;
  let client: TurnClient | undefined;
  let certFile = '';

  beforeAll(async () => {
    base = await freePortBlock(40);
    const cert = selfSignedCert(join(dir, 'certs'));
    certFile = cert.certFile;
    const conf = writeCoturnConfig(dir, {
      ip: '127.0.0.1',
      port: base,
      minPort: base + 10,
      maxPort: base + 39,
      tls: { port: base + 2, certFile: cert.certFile, keyFile: cert.keyFile },
    });
    coturn = startProcess('coturn', 'turnserver', ['-c', conf], { logFile: join(dir, 'coturn.log') });
    await coturn.waitFor(/Total General servers/, 15_000);
    await until(async () => !(await tcpFree(base + 2)), 10_000, 'coturn TLS listener');
    peer = createSocket('udp4');
    await new Promise<void>((resolve) => peer.bind(base + 5, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    client?.close();
    tlsSocket?.close();
    peer?.close();
    await coturn?.stop();
    await stopAll();
  });

  it('allocates over TLS and relays UDP both ways (indications, then ChannelData)', async () => {
    tlsSocket = await TurnTlsSocket.connect({
      host: '127.0.0.1',
      port: base + 2,
      ca: readFileSync(certFile),
    });
    client = new TurnClient({
      socket: tlsSocket,
      server: tlsSocket.server,
      username: TURN_USER,
      password: TURN_PASSWORD,
      reliable: true,
      ownsSocket: true,
    });
    const relayed = await client.allocate();
    expect(relayed.address).toBe('127.0.0.1');
    expect(relayed.port).toBeGreaterThanOrEqual(base + 10);
    await client.createPermission('127.0.0.1');

    const atClient: string[] = [];
    client.relayedSocket.on('message', (msg, rinfo) => atClient.push(`${rinfo.port} ${msg.toString()}`));
    const atPeer: string[] = [];
    peer.on('message', (msg, rinfo) => atPeer.push(`${rinfo.port} ${msg.toString()}`));
    const peerAddr = { address: '127.0.0.1', port: base + 5 };

    // Send indication out, Data indication back (RFC 8656 §10)
    client.send(Buffer.from('hello peer'), peerAddr);
    await until(() => atPeer.length === 1, 5000, 'peer got the Send indication data');
    expect(atPeer[0]).toBe(`${relayed.port} hello peer`);
    peer.send('hello client', relayed.port, relayed.address);
    await until(() => atClient.length === 1, 5000, 'client got the Data indication');
    expect(atClient[0]).toBe(`${base + 5} hello client`);

    // ChannelData both ways (§12), odd lengths: padded on the TLS stream, not on UDP
    await client.channelBind(peerAddr);
    for (const text of ['a', 'abc', 'abcde', 'abcdefg']) client.send(Buffer.from(text), peerAddr);
    await until(() => atPeer.length === 5, 5000, 'peer got the ChannelData payloads');
    expect(atPeer.slice(1)).toEqual(['a', 'abc', 'abcde', 'abcdefg'].map((t) => `${relayed.port} ${t}`));
    for (const text of ['x', 'xyz', 'xyzzy']) peer.send(text, relayed.port, relayed.address);
    await until(() => atClient.length === 4, 5000, 'client got the ChannelData payloads');
    expect(atClient.slice(1)).toEqual(['x', 'xyz', 'xyzzy'].map((t) => `${base + 5} ${t}`));
    expect(client.dropped).toBe(0);
    // close() releases the allocation (Refresh, LIFETIME 0) and closes the TLS connection
    client.close();
    await until(() => !tlsSocket?.open, 5000, 'TLS connection closed');
  });
});
