/**
 * Call recording: a stereo WAV (caller left, assistant right) and a JSON sidecar per call,
 * written incrementally so a crash keeps what was recorded; plus retention.
 */
export {
  CallRecorder,
  recordingPaths,
  safeName,
  type CallRecorderOptions,
  type RecorderLogger,
  type RecorderTimers,
  type RecordingResult,
  type RecordingSummary,
  type TranscriptLine,
} from './call-recorder.js';
export {
  scheduleRetention,
  sweepRecordings,
  type RetentionHandle,
  type RetentionOptions,
  type RetentionTimers,
  type SweepResult,
} from './retention.js';
export { resampleLinear, StereoTimeline, type TimelineOptions, type TimelineStats } from './timeline.js';
export {
  WAV_HEADER_BYTES,
  WavWriter,
  wavHeader,
  type WavWriterOptions,
  type WavWriterResult,
} from './wav-writer.js';
