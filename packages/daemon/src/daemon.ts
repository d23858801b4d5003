import { UserAgent } from '@voice-assistant/sip-stack';
import { PortAllocator } from '@voice-assistant/rtp';
import { createProvidersFromEnv, type ProviderSet } from '@voice-assistant/ai-pipeline';
import { ECHO_TEST_PROMPTS } from './apps/echo-test.js';
import { PromptLibrary } from './audio/prompts.js';
import { CallManager } from './call/call-manager.js';
import { MediaTicker } from './call/media-ticker.js';
import type { AccountConfig, DaemonConfig } from './config/index.js';
import { HttpError, HttpServer } from './http/server.js';
import { callsApi, type TwilioOutbound } from './http/calls-api.js';
import { createCallApp } from './apps/factory.js';
import {
  TwilioApiError,
  TwilioNotConfiguredError,
  TwilioProvider,
  twilioDialTarget,
} from './twilio/index.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics/metrics.js';
import { discoverPublicAddress, type PublicAddress } from './nat/public-address.js';
import { scheduleRetention, type RetentionHandle } from './recording/index.js';
import { startAccountRegistration, type AccountRuntime } from './sip/account-registration.js';
import { resolveInstanceId } from './sip/instance-id.js';
import { sipTransports, syncWsTransports, transportLayerOf, wsUrls } from './sip/transports.js';
import { accountStatus, overallStatus, type AccountStatus } from './status.js';

export interface DaemonOptions {
  readonly logger: Logger;
  readonly version: string;
  readonly configPath?: string | undefined;
}

/**
 * Whether an AI assistant is configured: an LLM key or an OpenAI-compatible base URL
 * (self-hosted). Without one every call runs the echo test.
 */
export function aiConfigured(config: DaemonConfig): boolean {
  return Boolean(config.ai.openai.apiKey || config.ai.openai.baseUrl);
}

/**
 * The provider variables as the AI pipeline reads them: the resolved configuration (YAML
 * and environment already merged) wins; other variables (STT_PROVIDER, OPENAI_TTS_*, ...)
 * come from the environment.
 */
export function providerEnv(
  config: DaemonConfig,
  env: NodeJS.ProcessEnv,
): Record<string, string | undefined> {
  const ai = config.ai;
  const fromConfig: Record<string, string | undefined> = {
    OPENAI_API_KEY: ai.openai.apiKey,
    OPENAI_BASE_URL: ai.openai.baseUrl,
    OPENAI_MODEL: ai.openai.model,
    DEEPGRAM_API_KEY: ai.deepgram.apiKey,
    DEEPGRAM_BASE_URL: ai.deepgram.baseUrl,
    DEEPGRAM_MODEL: ai.deepgram.model,
    ELEVENLABS_API_KEY: ai.elevenlabs.apiKey,
    ELEVENLABS_BASE_URL: ai.elevenlabs.baseUrl,
    ELEVENLABS_VOICE_ID: ai.elevenlabs.voiceId,
  };
  const out: Record<string, string | undefined> = { ...env };
  for (const [k, v] of Object.entries(fromConfig)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The running service: one SIP user agent (all listeners), one registration per account
 * with a registrar, the call manager, and the HTTP API.
 */
export class Daemon {
  readonly metrics = new Metrics();
  private config: DaemonConfig;
  private readonly log: Logger;
  private ua?: UserAgent;
  private http?: HttpServer;
  private calls?: CallManager;
  private readonly accounts = new Map<string, AccountRuntime>();
  private readonly providers = new Map<string, ProviderSet>();
  private twilio?: TwilioProvider;
  private retention?: RetentionHandle;
  private publicAddress: PublicAddress = { source: 'none' };
  private draining = false;
  private started = false;
  /** Bound HTTP port (after start). */
  httpPort = 0;

  constructor(
    config: DaemonConfig,
    private readonly opts: DaemonOptions,
  ) {
    this.config = config;
    this.log = opts.logger;
  }

  async start(): Promise<void> {
    const cfg = this.config;
    this.publicAddress = await this.findPublicAddress(cfg);
    const prompts = new PromptLibrary();
    prompts.verify(ECHO_TEST_PROMPTS);
    const ports = new PortAllocator({
      min: cfg.rtp.portMin,
      max: cfg.rtp.portMax,
      host: cfg.sip.listenAddress,
    });
    const ticker = new MediaTicker(20, (err) => {
      this.log.error({ err }, 'media tick failed');
      this.countError('internal');
    });
    this.buildProviders(cfg);
    this.calls = new CallManager({
      config: () => this.config,
      logger: this.log,
      metrics: this.metrics,
      prompts,
      ports,
      providers: (name) => this.providers.get(name),
      ua: () => this.ua,
      publicAddress: () => this.publicAddress.address,
    });
    this.ua = new UserAgent({
      transports: sipTransports(cfg),
      userAgent: `${cfg.sip.userAgent}/${this.opts.version}`,
      publicAddress: this.publicAddress.address,
      timers: { t1Ms: cfg.sip.t1Ms },
      sessionTimers: {
        enabled: cfg.sip.sessionExpiresSec > 0,
        expiresSec: Math.max(cfg.sip.sessionExpiresSec, cfg.sip.minSeSec),
        minSeSec: cfg.sip.minSeSec,
      },
      logger: this.log.child({ component: 'sip' }),
      // RFC 3263 (NAPTR/SRV/A) through `sip.dns_servers` when set; RFC 3261 §18.1.1 threshold.
      dnsServers: cfg.sip.dnsServers,
      pathMtu: cfg.sip.pathMtu,
    });
    this.ua.on('invite', (inc) => this.calls?.handleInvite(inc));
    this.ua.on('error', (err: Error) => {
      this.log.error({ err }, `SIP stack error: ${err.message}`);
      this.countError('sip_handler');
    });
    await this.ua.start();
    for (const b of this.ua.boundAddresses)
      if (b.protocol !== 'ws' && b.protocol !== 'wss')
        this.log.info(b, `SIP listening on ${b.protocol.toUpperCase()} ${b.host}:${b.port}`);
    for (const url of wsUrls(cfg)) this.log.info({ url }, `SIP over WebSocket: connecting to ${url}`);

    this.http = new HttpServer({
      host: cfg.http.listenAddress,
      port: cfg.http.port,
      logger: this.log,
      backend: {
        sipStatus: () => this.sipStatus(),
        healthy: () => this.started,
        ready: () => this.readiness(),
        metrics: async () => ({
          contentType: this.metrics.registry.contentType,
          body: await this.metrics.text(),
        }),
      },
    });
    this.twilio = new TwilioProvider({
      config: cfg,
      logger: this.log.child({ component: 'twilio' }),
      metrics: this.metrics,
      ticker,
      account: cfg.sip.accounts[0]?.name ?? 'twilio',
      otherActiveCalls: () => this.calls?.calls.size ?? 0,
      // Twilio calls reach the same assistant (or echo test) as SIP calls.
      createApp: (port, control, meta) => {
        const account = this.config.sip.accounts.find((a) => a.name === meta.account);
        return createCallApp({
          port,
          control,
          account,
          providers: account ? this.providers.get(account.name) : undefined,
          prompts,
          metrics: this.metrics,
          log: this.log.child({ provider: 'twilio', callSid: meta.callSid }),
        }).app;
      },
    });
    this.twilio.attach(this.http);
    this.http.addRoutes(callsApi(() => this.calls, this.twilioOutbound()));
    this.httpPort = await this.http.listen();
    this.log.info(
      { port: this.httpPort },
      `HTTP API listening on ${cfg.http.listenAddress}:${this.httpPort}`,
    );

    for (const account of cfg.sip.accounts) this.startAccount(account);
    this.retention = scheduleRetention({
      dir: () => this.config.recording.path,
      retentionDays: () => this.config.recording.retentionDays,
      logger: this.log.child({ component: 'recording' }),
    });
    if (cfg.recording.enabled)
      this.log.info({ path: cfg.recording.path }, `recording calls to ${cfg.recording.path}`);
    if (aiConfigured(cfg))
      this.log.info(
        { llm: cfg.ai.openai.baseUrl ?? 'api.openai.com', model: cfg.ai.openai.model },
        'AI assistant configured: calls are answered by the assistant',
      );
    else
      this.log.info(
        'No AI provider configured (OPENAI_API_KEY, DEEPGRAM_API_KEY, ELEVENLABS_API_KEY unset): running the echo test on every call',
      );
    this.started = true;
    this.log.info({ version: this.opts.version }, 'voice-assistant started');
  }

  /**
   * The address put in Via, Contact and SDP: SIP_PUBLIC_ADDRESS, else the one a STUN server
   * (SIP_STUN_SERVER) sees us from, else none (the local address toward each peer).
   */
  private async findPublicAddress(cfg: DaemonConfig): Promise<PublicAddress> {
    if (cfg.sip.publicAddress) return { address: cfg.sip.publicAddress, source: 'config' };
    if (!cfg.sip.stunServer) return { source: 'none' };
    const found = await discoverPublicAddress(cfg.sip.stunServer, cfg.sip.listenAddress);
    if (found.address)
      this.log.info(
        { address: found.address },
        `public address ${found.address} learnt from ${cfg.sip.stunServer}`,
      );
    else this.log.warn({ err: found.error }, `public address discovery failed: ${found.error ?? 'unknown'}`);
    return found;
  }

  /** One provider set per account (its voice and language); throws on an incomplete setup. */
  private buildProviders(cfg: DaemonConfig): void {
    this.providers.clear();
    if (!aiConfigured(cfg)) return;
    const env = providerEnv(cfg, process.env);
    for (const a of cfg.sip.accounts) {
      const set = createProvidersFromEnv(env, {
        ...(a.assistant.voiceId ? { elevenlabs: { voiceId: a.assistant.voiceId } } : {}),
        deepgram: { language: a.assistant.language },
        llm: {
          ...(a.assistant.model ? { model: a.assistant.model } : {}),
          ...(a.assistant.temperature !== undefined ? { temperature: a.assistant.temperature } : {}),
        },
      });
      if (set) this.providers.set(a.name, set);
    }
  }

  private startAccount(account: AccountConfig): void {
    const rt = startAccountRegistration(
      {
        ua: this.ua,
        metrics: this.metrics,
        log: this.log,
        instanceId: resolveInstanceId(this.config.sip.instanceId),
        countError: (type, name) => this.countError(type, name),
      },
      account,
    );
    this.accounts.set(account.name, rt);
  }

  /** `GET /sip/status`: the guide's shape, extended with accounts and listeners. */
  sipStatus(): object {
    const accounts: AccountStatus[] = [...this.accounts.values()].map((a) =>
      accountStatus(a.config, a.registration, a.registeredAt),
    );
    const primary = accounts.find((a) => a.server !== null) ?? accounts[0];
    const sipCalls = [...(this.calls?.calls.values() ?? [])].map((c) => c.summary());
    const calls: object[] = [...sipCalls, ...(this.twilio?.activeCalls() ?? [])];
    return {
      status: this.draining ? 'draining' : overallStatus(accounts),
      sip_server: primary?.server ?? null,
      sip_username: primary?.username ?? null,
      active_calls: calls.length,
      calls,
      mode: aiConfigured(this.config) ? 'ai-assistant' : 'echo-test',
      diagnostics: [
        ...accounts
          .filter((a) => a.status === 'failed')
          .map((a) => `account ${a.name}: registration failed (${a.last_error?.message ?? 'unknown'})`),
        ...(this.publicAddress.error ? [`public address: ${this.publicAddress.error}`] : []),
        ...sipCalls.flatMap((c) => c.warnings.map((w) => `call ${c.id}: ${w}`)),
      ],
      accounts,
      listen: this.ua?.boundAddresses ?? [],
      public_address: { address: this.publicAddress.address ?? null, source: this.publicAddress.source },
      telephony: {
        provider: this.config.telephony.provider,
        fallback: this.config.telephony.fallback ?? null,
      },
      twilio: this.twilio?.status(),
    };
  }

  private readiness(): { ready: boolean; reason?: string } {
    if (!this.started) return { ready: false, reason: 'starting' };
    if (this.draining) return { ready: false, reason: 'draining' };
    // With Twilio as the provider, SIP registrations are not what takes the calls.
    if (this.config.telephony.provider === 'twilio') return { ready: true };
    const waiting = [...this.accounts.values()].filter(
      (a) => a.registration && a.registration.state !== 'registered',
    );
    if (waiting.length > 0)
      return { ready: false, reason: `not registered: ${waiting.map((a) => a.config.name).join(', ')}` };
    return { ready: true };
  }

  /**
   * Outbound calls through Twilio: always with `TELEPHONY_PROVIDER=twilio`; with
   * `TELEPHONY_FALLBACK=twilio` while SIP is unusable (no account registered).
   */
  private twilioOutbound(): TwilioOutbound {
    return {
      wanted: () => {
        const t = this.config.telephony;
        if (t.provider === 'twilio') return true;
        if (t.fallback !== 'twilio') return false;
        const regs = [...this.accounts.values()].filter((a) => a.registration);
        return regs.length === 0
          ? !this.config.sip.accounts.some((a) => a.server)
          : regs.every((a) => a.registration?.state !== 'registered');
      },
      place: async (to) => {
        const twilio = this.twilio;
        if (!twilio) throw new HttpError(503, 'Twilio is not set up');
        const e164 = twilioDialTarget(to);
        if (!e164)
          throw new HttpError(422, `"${to}" is not a phone number: extensions exist only on the PBX`);
        try {
          const { sid } = await twilio.placeCall({ to: e164 });
          return { id: sid, provider: 'twilio', state: 'dialing', to: e164 };
        } catch (err) {
          if (err instanceof TwilioNotConfiguredError) throw new HttpError(503, err.message);
          if (err instanceof TwilioApiError) throw new HttpError(err.retryable ? 503 : 400, err.message);
          throw err;
        }
      },
    };
  }

  countError(type: string, account = ''): void {
    this.metrics.errorsTotal.inc({ error_type: type, account });
  }

  /** Applies a new configuration (SIGHUP). Accounts that changed re-register. */
  async reload(config: DaemonConfig): Promise<void> {
    const old = this.config;
    this.config = config;
    this.buildProviders(config);
    const before = new Map(old.sip.accounts.map((a) => [a.name, JSON.stringify(a)]));
    const after = new Map(config.sip.accounts.map((a) => [a.name, JSON.stringify(a)]));
    for (const [name, rt] of this.accounts) {
      if (after.get(name) === before.get(name)) continue;
      await rt.registration?.unregister().catch(() => undefined);
      this.accounts.delete(name);
      this.metrics.registered.remove({ account: name });
    }
    // RFC 7118: a ws/wss URL new to this configuration gets its connection before its
    // account registers; one no account names any more closes (its accounts un-REGISTERed above).
    if (this.ua) await this.syncWebSockets(this.ua, config);
    for (const a of config.sip.accounts) if (!this.accounts.has(a.name)) this.startAccount(a);
    this.log.info({ accounts: config.sip.accounts.map((a) => a.name) }, 'configuration reloaded');
  }

  /** Opens and closes WebSocket connections to match `config` (reload); failures are logged. */
  private async syncWebSockets(ua: UserAgent, config: DaemonConfig): Promise<void> {
    try {
      const { added, removed } = await syncWsTransports(transportLayerOf(ua), config);
      for (const url of added) this.log.info({ url }, `SIP over WebSocket: connecting to ${url}`);
      for (const url of removed) this.log.info({ url }, `SIP over WebSocket: closed ${url}`);
    } catch (err) {
      this.log.error({ err }, `WebSocket connections not updated: ${(err as Error).message}`);
      this.countError('internal');
    }
  }

  /** Graceful stop: refuse new calls, drain, un-REGISTER, close listeners. */
  async stop(reason: string): Promise<void> {
    this.draining = true;
    this.calls?.startDraining();
    const active = this.calls?.activeCount ?? 0;
    if (active > 0)
      this.log.info(
        { active, drainMs: this.config.shutdownDrainMs },
        `waiting for ${active} call(s) to finish`,
      );
    await this.calls?.drain(this.config.shutdownDrainMs);
    await Promise.all(
      [...this.accounts.values()].map((a) => a.registration?.unregister().catch(() => undefined)),
    );
    this.retention?.stop();
    await this.twilio?.close();
    await this.ua?.stop();
    await this.http?.close();
    this.started = false;
    this.log.info({ reason }, 'voice-assistant stopped');
  }
}
