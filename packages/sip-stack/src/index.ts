/** @voice-assistant/sip-stack: an RFC 3261 SIP user agent over UDP, TCP and TLS. */
export type * from './message/types.js';
export { systemClock } from './clock.js';
export type { Clock, TimerHandle } from './clock.js';
export * from './message/parse.js';
export * from './message/serialize.js';
export * from './message/headers.js';
export { formatParams, parseParams, quote, unquote } from './message/params.js';
export * from './message/uri.js';
export * from './message/name-addr.js';
export * from './message/via.js';
export * from './message/cseq.js';
export * from './message/builders.js';
export * from './message/uri-equals.js';
export * from './message/stream-framer.js';
export * from './auth/auth-params.js';
export * from './auth/digest.js';
export * from './auth/digest-client.js';
// Transport, transactions, dialogs, registration and the user agent.
export * from './user-agent.js';
export { Dialog, DialogStateError } from './dialog/dialog.js';
export type {
  DialogState,
  DialogTerminationReason,
  DialogRequestOptions,
  ReinviteResponder,
  DialogEvents,
} from './dialog/dialog.js';
export { SessionTimer, parseSessionExpires, parseMinSe } from './dialog/session-timer.js';
export type { ReferOptions, DialogCredentials } from './dialog/dialog.js';
export type { ReferOutcome, ReferProgressListener } from './refer/refer-subscription.js';
export { formatReferTo, formatReferredBy } from './refer/refer-to.js';
export { parseSipfragStatus, isSipfrag, SIPFRAG_CONTENT_TYPE } from './refer/sipfrag.js';
export type { SipfragStatus } from './refer/sipfrag.js';
export { parseReplaces, formatReplacesForUri } from './dialog/replaces.js';
export type { ReplacesHeader, ReplacesTarget } from './dialog/replaces.js';
export { formatReplaces } from './dialog/replaces.js';
export { ReferStateError, REFER_SUBSCRIPTION_SEC } from './refer/refer-notifier.js';
export type { IncomingRefer } from './refer/refer-notifier.js';
export type { SessionTimerConfig, SessionExpires } from './dialog/session-timer.js';
export { Registration } from './registration/registration.js';
export type {
  RegistrationOptions,
  RegistrationState,
  RegistrationError,
  RegistrationEvents,
} from './registration/registration.js';
export type { RetryOptions } from './registration/backoff.js';
export { UdpTransport } from './transport/udp-transport.js';
export { TcpTransport } from './transport/tcp-transport.js';
export { TlsTransport } from './transport/tls-transport.js';
export { WsTransport, WS_CLOSE_TOO_BIG } from './transport/ws-transport.js';
export type { WsTransportOptions } from './transport/ws-transport.js';
export { TransportLayer, defaultPort } from './transport/transport-layer.js';
export { TransportError, DEFAULT_MAX_MESSAGE_SIZE, isWebSocketProtocol } from './transport/transport.js';
export type { Transport, TransportProtocol, Target, Endpoint, MessageSource } from './transport/transport.js';
export { resolveTarget, systemResolver } from './transport/resolve-target.js';
export type { Resolver } from './transport/resolve-target.js';
export type { Logger } from './transport/logger.js';
export { TransactionLayer } from './transaction/transaction-layer.js';
export { DEFAULT_TIMERS, resolveTimers } from './transaction/timers.js';
export type { TimerConfig } from './transaction/timers.js';
export * from './message/validate.js';
