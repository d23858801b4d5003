/**
 * Environment variable overrides. Names follow the user's guide (`SIP_SERVER`,
 * `SIP_ACCOUNTS`, `SIP_RECORD_CALLS`, ...) plus the daemon's own (`SIP_LISTEN_PORT`, ...).
 * Each maps onto a path of the raw (snake_case, YAML-shaped) configuration before
 * validation, so env values are validated exactly like YAML values.
 */

/** Env name -> raw YAML path. Account-level names are handled separately (see `ACCOUNT_ENV`). */
export const GLOBAL_ENV: Readonly<Record<string, readonly string[]>> = {
  TELEPHONY_PROVIDER: ['telephony', 'provider'],
  TELEPHONY_FALLBACK: ['telephony', 'fallback'],
  SIP_LISTEN_ADDRESS: ['sip', 'listen_address'],
  SIP_LISTEN_PORT: ['sip', 'listen_port'],
  SIP_LISTEN_TRANSPORTS: ['sip', 'listen_transports'],
  SIP_TLS_LISTEN_PORT: ['sip', 'tls_listen_port'],
  SIP_TLS_CERT_FILE: ['sip', 'tls', 'cert_file'],
  SIP_TLS_KEY_FILE: ['sip', 'tls', 'key_file'],
  SIP_TLS_CA_FILE: ['sip', 'tls', 'ca_file'],
  SIP_TLS_VERIFY_SERVER: ['sip', 'tls', 'verify_server'],
  SIP_PUBLIC_ADDRESS: ['sip', 'public_address'],
  SIP_STUN_SERVER: ['sip', 'stun_server'],
  SIP_TURN_SERVER: ['sip', 'turn_server'],
  SIP_TURN_USERNAME: ['sip', 'turn_username'],
  SIP_TURN_PASSWORD: ['sip', 'turn_password'],
  SIP_USER_AGENT: ['sip', 'user_agent'],
  SIP_MAX_CONCURRENT_CALLS: ['sip', 'max_concurrent_calls'],
  SIP_ANSWER_DELAY_MS: ['sip', 'answer_delay_ms'],
  SIP_SESSION_EXPIRES: ['sip', 'session_expires_sec'],
  SIP_MIN_SE: ['sip', 'min_se_sec'],
  SIP_INSTANCE_ID: ['sip', 'instance_id'],
  SIP_HEARTBEAT_INTERVAL: ['sip', 'heartbeat_interval'],
  SIP_REGISTRATION_RETRY: ['sip', 'registration_retry'],
  SIP_PATH_MTU: ['sip', 'path_mtu'],
  SIP_DNS_SERVERS: ['sip', 'dns_servers'],
  SIP_RECORD_CALLS: ['recording', 'enabled'],
  SIP_RECORDING_PATH: ['recording', 'path'],
  SIP_RECORDING_RETENTION_DAYS: ['recording', 'retention_days'],
  RTP_PORT_MIN: ['rtp', 'port_min'],
  RTP_PORT_MAX: ['rtp', 'port_max'],
  RTP_MEDIA_TIMEOUT_SEC: ['rtp', 'media_timeout_sec'],
  HTTP_LISTEN_ADDRESS: ['http', 'listen_address'],
  HTTP_PORT: ['http', 'port'],
  LOG_LEVEL: ['log', 'level'],
  SHUTDOWN_DRAIN_SEC: ['shutdown_drain_sec'],
  OPENAI_API_KEY: ['ai', 'openai', 'api_key'],
  OPENAI_BASE_URL: ['ai', 'openai', 'base_url'],
  OPENAI_MODEL: ['ai', 'openai', 'model'],
  DEEPGRAM_API_KEY: ['ai', 'deepgram', 'api_key'],
  DEEPGRAM_BASE_URL: ['ai', 'deepgram', 'base_url'],
  DEEPGRAM_MODEL: ['ai', 'deepgram', 'model'],
  ELEVENLABS_API_KEY: ['ai', 'elevenlabs', 'api_key'],
  ELEVENLABS_BASE_URL: ['ai', 'elevenlabs', 'base_url'],
  ELEVENLABS_VOICE_ID: ['ai', 'elevenlabs', 'voice_id'],
  TWILIO_ACCOUNT_SID: ['twilio', 'account_sid'],
  TWILIO_AUTH_TOKEN: ['twilio', 'auth_token'],
  TWILIO_API_BASE_URL: ['twilio', 'api_base_url'],
  TWILIO_PUBLIC_URL: ['twilio', 'public_url'],
  TWILIO_PHONE_NUMBER: ['twilio', 'phone_number'],
};

/**
 * Account-level env names -> account field. Without `SIP_ACCOUNTS` they override the
 * first account (creating it). With `SIP_ACCOUNTS`, the "where" fields (server, port,
 * domain, transport) fill in what each listed account leaves out, as in the guide's
 * multi-tenant example where tenants list only username, password and extension.
 */
export const ACCOUNT_ENV: Readonly<Record<string, { field: string; shared: boolean }>> = {
  SIP_SERVER: { field: 'server', shared: true },
  SIP_PORT: { field: 'port', shared: true },
  SIP_DOMAIN: { field: 'domain', shared: true },
  SIP_TRANSPORT: { field: 'transport', shared: true },
  SIP_WS_URL: { field: 'ws_url', shared: true },
  SIP_OUTBOUND_PROXY: { field: 'outbound_proxy', shared: true },
  SIP_DNS_SRV: { field: 'dns_srv', shared: true },
  SIP_KEEPALIVE: { field: 'keepalive', shared: true },
  SIP_KEEPALIVE_INTERVAL: { field: 'keepalive_interval', shared: true },
  SIP_USERNAME: { field: 'username', shared: false },
  SIP_AUTH_USERNAME: { field: 'auth_username', shared: false },
  SIP_PASSWORD: { field: 'password', shared: false },
  SIP_EXTENSION: { field: 'extension', shared: false },
  SIP_CODECS: { field: 'codecs', shared: true },
  SIP_SRTP: { field: 'srtp', shared: true },
  SIP_MEDIA_ENCRYPTION: { field: 'media_encryption', shared: true },
  SIP_ACCEPT_REFER: { field: 'accept_refer', shared: true },
};

/** Names whose values are secrets: masked in every message, log line and API answer. */
export const SECRET_FIELDS = new Set(['password', 'api_key', 'auth_token', 'turn_password']);
