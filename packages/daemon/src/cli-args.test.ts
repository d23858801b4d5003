import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('reads --config, --check-config, --help and --version', () => {
    expect(parseCliArgs(['--config', 'a.yaml', '--check-config'], {})).toEqual({
      ok: true,
      args: { configPath: 'a.yaml', checkConfig: true, help: false, version: false },
    });
    expect(parseCliArgs(['--config=b.yaml', '-h', '-v'], {})).toMatchObject({
      ok: true,
      args: { configPath: 'b.yaml', help: true, version: true },
    });
  });
  it('takes the config path from VOICE_ASSISTANT_CONFIG unless given', () => {
    expect(parseCliArgs([], { VOICE_ASSISTANT_CONFIG: '/etc/va.yaml' })).toMatchObject({
      args: { configPath: '/etc/va.yaml' },
    });
    expect(parseCliArgs(['-c', 'x.yaml'], { VOICE_ASSISTANT_CONFIG: '/etc/va.yaml' })).toMatchObject({
      args: { configPath: 'x.yaml' },
    });
  });
  it('rejects unknown arguments and a missing file path', () => {
    expect(parseCliArgs(['--bogus'], {})).toEqual({ ok: false, error: 'unknown argument: --bogus' });
    expect(parseCliArgs(['--config'], {})).toEqual({ ok: false, error: '--config needs a file path' });
  });
});
