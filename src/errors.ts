/**
 * Every error doclayout raises is defined once here, with a stable code and the HTTP status the
 * server answers with. Over IPC (worker processes) errors travel as `{ code, message }` and are
 * rebuilt with `errorFromCode`, so callers can always match on `code`.
 */

export interface ErrorDefinition {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

export class LayoutError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Extra machine-readable facts (e.g. retryAfterSeconds, device, limit). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, statusCode: number, message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LayoutError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }

  toJSON(): { code: string; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** `%s` placeholders are filled in order by the arguments given to the factory. */
function format(template: string, args: readonly unknown[]): string {
  let i = 0;
  return template.replace(/%s/g, () => (i < args.length ? String(args[i++]) : '%s'));
}

type ErrorFactory = ((...args: unknown[]) => LayoutError) & ErrorDefinition & {
  is(err: unknown): err is LayoutError;
};

const registry = new Map<string, ErrorDefinition>();

function define(code: string, statusCode: number, message: string): ErrorFactory {
  const definition = { code, statusCode, message };
  registry.set(code, definition);
  const factory = ((...args: unknown[]) => {
    const last = args[args.length - 1];
    const details = isDetails(last) ? (args.pop() as { details: Record<string, unknown> }).details : undefined;
    return new LayoutError(code, statusCode, format(message, args), details);
  }) as ErrorFactory;
  Object.assign(factory, definition);
  factory.is = (err: unknown): err is LayoutError => err instanceof LayoutError && err.code === code;
  return factory;
}

function isDetails(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'details' in value;
}

// --- input -----------------------------------------------------------------------------------
export const InvalidParamError = define('LAYOUT_ERR_INVALID_PARAM', 400, 'Invalid parameter %s: %s');
export const EmptyInputError = define('LAYOUT_ERR_INPUT_EMPTY', 400, 'The input %s is empty (0 bytes)');
export const UnsupportedMediaError = define('LAYOUT_ERR_UNSUPPORTED_MEDIA', 415, 'Unsupported input %s: %s. Supported: JPEG, PNG, WebP, TIFF, BMP, GIF and PDF');
export const CorruptImageError = define('LAYOUT_ERR_IMAGE_CORRUPT', 400, 'Cannot decode %s: %s');
export const ImageTooLargeError = define('LAYOUT_ERR_IMAGE_TOO_LARGE', 413, 'Image %s is %s pixels, above the limit of %s pixels (maxPixels)');
export const UploadTooLargeError = define('LAYOUT_ERR_UPLOAD_TOO_LARGE', 413, 'Upload is larger than %s MB (maxUploadMb)');
export const PdfError = define('LAYOUT_ERR_PDF', 400, 'Cannot read PDF %s: %s');
export const PageRangeError = define('LAYOUT_ERR_PAGE_RANGE', 400, 'Invalid page selection "%s": %s');
export const MalformedRequestError = define('LAYOUT_ERR_MALFORMED_REQUEST', 400, 'Malformed request: %s');
export const HeadersTooLargeError = define('LAYOUT_ERR_HEADERS_TOO_LARGE', 431, 'The request line and headers are larger than the server accepts (%s bytes); send options in the body, not the URL');
export const RequestTimeoutError = define('LAYOUT_ERR_REQUEST_TIMEOUT', 408, 'The request did not arrive in time: %s');

// --- model ------------------------------------------------------------------------------------
export const ModelNotFoundError = define('LAYOUT_ERR_MODEL_NOT_FOUND', 503, 'No model at %s. %s');
export const ModelContractError = define('LAYOUT_ERR_MODEL_CONTRACT', 500, 'Model %s does not match any known PP-DocLayout contract: %s');
export const ModelLoadError = define('LAYOUT_ERR_MODEL_LOAD', 500, 'Cannot load model %s on %s: %s');
export const InferenceError = define('LAYOUT_ERR_INFERENCE', 500, 'Inference failed on %s: %s');
export const DownloadError = define('LAYOUT_ERR_DOWNLOAD', 502, 'Download of %s failed: %s');
export const ChecksumError = define('LAYOUT_ERR_CHECKSUM', 500, 'Checksum mismatch for %s: expected sha256 %s, got %s');
export const UnknownModelError = define('LAYOUT_ERR_UNKNOWN_MODEL', 400, 'Unknown model "%s". Known models: %s');
export const ModelRefusedError = define('LAYOUT_ERR_MODEL_REFUSED', 400, 'Refused model: reload takes a registry name (%s) or the name of an .onnx file in the model directory');

// --- pool -------------------------------------------------------------------------------------
export const QueueFullError = define('LAYOUT_ERR_POOL_QUEUE_FULL', 429, 'The queue is full (%s requests waiting); retry later');
export const DeadlineExceededError = define('LAYOUT_ERR_DEADLINE_EXCEEDED', 504, 'Request deadline of %s ms exceeded');
export const AbortedError = define('LAYOUT_ERR_ABORTED', 499, 'Request aborted by the caller');
export const PoolClosedError = define('LAYOUT_ERR_POOL_CLOSED', 503, 'The pool is draining or closed and accepts no new work');
export const NoDeviceReadyError = define('LAYOUT_ERR_NO_DEVICE_READY', 503, 'No device is ready: %s');
export const WorkerCrashError = define('LAYOUT_ERR_WORKER_CRASHED', 500, 'Worker for %s exited (%s) while running task %s');
export const TenantLimitError = define('LAYOUT_ERR_TENANT_LIMIT', 429, 'Tenant %s is at its %s limit (%s pages); retry later');
export const RetriesExhaustedError = define('LAYOUT_ERR_RETRIES_EXHAUSTED', 500, 'Task %s failed on %s workers in a row; last error: %s');

// --- jobs (embedded jobs, cluster submissions, issue #9) ----------------------------------------
export const JobNotFoundError = define('LAYOUT_ERR_JOB_NOT_FOUND', 404, 'No job or batch %s (unknown, or expired after its time to live)');
export const DocumentExpiredError = define('LAYOUT_ERR_DOCUMENT_EXPIRED', 410, 'The bytes of document %s are gone from the store (expired or fetched)');
export const JobCanceledError = define('LAYOUT_ERR_JOB_CANCELED', 409, 'Job %s was canceled');
export const JobNotFinishedError = define('LAYOUT_ERR_JOB_NOT_FINISHED', 409, 'Job %s is %s: it has no page results to export (yet)');
export const StorageFullError = define('LAYOUT_ERR_STORAGE_FULL', 507, 'No room to store %s: %s; retry later');
export const DataDirInUseError = define('LAYOUT_ERR_DATA_DIR_IN_USE', 500, 'The data directory %s is in use by another doclayout server; give each server its own --data-dir (or stop the other one)');
export const JobStoreCorruptError = define('LAYOUT_ERR_JOB_STORE_CORRUPT', 500, 'The job database %s cannot be read (%s). Nothing was changed: move the file aside (or restore a backup) to start with an empty store');
export const QueueUnavailableError = define('LAYOUT_ERR_QUEUE_UNAVAILABLE', 503, 'The job queue is unavailable: %s');

// --- server -----------------------------------------------------------------------------------
export const NotFoundError = define('LAYOUT_ERR_NOT_FOUND', 404, 'Route %s %s not found');
export const MethodNotAllowedError = define('LAYOUT_ERR_METHOD_NOT_ALLOWED', 405, 'Method %s is not allowed on %s; allowed: %s');
export const OverloadedError = define('LAYOUT_ERR_OVERLOADED', 503, 'Server overloaded (%s); retry later');
export const UnauthorizedError = define('LAYOUT_ERR_UNAUTHORIZED', 401, 'This route needs the admin token (Authorization: Bearer …): %s');
export const ApiKeyError = define('LAYOUT_ERR_API_KEY', 401, 'This route needs an API key (Authorization: Bearer <key> or x-api-key): %s');
export const InternalError = define('LAYOUT_ERR_INTERNAL', 500, 'Internal error: %s');

/** Every code, for docs and for the test that keeps the README in step. */
export function allErrorDefinitions(): ErrorDefinition[] {
  return [...registry.values()];
}

/** Rebuilds an error that crossed a process boundary as `{ code, message }`. */
export function errorFromCode(code: string, message: string, details?: Record<string, unknown>): LayoutError {
  const definition = registry.get(code);
  return new LayoutError(code, definition?.statusCode ?? 500, message, details);
}

/** Any thrown value as a LayoutError (unknown errors become LAYOUT_ERR_INTERNAL). */
export function toLayoutError(err: unknown): LayoutError {
  if (err instanceof LayoutError) return err;
  return new LayoutError(InternalError.code, 500, `Internal error: ${describeError(err)}`, undefined, { cause: err });
}

/**
 * A thrown value as one line that is never empty: its message, or — for an error thrown without
 * one (a DOMException from a failed transfer, a native addon's bare Error) — its name, code and
 * where it was thrown, so neither a client nor a log ever reads "failed: ".
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) {
    const text = typeof err === 'string' ? err : err === undefined ? '' : safeString(err);
    return text.trim() === '' ? `a non-error value was thrown (${err === null ? 'null' : typeof err})` : text;
  }
  if (typeof err.message === 'string' && err.message.trim() !== '') return err.message;
  const code = (err as { code?: unknown }).code;
  const origin = err.stack?.split('\n').slice(1).find((line) => line.trim().startsWith('at '))?.trim().slice(3);
  return `${err.name || err.constructor?.name || 'Error'} without a message${code !== undefined ? ` (code ${String(code)})` : ''}${origin ? ` at ${origin}` : ''}`;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
