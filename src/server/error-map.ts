/**
 * Every error the HTTP service answers with, whatever raised it (our LayoutErrors, fastify's own
 * body/content-type/validation errors, @fastify/multipart's limits), becomes one LayoutError with
 * a stable code, then one JSON shape: `{ "error": { "code", "message" } }` plus the right status.
 * The PaddleX-compatible routes wrap the same error in PaddleX's envelope instead.
 */
import {
  InternalError,
  InvalidParamError,
  LayoutError,
  NotFoundError,
  UnsupportedMediaError,
  UploadTooLargeError,
  toLayoutError,
} from '../errors.js';

/** Seconds a client is told to wait after a 429/503 when the error carries no better figure. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

interface HttpError {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly error: LayoutError;
}

interface FastifyishError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/**
 * fastify and plugin errors by code. Unknown 4xx codes keep their status with LAYOUT_ERR_INVALID_PARAM;
 * the upload limit figure is filled in by the caller, who knows the configured limit.
 */
function fromFrameworkError(err: FastifyishError, maxUploadMb: number): LayoutError | undefined {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' ? err.message : 'bad request';
  if (err.validation !== undefined) {
    const where = typeof err.validationContext === 'string' ? err.validationContext : 'request';
    return InvalidParamError(where, message);
  }
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return UploadTooLargeError(maxUploadMb);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return UnsupportedMediaError('request body', `content type is not accepted here (${message})`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_PROTO_VIOLATION':
      return InvalidParamError('body', message);
    case 'FST_ERR_NOT_FOUND':
      return NotFoundError('', message);
    default:
      break;
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  if (status !== undefined && status >= 400 && status < 500) {
    return new LayoutError(InvalidParamError.code, status, message);
  }
  return undefined;
}

/** Maps anything thrown in a request to its status, headers and LayoutError. */
export function mapError(err: unknown, options: { maxUploadMb: number }): HttpError {
  let error: LayoutError;
  if (err instanceof LayoutError) error = err;
  else if (err && typeof err === 'object') error = fromFrameworkError(err as FastifyishError, options.maxUploadMb) ?? toLayoutError(err);
  else error = InternalError(String(err));

  const headers: Record<string, string> = {};
  if (error.statusCode === 429 || error.statusCode === 503 || error.statusCode === 507) {
    const hinted = error.details?.retryAfterSeconds;
    const seconds = typeof hinted === 'number' && Number.isFinite(hinted) && hinted > 0 ? Math.ceil(hinted) : DEFAULT_RETRY_AFTER_SECONDS;
    headers['retry-after'] = String(seconds);
  }
  // 499 (client went away) is nginx's convention; nobody reads the response, but logs should say so.
  return { statusCode: error.statusCode, headers, error };
}

/** The service's error body. Internal errors never leak stack traces, only the message. */
export function errorBody(error: LayoutError): { error: { code: string; message: string; details?: Record<string, unknown> } } {
  return { error: error.toJSON() };
}
