/**
 * Request bodies for each API the load tool can drive, built once per file so the measuring loop
 * spends nothing on encoding: multipart for /v1 and the seed API, base64 JSON for PaddleX's.
 */
import { randomBytes } from 'node:crypto';

export interface LoadFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface PreparedBody {
  readonly name: string;
  readonly body: Buffer;
  readonly contentType: string;
}

const isPdf = (bytes: Uint8Array): boolean => Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-');

function multipart(file: LoadFile): PreparedBody {
  const boundary = `----doclayout-bench-${randomBytes(12).toString('hex')}`;
  const safeName = file.name.replace(/["\r\n]/g, '_');
  const parts: Buffer[] = [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${safeName}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    Buffer.from(file.bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ];
  return { name: file.name, body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function json(file: LoadFile, value: Record<string, unknown>): PreparedBody {
  return { name: file.name, body: Buffer.from(JSON.stringify(value)), contentType: 'application/json' };
}

/** JSON values for PaddleX fields given as strings on the command line ("0.5" → 0.5, "false" → false). */
function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * `params` go in the query string for multipart APIs (see `queryString`) and into the JSON body
 * for PaddleX's. PaddleX's `visualize` defaults to false here: a benchmark measures layout
 * analysis, not JPEG encoding; pass visualize=true to include it.
 */
export function prepareBody(endpoint: string, file: LoadFile, params: Readonly<Record<string, string>>): PreparedBody {
  const extra = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, jsonValue(v)]));
  const base64 = Buffer.from(file.bytes).toString('base64');
  if (endpoint === '/object-detection') return json(file, { image: base64, visualize: false, ...extra });
  if (endpoint === '/layout-parsing') return json(file, { file: base64, fileType: isPdf(file.bytes) ? 0 : 1, visualize: false, ...extra });
  return multipart(file);
}

export function usesQueryParams(endpoint: string): boolean {
  return endpoint !== '/object-detection' && endpoint !== '/layout-parsing';
}
