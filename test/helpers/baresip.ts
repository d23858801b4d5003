import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { startProcess, until, type Managed } from './processes.js';

export interface BaresipOptions {
  readonly dir: string;
  /** SIP port (baresip also takes port+1 for TLS). */
  readonly sipPort: number;
  /** ctrl_tcp port. */
  readonly ctrlPort: number;
  /** RTP port range start (uses 20 ports). */
  readonly rtpPort: number;
  /** WAV to send as microphone; must match the codec rate exactly (8 kHz mono for G.711). */
  readonly sourceWav: string;
  /** Account lines, e.g. `<sip:alice@127.0.0.1:5080>;auth_pass=alicepw;regint=300`. */
  readonly accounts: string[];
  /** Extra config lines / modules (`module srtp.so`, `module opus.so`). */
  readonly extraModules?: string[];
}

export interface BaresipEvent {
  readonly type: string;
  readonly param?: string;
  readonly id?: string;
  readonly [k: string]: unknown;
}

/** A baresip softphone driven over ctrl_tcp (netstring JSON), recording what it sent and heard. */
export class Baresip {
  readonly events: BaresipEvent[] = [];
  private sock?: Socket;
  private buf = '';
  private pending = new Map<string, (r: { ok: boolean; data: string }) => void>();
  private seq = 0;

  private constructor(
    readonly proc: Managed,
    readonly opts: BaresipOptions,
  ) {}

  static async start(opts: BaresipOptions): Promise<Baresip> {
    mkdirSync(opts.dir, { recursive: true });
    const modules = ['g711.so', 'aufile.so', 'alsa.so', 'sndfile.so', ...(opts.extraModules ?? [])];
    const config = [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${opts.sipPort}`,
      'net_interface 127.0.0.1',
      'audio_player alsa,null',
      'audio_alert alsa,null',
      `audio_source aufile,${opts.sourceWav}`,
      'module_path /usr/lib/baresip/modules',
      ...modules.map((m) => `module ${m}`),
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${opts.ctrlPort}`,
      `snd_path ${opts.dir}`,
      `rtp_ports ${opts.rtpPort}-${opts.rtpPort + 19}`,
      'answermode manual',
      '',
    ].join('\n');
    writeFileSync(join(opts.dir, 'config'), config);
    writeFileSync(join(opts.dir, 'accounts'), opts.accounts.join('\n') + '\n');
    const proc = startProcess('baresip', 'baresip', ['-f', opts.dir], {
      logFile: join(opts.dir, 'baresip.log'),
    });
    await proc.waitFor(/baresip is ready/, 10_000);
    const b = new Baresip(proc, opts);
    await b.connect();
    return b;
  }

  private async connect(): Promise<void> {
    const sock = await until(
      () =>
        new Promise<Socket | undefined>((resolve) => {
          const s = connect(this.opts.ctrlPort, '127.0.0.1');
          s.once('connect', () => resolve(s));
          s.once('error', () => resolve(undefined));
        }),
      5000,
      'baresip ctrl_tcp',
    );
    this.sock = sock;
    sock.on('data', (d) => this.onData(d.toString('utf8')));
  }

  private onData(text: string): void {
    this.buf += text;
    for (;;) {
      const colon = this.buf.indexOf(':');
      if (colon < 0) return;
      const len = Number(this.buf.slice(0, colon));
      if (this.buf.length < colon + 1 + len + 1) return;
      const json = this.buf.slice(colon + 1, colon + 1 + len);
      this.buf = this.buf.slice(colon + 1 + len + 1);
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(json) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (msg.event === true) this.events.push(msg as unknown as BaresipEvent);
      else if (msg.response === true) {
        const cb = this.pending.get(String(msg.token));
        this.pending.delete(String(msg.token));
        cb?.({ ok: msg.ok === true, data: String(msg.data ?? '') });
      }
    }
  }

  /** Sends a long-form menu command (`dial`, `hangup`, `sndcode`, `accept`, `reginfo`). */
  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const token = `t${++this.seq}`;
    const json = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`baresip: no answer to ${command}`)), 5000);
      this.pending.set(token, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.sock?.write(`${Buffer.byteLength(json)}:${json},`);
    });
  }

  /** Resolves with the first event of `type` (also one already seen). */
  waitEvent(type: string, timeoutMs = 10_000): Promise<BaresipEvent> {
    return until(() => this.events.find((e) => e.type === type), timeoutMs, `baresip event ${type}`, 50);
  }

  /** The sndfile dumps: `enc` is what baresip sent, `dec` what it received. */
  recordings(): { enc?: string; dec?: string } {
    const files = readdirSync(this.opts.dir).filter((f) => f.startsWith('dump-'));
    const pick = (s: string): string | undefined => {
      const f = files
        .filter((n) => n.endsWith(`-${s}.wav`))
        .sort()
        .pop();
      return f ? join(this.opts.dir, f) : undefined;
    };
    return { enc: pick('enc'), dec: pick('dec') };
  }

  async stop(): Promise<void> {
    this.sock?.destroy();
    await this.proc.stop();
  }
}
