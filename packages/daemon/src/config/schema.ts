/**
 * The daemon's configuration model: one typed, frozen object resolved once from
 * defaults < YAML file < environment variables (see `load.ts`). Durations are in
 * milliseconds unless the name says otherwise (`expiresSec`).
 */

/** SIP transport protocols the daemon can listen on and register over. */
export type SipTransportName = 'udp' | 'tcp' | 'tls';
/** Transports an account registers over: the listen ones plus SIP over WebSocket (RFC 7118, outbound only). */
export type AccountTransportName = SipTransportName | 'ws' | 'wss';
/** SRTP policy per account (RFC 3711 / RFC 4568 SDES). */
export type SrtpPolicyName = 'off' | 'optional' | 'mandatory';

/**
 * How media keys are agreed: `sdes` (default) uses `srtp` (RFC 4568 a=crypto, or plain
 * RTP); `dtls-srtp` also accepts WebRTC-style `UDP/TLS/RTP/SAVPF` offers with ICE-lite
 * and DTLS-SRTP (RFC 5763/5764, @voice-assistant/rtp prepareSecureMedia).
 */
export type MediaEncryptionName = 'sdes' | 'dtls-srtp';

/**
 * Which REFERs (RFC 3515: "call this target instead") an account acts on; the new call
 * uses the account's credentials, so this is a toll-fraud boundary:
 * - `pbx` (default): only on calls that came from, or went to, the account's registrar or
 *   outbound proxy (the source address matches it), and the new call goes through it, so
 *   the PBX's dial plan and permissions for the extension apply; an account without a
 *   registrar declines every REFER;
 * - `any`: any call's far end may transfer it anywhere (lab setups, direct SIP peers);
 * - `off`: every REFER is declined (603).
 */
export type AcceptReferName = 'pbx' | 'any' | 'off';
/** Telephony providers. */
export type TelephonyProviderName = 'sip' | 'twilio';
/**
 * Keep-alive toward the registrar (`keepalive`): `crlf` sends a double CRLF (RFC 5626
 * §4.4.1; a single CRLF pong is expected on TCP/TLS) on every transport, which also keeps
 * UDP NAT bindings open; `options` sends an out-of-dialog OPTIONS (any response proves the
 * path; a timeout triggers re-registration); `stun` sends a STUN Binding request on the SIP
 * socket (RFC 5626 §4.4.2, UDP; detects a NAT rebinding); `off` sends nothing. `auto`
 * (default) is `crlf`.
 */
export type KeepaliveModeName = 'auto' | 'off' | 'crlf' | 'options' | 'stun';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** An HTTP webhook tool the assistant may call: the model's arguments are POSTed as JSON. */
export interface WebhookToolConfig {
  /** Function name the model sees (letters, digits, `_`, `-`; at most 64). */
  readonly name: string;
  /** What the tool does, for the model. */
  readonly description: string;
  /** JSON schema of the arguments (an object schema). */
  readonly parameters: Record<string, unknown>;
  /** http(s) URL receiving the POST; the response text goes back to the model. */
  readonly url: string;
  /** Extra request headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Request timeout, default 5000 ms. */
  readonly timeoutMs: number;
}

/** Per-account assistant persona. */
export interface AssistantConfig {
  /** LLM system prompt. */
  readonly systemPrompt: string;
  /** First sentence spoken when a call is answered. */
  readonly greeting: string;
  /** TTS voice (ElevenLabs voice ID) for this account; falls back to the global one. */
  readonly voiceId?: string | undefined;
  /** BCP 47 language for STT/TTS, default `en-US`. */
  readonly language: string;
  /** Where a failed or requested transfer goes (SIP URI or extension); none: hang up instead. */
  readonly transferTarget?: string | undefined;
  /** Caller speech interrupts the assistant (barge-in), default true. */
  readonly allowInterruptions: boolean;
  /** Maximum call length before the goodbye, default 1800 s. */
  readonly maxCallSec: number;
  /** LLM model for this account's assistant; default the global `OPENAI_MODEL`. */
  readonly model?: string | undefined;
  /** LLM sampling temperature 0..2 for this account; default the provider's. */
  readonly temperature?: number | undefined;
  /** Webhook tools besides the built-ins (transfer_call, end_call, send_dtmf). */
  readonly tools: readonly WebhookToolConfig[];
}

/** One SIP account: a registration to a PBX/carrier, or a listen-only identity. */
export interface AccountConfig {
  /** Label used in logs, metrics (`account` label) and the API. Default `default`. */
  readonly name: string;
  /** Registrar / outbound proxy host; undefined = no registration (answer direct calls only). */
  readonly server?: string | undefined;
  /** Registrar port, default 5060 (5061 for TLS; for WS/WSS 8088/8089, used only to build `wsUrl`). */
  readonly port: number;
  /** Transport to the registrar, default `udp`; `ws`/`wss` = SIP over WebSocket (RFC 7118). */
  readonly transport: AccountTransportName;
  /**
   * `ws`/`wss` accounts: the PBX's WebSocket URL (`wss://pbx.example.com:8089/ws`), default
   * `<transport>://<server>:<port>/ws` (Asterisk's path). One URL per daemon. Certificate
   * checks use `sip.tls.ca_file` and `sip.tls.verify_server`.
   */
  readonly wsUrl?: string | undefined;
  /** SIP user (the extension's user part in From/To/Contact). */
  readonly username?: string | undefined;
  /** Digest authentication username if different (3CX "Authentication ID"); default `username`. */
  readonly authUsername?: string | undefined;
  /** Digest password. Never logged or exposed. */
  readonly password?: string | undefined;
  /** SIP domain / realm for the AOR; default `server`. */
  readonly domain?: string | undefined;
  /** Extension number, informational (routing matches username or extension). */
  readonly extension?: string | undefined;
  /**
   * Locate the server with RFC 3263 NAPTR and SRV lookups (then A/AAAA), failing over to the
   * next target on timeout or 503. Default true when `server` is a host name and no `port`
   * is configured (RFC 3263 §4.2: an explicit port means A/AAAA only); `dns_srv: false` turns it off.
   */
  readonly dnsSrv: boolean;
  /**
   * Outbound proxy (`outbound_proxy`, `SIP_OUTBOUND_PROXY`): every out-of-dialog request
   * (REGISTER, INVITE, OPTIONS) goes there with a preloaded loose Route (RFC 3261 §8.1.2).
   * Normalised to a URI: `sip:host[:port][;transport=x];lr`.
   */
  readonly outboundProxy?: string | undefined;
  /** Keep-alive toward the registrar, default `auto` (see {@link KeepaliveModeName}). */
  readonly keepalive: KeepaliveModeName;
  /** Keep-alive period, default `sip.heartbeat_interval` (30 s); RFC 5626 §4.4.1 suggests 95-120 s on TCP. */
  readonly keepaliveIntervalSec: number;
  /** Requested registration lifetime, default 300 s. */
  readonly expiresSec: number;
  /**
   * Delay before the first retry after a failed registration, default 2000 ms, or
   * `sip.registration_retry` seconds when that is set (doubles, with jitter).
   */
  readonly retryInitialMs: number;
  /** Upper bound of the retry delay, default 60000 ms. */
  readonly retryMaxMs: number;
  /** Audio codecs in preference order, default `[opus, G722, PCMU, PCMA]` (wideband first). */
  readonly codecs: readonly string[];
  /**
   * SRTP policy, default `optional`: answer SRTP (RTP/SAVP + a=crypto) when offered, plain RTP
   * otherwise; `mandatory` refuses plain offers with 488; `off` refuses SRTP offers.
   */
  readonly srtp: SrtpPolicyName;
  /** `media_encryption` (SIP_MEDIA_ENCRYPTION), default `sdes`; see {@link MediaEncryptionName}. */
  readonly mediaEncryption: MediaEncryptionName;
  /** `accept_refer` (SIP_ACCEPT_REFER), default `pbx`; see {@link AcceptReferName}. */
  readonly acceptRefer: AcceptReferName;
  readonly assistant: AssistantConfig;
  /** Record this account's calls (overrides the global setting). */
  readonly recordCalls?: boolean | undefined;
}

export interface TlsFilesConfig {
  readonly certFile?: string | undefined;
  readonly keyFile?: string | undefined;
  /**
   * PEM CA(s) trusted for outbound TLS (`SIP_TLS_CA_FILE`): TLS and WSS registrars and a
   * `turns:` TURN server, e.g. one with a self-signed certificate. Default Node's roots.
   */
  readonly caFile?: string | undefined;
  /** Verify the server certificate on outbound TLS (TLS/WSS registrars, `turns:`), default true. */
  readonly verifyServer: boolean;
}

export interface SipConfig {
  /** Bind address for SIP listeners, default `0.0.0.0`. */
  readonly listenAddress: string;
  /** SIP listen port (UDP and TCP), default 5060. TLS listens on `tlsListenPort`. */
  readonly listenPort: number;
  /** Listener protocols, default `[udp, tcp]` (`tls` added when a certificate is configured). */
  readonly listenTransports: readonly SipTransportName[];
  /** TLS listen port, default 5061. */
  readonly tlsListenPort: number;
  /** Address advertised in Via/Contact/SDP instead of the bind address (NAT). */
  readonly publicAddress?: string | undefined;
  /**
   * STUN server, `stun:host[:port]` (RFC 7064, default port 3478), `SIP_STUN_SERVER`: public-address
   * discovery, and the server-reflexive candidate of DTLS-SRTP calls.
   */
  readonly stunServer?: string | undefined;
  /**
   * TURN server (RFC 8656), `SIP_TURN_SERVER`: `turn:host[:port][?transport=udp]` (UDP, default
   * port 3478) or `turns:host[:port]` (TLS, RFC 7065 §3.1, default port 5349; the certificate
   * is checked with `tls.caFile` and `tls.verifyServer`). When set, DTLS-SRTP calls (answered
   * and offered) carry their media only through the relay. Needs `turnUsername`/`turnPassword`.
   */
  readonly turnServer?: string | undefined;
  /** TURN long-term credential username (RFC 8656 §9.2), `SIP_TURN_USERNAME`. */
  readonly turnUsername?: string | undefined;
  /** TURN long-term credential password, `SIP_TURN_PASSWORD` (secret). */
  readonly turnPassword?: string | undefined;
  readonly tls: TlsFilesConfig;
  /** User-Agent / Server header. */
  readonly userAgent: string;
  /** Concurrent calls accepted before answering 486 Busy Here, default 100. */
  readonly maxConcurrentCalls: number;
  /** Ring (180 Ringing) this long before answering, default 0 ms (answer at once). */
  readonly answerDelayMs: number;
  /** RFC 3261 T1, default 500 ms. */
  readonly t1Ms: number;
  /**
   * Session timers (RFC 4028): the interval we ask for and accept, `session_expires_sec`
   * (`SIP_SESSION_EXPIRES`), default 1800 s; 0 turns session timers off (no `timer` in
   * Supported, no Session-Expires). Never below `minSeSec`.
   */
  readonly sessionExpiresSec: number;
  /** Smallest session interval we accept (our Min-SE, RFC 4028 §5), `min_se_sec` (`SIP_MIN_SE`), default 90 s. */
  readonly minSeSec: number;
  /**
   * RFC 5626 instance id (`instance_id`, `SIP_INSTANCE_ID`): adds `+sip.instance` and
   * `reg-id` to each account's Contact, so several replicas can register one extension
   * without replacing each other's binding. A UUID (normalised to `urn:uuid:...`), any
   * `urn:`, or `auto` (a UUID derived from the host name: stable per VM or pod). Default none.
   */
  readonly instanceId?: string | undefined;
  /** Default keep-alive period for the accounts, `heartbeat_interval` (the guide's key), default 30 s. */
  readonly heartbeatIntervalSec: number;
  /**
   * Path MTU toward peers, `path_mtu`, default 1500 bytes. RFC 3261 §18.1.1: a request
   * within 200 bytes of it (over 1300 bytes at the default) goes over TCP instead of UDP.
   */
  readonly pathMtu: number;
  /**
   * DNS servers for RFC 3263 server location (NAPTR, SRV, A/AAAA), `dns_servers`
   * (`SIP_DNS_SERVERS`, comma-separated): `ip` or `ip:port` (`[v6]:port`). Default none =
   * the system resolver.
   */
  readonly dnsServers: readonly string[];
  readonly accounts: readonly AccountConfig[];
}

export interface RtpConfig {
  /** Lowest RTP port (even), default 10000. */
  readonly portMin: number;
  /** Highest RTP port, default 20000. */
  readonly portMax: number;
  /** End the call after this long without RTP, default 30000 ms (0 disables). */
  readonly mediaTimeoutMs: number;
}

export interface HttpConfig {
  /** Default `0.0.0.0`. */
  readonly listenAddress: string;
  /** Default 8080; 0 picks a free port. */
  readonly port: number;
}

export interface RecordingConfig {
  /** Record calls (stereo WAV + JSON sidecar), default false. */
  readonly enabled: boolean;
  /** Directory for recordings, default `./recordings`. */
  readonly path: string;
  /** Delete recordings older than this many days; 0 keeps them forever. */
  readonly retentionDays: number;
}

export interface ProviderKeyConfig {
  readonly apiKey?: string | undefined;
  readonly baseUrl?: string | undefined;
}

export interface AiConfig {
  readonly openai: ProviderKeyConfig & { readonly model: string };
  readonly deepgram: ProviderKeyConfig & { readonly model: string };
  readonly elevenlabs: ProviderKeyConfig & { readonly voiceId?: string | undefined };
}

export interface TwilioConfig {
  /** Account SID (`AC...`), used in REST API paths and Basic auth. */
  readonly accountSid?: string | undefined;
  /** Auth token: Basic auth password and the `X-Twilio-Signature` HMAC key (secret). */
  readonly authToken?: string | undefined;
  /** REST API base URL, default `https://api.twilio.com` (tests point it at a fake). */
  readonly apiBaseUrl: string;
  /**
   * Public base URL Twilio reaches the HTTP API at (`https://assistant.example.com`): the
   * webhook URL Twilio signs, and the base of the Media Streams `wss://` URL in TwiML.
   */
  readonly publicUrl?: string | undefined;
  /** Caller ID (E.164, a Twilio number of the account) for outbound calls. */
  readonly phoneNumber?: string | undefined;
}

/** The whole resolved configuration. */
export interface DaemonConfig {
  readonly telephony: { readonly provider: TelephonyProviderName; readonly fallback?: 'twilio' | undefined };
  readonly sip: SipConfig;
  readonly rtp: RtpConfig;
  readonly http: HttpConfig;
  readonly log: { readonly level: LogLevel };
  readonly recording: RecordingConfig;
  readonly ai: AiConfig;
  readonly twilio: TwilioConfig;
  /** Drain timeout on SIGTERM before active calls are ended, default 30000 ms. */
  readonly shutdownDrainMs: number;
}

/** One configuration problem: which field, what value, what was expected. */
export interface ConfigProblem {
  /** Dotted path in the YAML (`sip.accounts[0].port`) or the environment variable name. */
  readonly field: string;
  /** The offending value, secrets masked. */
  readonly value: string;
  /** The expected form, e.g. `an integer 1..65535`. */
  readonly expected: string;
}
