import type { DaemonConfig } from '../config/index.js';
import type { Metrics } from '../metrics/metrics.js';
import { CallRecorder } from '../recording/index.js';
import type { Call, CallEndReason } from './call.js';

/** A recorder for the call when recording is on (globally or for its account). */
export function startRecording(
  call: Call,
  cfg: DaemonConfig,
  accountRecords: boolean | undefined,
  sampleRate: number,
): CallRecorder | undefined {
  const on = accountRecords ?? cfg.recording.enabled;
  if (!on) return undefined;
  return new CallRecorder({
    dir: cfg.recording.path,
    callId: call.callId,
    account: call.account,
    from: call.parties.from,
    to: call.parties.to,
    direction: call.parties.direction,
    sampleRate,
    startedAt: call.answeredAt ?? Date.now(),
    logger: call.log,
  });
}

/**
 * Finalises the call's WAV and sidecar (if it was recorded); the promise is kept in
 * `pending` until done, so shutdown can wait for it. Failures are logged and counted.
 */
export function finishRecording(
  call: Call,
  reason: CallEndReason,
  stats: unknown,
  metrics: Metrics,
  pending: Set<Promise<unknown>>,
): void {
  const rec = call.recorder;
  if (!rec) return;
  const done = rec
    .close({ endReason: reason, endedAt: call.endedAt, rtpStats: stats })
    .then((r) => call.log.info({ wav: r.wav, json: r.json }, 'recording saved'))
    .catch((err: unknown) => {
      call.log.error({ err }, 'recording could not be finalised');
      metrics.errorsTotal.inc({ error_type: 'recording', account: call.account });
    })
    .finally(() => pending.delete(done));
  pending.add(done);
}
