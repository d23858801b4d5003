/** Pipeline stage a provider belongs to. */
export type PipelineStage = 'stt' | 'llm' | 'tts';

/**
 * A provider failure. `retryable` says whether trying again may help (timeouts, 429,
 * 5xx, dropped sockets) or not (401, 400, bad configuration).
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly stage: PipelineStage,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
  }
  /** HTTP status when the failure came from an HTTP response. */
  readonly status: number | undefined;
}

/** A provider did not answer in time. Always retryable. */
export class ProviderTimeoutError extends ProviderError {
  constructor(stage: PipelineStage, timeoutMs: number) {
    super(stage, `${stage} provider timed out after ${timeoutMs} ms`, true);
  }
}

/** Programmer misuse of the pipeline API (e.g. pushAudio after close). */
export class PipelineMisuseError extends Error {
  override readonly name = 'PipelineMisuseError';
}

/** True when an HTTP status is worth retrying: 408, 409, 425, 429 and 5xx. */
export function isRetryableStatus(status: number | undefined): boolean {
  if (status === undefined) return true;
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/** True for errors raised by an aborted signal. */
export function isAbortError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.message === 'aborted';
}

/**
 * Wraps anything thrown by an SDK into a {@link ProviderError}. Reads `status` /
 * `statusCode` when present; network errors without a status count as retryable.
 */
export function toProviderError(stage: PipelineStage, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const rec = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const raw = rec['status'] ?? rec['statusCode'];
  const status = typeof raw === 'number' ? raw : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(stage, message, isRetryableStatus(status), { cause: error, status });
}
