/**
 * A file sent as a base64 JSON field (`image`, `file`). Small bodies are decoded here on the
 * event loop; large ones were decoded on a body thread (json-body-parser.ts), which leaves the
 * bytes — or the field's error — beside the parsed body, found here by the body object.
 * No fastify or model imports: the body thread loads this file too.
 */
import { EmptyInputError, errorFromCode, InvalidParamError, UploadTooLargeError } from '../errors.js';

const MB = 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

export type DecodedField = { readonly ok: true; readonly bytes: Uint8Array } | { readonly ok: false; readonly code: string; readonly message: string };

/** Fields a body thread decoded, by the body object they came in. */
const predecoded = new WeakMap<object, Readonly<Record<string, DecodedField>>>();

export function rememberDecodedFields(body: object, fields: Readonly<Record<string, DecodedField>>): void {
  predecoded.set(body, fields);
}

/**
 * Strips an optional data-URL prefix and whitespace, refuses URLs and non-base64 text. `body`,
 * the parsed JSON the field came in, finds what a body thread already decoded.
 */
export function decodeBase64Field(name: string, value: unknown, maxUploadMb: number, body?: object): Uint8Array {
  const done = body ? predecoded.get(body)?.[name] : undefined;
  if (done) {
    if (!done.ok) throw errorFromCode(done.code, done.message);
    return done.bytes;
  }
  if (typeof value !== 'string') throw InvalidParamError(name, 'expected a base64 string');
  if (/^https?:\/\//i.test(value)) throw InvalidParamError(name, 'URLs are not fetched by this service; send the file content as base64');
  const comma = value.startsWith('data:') ? value.indexOf(',') : -1;
  const text = (comma >= 0 ? value.slice(comma + 1) : value).replace(/\s+/g, '');
  if (!BASE64.test(text)) throw InvalidParamError(name, 'is not valid base64');
  // base64 is 4/3 of the bytes: refuse before allocating anything larger than the limit.
  if ((text.length * 3) / 4 > maxUploadMb * MB + 3) throw UploadTooLargeError(maxUploadMb);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength === 0) throw EmptyInputError(name);
  return bytes;
}
