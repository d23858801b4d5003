import type { CallEndReason } from './call.js';

/** Maps a sip-stack termination reason to ours. */
export function endReasonOf(reason: string): CallEndReason {
  switch (reason) {
    case 'local-bye':
      return 'local-hangup';
    case 'ack-timeout':
      return 'ack-timeout';
    case 'cancelled':
      return 'cancelled';
    case 'rejected':
      return 'rejected';
    case 'transport':
      return 'failed';
    default:
      return 'remote-bye';
  }
}

/** The guide's `status` label of `voice_assistant_calls_total`. */
export function outcome(wasActive: boolean, reason: CallEndReason, sipStatus?: number): string {
  if (wasActive) return reason === 'media-timeout' || reason === 'failed' ? 'failed' : 'success';
  if (reason === 'cancelled') return 'cancelled';
  if (reason === 'rejected') return 'rejected';
  if (sipStatus === 486 || sipStatus === 600) return 'busy';
  if (sipStatus === 408 || sipStatus === 480 || sipStatus === 487) return 'no_answer';
  return 'failed';
}
