#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseCliArgs, USAGE } from './cli-args.js';
import { loadConfig } from './config/index.js';
import { Daemon } from './daemon.js';
import { createLogger } from './logger.js';
import { installSignalHandlers } from './lifecycle/signals.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

async function main(): Promise<number> {
  const parsed = parseCliArgs(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    process.stderr.write(`voice-assistant: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { args } = parsed;
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`voice-assistant ${version()}\n`);
    return 0;
  }
  const loaded = loadConfig(args.configPath, process.env);
  if (loaded.problems.length > 0 || !loaded.config) {
    process.stderr.write(
      `voice-assistant: ${loaded.problems.length} configuration problem(s)${loaded.source ? ` in ${loaded.source} and the environment` : ''}:\n`,
    );
    for (const p of loaded.problems)
      process.stderr.write(`  ${p.field}: got ${p.value}, expected ${p.expected}\n`);
    return 1;
  }
  if (args.checkConfig) {
    const c = loaded.config;
    process.stdout.write(
      `configuration OK${loaded.source ? ` (${loaded.source})` : ' (defaults + environment)'}: ` +
        `${c.sip.accounts.length} account(s), SIP ${c.sip.listenTransports.join('/')} on ${c.sip.listenAddress}:${c.sip.listenPort}, ` +
        `RTP ${c.rtp.portMin}-${c.rtp.portMax}, HTTP ${c.http.listenAddress}:${c.http.port}\n`,
    );
    return 0;
  }
  const logger = createLogger(loaded.config.log.level);
  const daemon = new Daemon(loaded.config, { logger, version: version(), configPath: args.configPath });
  installSignalHandlers(daemon, logger, () => loadConfig(args.configPath, process.env));
  try {
    await daemon.start();
  } catch (err) {
    logger.fatal({ err }, `failed to start: ${(err as Error).message}`);
    await daemon.stop('startup-failure').catch(() => undefined);
    return 1;
  }
  return -1; // keep running; signals end the process
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`voice-assistant: fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
