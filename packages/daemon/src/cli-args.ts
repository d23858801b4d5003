/** Parsed command line of the `voice-assistant` binary. */
export interface CliArgs {
  readonly configPath?: string | undefined;
  readonly checkConfig: boolean;
  readonly help: boolean;
  readonly version: boolean;
}

export type CliParse = { ok: true; args: CliArgs } | { ok: false; error: string };

export const USAGE = `Usage: voice-assistant [--config FILE] [--check-config] [--help] [--version]

An AI voice assistant on a SIP phone line. With no configuration it runs the echo test:
it answers any call on UDP/TCP port 5060, plays a greeting, echoes your voice back and
reads back DTMF digits.

Options:
  -c, --config FILE   YAML configuration file (default: $VOICE_ASSISTANT_CONFIG, else none).
                      Environment variables override the file (SIP_SERVER, SIP_USERNAME, ...).
      --check-config  Validate the configuration, print every problem, exit 1 if any.
  -h, --help          Show this help.
  -v, --version       Print the version.

Common environment variables (see README for all):
  SIP_SERVER SIP_PORT SIP_USERNAME SIP_PASSWORD SIP_DOMAIN SIP_TRANSPORT SIP_AUTH_USERNAME
  SIP_LISTEN_ADDRESS SIP_LISTEN_PORT SIP_PUBLIC_ADDRESS RTP_PORT_MIN RTP_PORT_MAX
  HTTP_LISTEN_ADDRESS HTTP_PORT LOG_LEVEL OPENAI_API_KEY DEEPGRAM_API_KEY ELEVENLABS_API_KEY
`;

/** Parses argv (without node and script). Never throws. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliParse {
  let configPath = env.VOICE_ASSISTANT_CONFIG || undefined;
  let checkConfig = false;
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--config' || a === '-c') {
      const v = argv[++i];
      if (v === undefined || v.startsWith('-')) return { ok: false, error: `${a} needs a file path` };
      configPath = v;
    } else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else if (a === '--check-config') checkConfig = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--version' || a === '-v') version = true;
    else return { ok: false, error: `unknown argument: ${a}` };
  }
  return { ok: true, args: { configPath, checkConfig, help, version } };
}
