import { afterEach, describe, expect, it } from 'vitest';
import { UserAgent } from '../user-agent.js';
import type { IncomingCall } from '../user-agent.js';
import type { Dialog } from '../dialog/dialog.js';

// Real sockets on 127.0.0.1 with ephemeral ports: one UA talks to another.
const agents: UserAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
});

async function pair(protocol: 'udp' | 'tcp') {
  const a = new UserAgent({ transports: [{ protocol, host: '127.0.0.1', port: 0 }], userAgent: 'a' });
  const b = new UserAgent({ transports: [{ protocol, host: '127.0.0.1', port: 0 }], userAgent: 'b' });
  agents.push(a, b);
  await a.start();
  await b.start();
  const bAddr = b.boundAddresses[0]!;
  return {
    a,
    b,
    bUri: `sip:bob@127.0.0.1:${bAddr.port}${protocol === 'udp' ? '' : `;transport=${protocol}`}`,
  };
}

for (const protocol of ['udp', 'tcp'] as const) {
  describe(`loopback over ${protocol}`, () => {
    it('OPTIONS gets 200 with Allow', async () => {
      const { a, bUri } = await pair(protocol);
      const res = await a.request('OPTIONS', bUri, { transport: protocol });
      expect(res.status).toBe(200);
      expect(res.headers.find((h) => h.name === 'Allow')?.value).toContain('INVITE');
    });

    it('MESSAGE reaches the message listener', async () => {
      const { a, b, bUri } = await pair(protocol);
      b.on('message', (req, respond: (s: number) => void) => {
        expect(req.body.toString()).toBe('hello');
        respond(202);
      });
      const res = await a.request('MESSAGE', bUri, { body: Buffer.from('hello'), contentType: 'text/plain' });
      expect(res.status).toBe(202);
    });

    it('INVITE answered, ACKed and hung up with BYE', async () => {
      const { a, b, bUri } = await pair(protocol);
      const dialogs: Promise<Dialog>[] = [];
      b.on('invite', (call: IncomingCall) => {
        dialogs.push(call.accept({ body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' }));
      });
      const dialog = await a.invite(bUri, { body: Buffer.from('v=0\r\n'), contentType: 'application/sdp' });
      expect(dialog.state).toBe('confirmed');
      const remote = await dialogs[0]!;
      const bye = new Promise((resolve) => remote.once('terminated', resolve));
      await dialog.bye();
      expect(await bye).toEqual({ reason: 'remote-bye' });
    });
  });
}
