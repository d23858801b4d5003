import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. Names and labels follow the user's guide so that its PromQL works
 * as written: `voice_assistant_calls_total{provider="sip",status="success"}`,
 * `voice_assistant_call_duration_seconds{provider="sip"}`,
 * `voice_assistant_errors_total{error_type="sip_handler"}`.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Finished or refused calls. `status`: success | failed | rejected | busy | cancelled | no_answer. */
  readonly callsTotal = new Counter({
    name: 'voice_assistant_calls_total',
    help: 'Calls handled, by telephony provider, outcome and account',
    labelNames: ['provider', 'status', 'account', 'direction'] as const,
    registers: [this.registry],
  });

  readonly callDuration = new Histogram({
    name: 'voice_assistant_call_duration_seconds',
    help: 'Duration of answered calls from answer to hang-up',
    labelNames: ['provider', 'account', 'direction'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });

  /** `error_type`: sip_handler | sip_parse | registration | rtp | media_timeout | ai_stt | ai_llm | ai_tts | internal. */
  readonly errorsTotal = new Counter({
    name: 'voice_assistant_errors_total',
    help: 'Errors by type',
    labelNames: ['error_type', 'account'] as const,
    registers: [this.registry],
  });

  readonly activeCalls = new Gauge({
    name: 'voice_assistant_active_calls',
    help: 'Calls currently in progress',
    labelNames: ['provider', 'account'] as const,
    registers: [this.registry],
  });

  /** 1 while the account is registered, 0 otherwise. */
  readonly registered = new Gauge({
    name: 'voice_assistant_sip_registered',
    help: 'SIP registration state per account (1 = registered)',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  readonly registrationsTotal = new Counter({
    name: 'voice_assistant_sip_registrations_total',
    help: 'REGISTER outcomes per account (result: success | failed)',
    labelNames: ['account', 'result'] as const,
    registers: [this.registry],
  });

  /**
   * Call transfers we started (RFC 3515 REFER). `mode`: blind | attended; `result`:
   * success | unconfirmed | failed | refused | timeout | no_answer (see call/refer-result.ts).
   */
  readonly transfersTotal = new Counter({
    name: 'voice_assistant_transfers_total',
    help: 'Call transfers by account, mode (blind, attended) and result',
    labelNames: ['provider', 'account', 'mode', 'result'] as const,
    registers: [this.registry],
  });

  readonly dtmfTotal = new Counter({
    name: 'voice_assistant_dtmf_digits_total',
    help: 'DTMF digits received (source: rfc4733 | inband | info)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly rtpPacketsLost = new Counter({
    name: 'voice_assistant_rtp_packets_lost_total',
    help: 'RTP packets lost on receive, summed at the end of each call',
    labelNames: ['account'] as const,
    registers: [this.registry],
  });

  readonly rtpJitter = new Histogram({
    name: 'voice_assistant_rtp_jitter_seconds',
    help: 'Interarrival jitter (RFC 3550 §6.4.1) at the end of each call',
    labelNames: ['account'] as const,
    buckets: [0.001, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16],
    registers: [this.registry],
  });

  readonly rtpMos = new Histogram({
    name: 'voice_assistant_rtp_mos',
    help: 'Estimated MOS (E-model) at the end of each call',
    labelNames: ['account'] as const,
    buckets: [1, 2, 2.5, 3, 3.5, 4, 4.2, 4.4],
    registers: [this.registry],
  });

  /**
   * Per-turn AI latency by stage: `stt` (VAD end of speech -> STT final), `llm` (final ->
   * first token), `tts` (first token -> first audio), `output` (first audio -> first frame
   * out), `total` (VAD end -> reply on the wire, including the paced-send queue).
   */
  readonly aiLatency = new Histogram({
    name: 'voice_assistant_ai_latency_seconds',
    help: 'AI turn latency by stage (stt, llm, tts, output, total)',
    labelNames: ['stage'] as const,
    buckets: [0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5],
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
