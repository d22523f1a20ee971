/**
 * The result cache's key: what makes a page's result what it is. The document's bytes (sha256),
 * the page number, the model file (sha256) and the parameters after defaults are applied — so
 * `{}` and the explicit defaults share an entry — in canonical JSON (sorted keys), plus the PDF
 * resolution, which changes the pixels the model sees.
 */
import { createHash } from 'node:crypto';
import { defaultLayoutParams, type LayoutParams } from '../model/index.js';

export interface CacheKeyParts {
  /** sha256 (hex) of the document's bytes (the image, or the whole PDF). */
  readonly documentSha256: string;
  /** 1-based page; 1 for an image. */
  readonly page: number;
  /** sha256 (hex) of the model file. */
  readonly modelSha256: string;
  readonly params: Partial<LayoutParams>;
  /** PDF rasterization resolution; ignored for images. */
  readonly pdfDpi?: number;
}

/** JSON with object keys sorted at every level, so equal values always print the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function normalizeParams(params: Partial<LayoutParams>): LayoutParams {
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  return { ...defaultLayoutParams, ...defined } as LayoutParams;
}

export function cacheKey(parts: CacheKeyParts): string {
  const params = sha256(canonicalJson({ params: normalizeParams(parts.params), pdfDpi: parts.pdfDpi ?? null }));
  return `${parts.documentSha256}:${parts.page}:${parts.modelSha256}:${params}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
