/**
 * What a request carries, whatever its encoding: files (multipart parts, a base64 JSON field or a
 * raw body) and options (query string, form fields or JSON keys). Everything is read into memory
 * under the upload limit — never to temp files — and options are parsed once into typed values,
 * with a 400 that names the bad parameter.
 */
import type { FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { EmptyInputError, InvalidParamError, LayoutError, MalformedRequestError, UnsupportedMediaError, UploadTooLargeError } from '../errors.js';
import { decodeBase64Field } from './base64-field.js';
import { parseBoolean, parseLayoutParams } from '../model/index.js';
import type { LayoutParams } from '../model/index.js';
import type { UploadedFile } from '../document/index.js';

export interface RequestOptions {
  readonly params: Partial<LayoutParams>;
  readonly pages?: string;
  readonly visualize: boolean;
  readonly returnImage: boolean;
  readonly timeoutMs?: number;
}

export interface RequestInput {
  readonly files: UploadedFile[];
  /** Query string merged with form fields / JSON keys (the body wins). */
  readonly fields: Record<string, unknown>;
}

const MB = 1024 * 1024;

export { decodeBase64Field } from './base64-field.js';

export function isMultipart(request: FastifyRequest): boolean {
  return typeof request.isMultipart === 'function' && request.isMultipart();
}

/**
 * Reads multipart parts in order. `onFile` is called as soon as each file is in memory, so work
 * on the first file can start while the next one uploads. The total over all parts is capped
 * at maxUploadMb, like a single upload.
 */
export async function readMultipart(
  request: FastifyRequest,
  options: { maxUploadMb: number; maxFiles: number; onFile?: (file: UploadedFile, index: number) => void },
): Promise<RequestInput> {
  const files: UploadedFile[] = [];
  const fields: Record<string, unknown> = { ...(request.query as Record<string, unknown>) };
  let total = 0;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (files.length >= options.maxFiles) {
          part.file.resume();
          throw InvalidParamError('file', options.maxFiles === 1 ? 'one file per request (use /v1/layout/batch for several)' : `at most ${options.maxFiles} files per request`);
        }
        const bytes = await (part as MultipartFile).toBuffer();
        total += bytes.byteLength;
        if (total > options.maxUploadMb * MB) throw UploadTooLargeError(options.maxUploadMb);
        const file = { bytes, name: part.filename || part.fieldname || `file-${files.length + 1}` };
        files.push(file);
        options.onFile?.(file, files.length - 1);
      } else {
        fields[part.fieldname] = part.value;
      }
    }
  } catch (err) {
    throw malformedMultipart(err);
  }
  return { files, fields };
}

/**
 * The multipart parser's own complaints (no boundary, a part cut off, a bad header) carry no code
 * and would surface as 500s; they are the client's malformed body. Our errors and the plugin's
 * coded ones (limits, FST_*) keep their mapping.
 */
function malformedMultipart(err: unknown): unknown {
  if (err instanceof LayoutError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('FST_')) return err;
  const message = err instanceof Error ? err.message : String(err);
  return MalformedRequestError(`multipart/form-data body could not be parsed (${message})`);
}

/** JSON body `{ image | file: base64, name?, …options }` or a raw image/PDF body. */
export function readSingleBody(request: FastifyRequest, maxUploadMb: number): RequestInput {
  const query = request.query as Record<string, unknown>;
  const body = request.body;
  if (Buffer.isBuffer(body)) {
    if (body.byteLength === 0) throw EmptyInputError(typeof query.name === 'string' ? query.name : 'body');
    return { files: [{ bytes: body, name: typeof query.name === 'string' && query.name ? query.name : 'upload' }], fields: { ...query } };
  }
  if (typeof body === 'string') {
    // fastify parses text/plain by default; a text body is never an image or a PDF.
    throw UnsupportedMediaError('request body', `content type ${String(request.headers['content-type'])} is not accepted; send multipart/form-data, JSON or the raw file bytes`);
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw InvalidParamError('body', 'send multipart/form-data with a "file" part, JSON {"image": "<base64>"}, or the raw file bytes');
  }
  const json = body as Record<string, unknown>;
  const key = json.image !== undefined ? 'image' : json.file !== undefined ? 'file' : undefined;
  if (!key) throw InvalidParamError('image', 'missing: send the file as base64 in "image" (or "file")');
  const name = typeof json.name === 'string' && json.name ? json.name : 'upload';
  const { [key]: _file, ...rest } = json;
  return { files: [{ bytes: decodeBase64Field(key, json[key], maxUploadMb, json), name }], fields: { ...query, ...rest } };
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw InvalidParamError(name, `expected a string, got ${JSON.stringify(value)}`);
}

/** Parses the options every analysis route understands. */
export function parseRequestOptions(fields: Record<string, unknown>, limits: { requestTimeoutMs: number }): RequestOptions {
  const params = parseLayoutParams({
    threshold: fields.threshold,
    layoutNms: fields.layoutNms,
    unclipRatio: fields.unclipRatio,
    mergeMode: fields.mergeMode,
    shapeMode: fields.shapeMode,
    filterOverlap: fields.filterOverlap,
  });
  const flag = (name: string): boolean => {
    const value = fields[name];
    return value === undefined || value === '' ? false : parseBoolean(name, value);
  };
  let timeoutMs: number | undefined;
  const rawTimeout = fields.timeoutMs;
  if (rawTimeout !== undefined && rawTimeout !== '') {
    timeoutMs = Number(rawTimeout);
    // A client may shorten its deadline, never extend it past the server's.
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > limits.requestTimeoutMs) {
      throw InvalidParamError('timeoutMs', `expected an integer in [1, ${limits.requestTimeoutMs}], got ${JSON.stringify(rawTimeout)}`);
    }
  }
  return {
    params,
    pages: optionalString('pages', fields.pages),
    visualize: flag('visualize'),
    returnImage: flag('returnImage'),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}
