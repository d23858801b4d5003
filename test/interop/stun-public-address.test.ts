import { createSocket, type Socket } from 'node:dgram';
import { StunAttr, StunMethod, encodeStun, encodeXorAddress, parseStun } from '@voice-assistant/rtp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from '../helpers/daemon.js';
import { runDir } from '../helpers/paths.js';
import { freePortBlock } from '../helpers/ports.js';
import { stopAll, until } from '../helpers/processes.js';
import { UdpPeer, header, inDialogRequest, inviteRequest } from '../helpers/sip-wire.js';

/**
 * NAT: with SIP_STUN_SERVER (and no SIP_PUBLIC_ADDRESS) the daemon learns the address a
 * STUN server sees it from and advertises it in SDP and /sip/status. The fake STUN server
 * maps every client to 127.0.0.9, so nothing ever leaves loopback.
 */
describe('public address discovery with STUN (SIP_STUN_SERVER)', () => {
  const dir = runDir('stun');
  let base = 0;
  let daemon: DaemonHandle;
  let stun: Socket;
  let stunRequests = 0;

  beforeAll(async () => {
    base = await freePortBlock(40);
    stun = createSocket('udp4');
    stun.on('message', (msg, rinfo) => {
      const req = parseStun(msg);
      if (!req || req.method !== StunMethod.BINDING || req.cls !== 'request') return;
      stunRequests++;
      const value = encodeXorAddress('127.0.0.9', rinfo.port, req.transactionId);
      stun.send(
        encodeStun({
          method: StunMethod.BINDING,
          cls: 'success',
          transactionId: req.transactionId,
          attributes: [{ type: StunAttr.XOR_MAPPED_ADDRESS, value }],
        }),
        rinfo.port,
        rinfo.address,
      );
    });
    await new Promise<void>((r) => stun.bind(base + 30, '127.0.0.1', () => r()));
    daemon = await startDaemon({
      dir,
      sipPort: base,
      httpPort: base + 1,
      rtpPortMin: base + 10,
      rtpPortMax: base + 19,
      env: { SIP_STUN_SERVER: `stun:127.0.0.1:${base + 30}`, RTP_MEDIA_TIMEOUT_SEC: '0' },
    });
  });
  afterAll(async () => {
    await daemon?.stop();
    stun?.close();
    await stopAll();
  });

  it('reports the learnt address and puts it in the SDP answer', async () => {
    expect(stunRequests).toBeGreaterThan(0);
    const { body } = await daemon.get<{
      public_address: { address: string; source: string };
      diagnostics: string[];
    }>('/sip/status');
    expect(body.public_address).toEqual({ address: '127.0.0.9', source: 'stun' });
    expect(body.diagnostics).toEqual([]);
    const peer = await UdpPeer.bind('127.0.0.1', [base + 5]);
    const p = { host: '127.0.0.1', port: base + 5, toPort: base };
    try {
      await peer.send(inviteRequest({ ...p, callId: 'stun-1', mediaPort: base + 7 }), base);
      const got = await peer.collect(5000, (r) => r.some((m) => m.status === 200), 0);
      const ok = got.find((m) => m.status === 200);
      expect(ok?.text).toMatch(/\r\nc=IN IP4 127\.0\.0\.9\r\n/);
      const toTag = /;tag=([^;>\s]+)/.exec(header(ok?.text ?? '', 'to') ?? '')?.[1] ?? '';
      await peer.send(inDialogRequest('ACK', { ...p, callId: 'stun-1', toTag, seq: 1 }), base);
      await peer.send(inDialogRequest('BYE', { ...p, callId: 'stun-1', toTag, seq: 2 }), base);
      await until(
        async () => (await daemon.get<{ active_calls: number }>('/sip/status')).body.active_calls === 0,
        5000,
        'call end',
      );
    } finally {
      peer.close();
    }
  });
});
