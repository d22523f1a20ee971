/**
 * Parses user-supplied layout parameters (CLI flags, query strings, JSON bodies, PaddleX fields)
 * into LayoutParams — the one validation every interface shares. Strings and typed values are
 * both accepted; anything else is a 400 InvalidParamError naming the parameter. Per-class maps are
 * keyed by label or by class id (PaddleX's form); an unknown label or id is refused rather than
 * silently never matching.
 */
import { InvalidParamError } from '../errors.js';
import { DOCLAYOUT_L_LABELS, DOCLAYOUT_PLUS_L_LABELS, DOCLAYOUT_V3_LABELS } from './labels.js';
import type { LayoutParams, MergeMode, ShapeMode, UnclipRatio } from './types.js';

const MERGE_MODES: readonly MergeMode[] = ['union', 'large', 'small'];
const SHAPE_MODES: readonly ShapeMode[] = ['auto', 'rect', 'poly', 'quad'];

interface RawLayoutParams {
  threshold?: unknown;
  layoutNms?: unknown;
  unclipRatio?: unknown;
  mergeMode?: unknown;
  shapeMode?: unknown;
  filterOverlap?: unknown;
}

function parseJsonObject(name: string, value: string): Record<string, unknown> | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw InvalidParamError(name, `"${value}" is not a valid JSON object`);
}

function parseNumber(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw InvalidParamError(name, `expected a number in [${min}, ${max}], got ${JSON.stringify(value)}`);
  return n;
}

export function parseBoolean(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string' && /^(true|1|yes|on)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0|no|off)$/i.test(value)) return false;
  throw InvalidParamError(name, `expected true or false, got ${JSON.stringify(value)}`);
}

/** "text:0.3,table:0.6" or {"text":0.3} → per-label map. */
function parseLabelMap(name: string, value: unknown): Record<string, unknown> | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  if (typeof value !== 'string') return undefined;
  const json = parseJsonObject(name, value);
  if (json) return json;
  if (!value.includes(':')) return undefined;
  return Object.fromEntries(value.split(',').map((pair) => {
    const parts = pair.split(':').map((s) => s.trim());
    const [label, v] = parts;
    if (parts.length !== 2 || !label || !v) throw InvalidParamError(name, `bad entry "${pair}" (expected label:value)`);
    return [label, v];
  }));
}

/** Labels of every built-in PP-DocLayout family: valid map keys when no model list is given. */
const BUILT_IN_LABELS: ReadonlySet<string> = new Set([...DOCLAYOUT_V3_LABELS, ...DOCLAYOUT_L_LABELS, ...DOCLAYOUT_PLUS_L_LABELS]);

export interface ParseLayoutParamsOptions {
  /**
   * The model's labels by class id. Map keys must be one of them, or an id into this list. Without
   * it, keys may be any built-in label, and ids index PP-DocLayoutV3's list.
   */
  readonly labels?: readonly string[];
}

/** A map key as a label: a known label, or a class id translated through the label list. */
function mapKey(name: string, key: string, options: ParseLayoutParamsOptions): string {
  const byId = options.labels ?? DOCLAYOUT_V3_LABELS;
  if (/^\d+$/.test(key)) {
    const label = byId[Number(key)];
    const list = options.labels ? 'the model has' : "ids index PP-DocLayoutV3's";
    if (label === undefined) throw InvalidParamError(`${name}.${key}`, `unknown class id ${key} (${list} ${byId.length} classes, 0-${byId.length - 1})`);
    return label;
  }
  const known = options.labels ? new Set(options.labels) : BUILT_IN_LABELS;
  if (!known.has(key)) throw InvalidParamError(`${name}.${key}`, `unknown label "${key}"; labels: ${[...known].join(', ')}`);
  return key;
}

function parseMap<T>(name: string, map: Record<string, unknown>, options: ParseLayoutParamsOptions, parse: (name: string, v: unknown) => T): Record<string, T> {
  const entries = Object.entries(map);
  if (entries.length === 0) throw InvalidParamError(name, 'the per-class map is empty');
  const out: Record<string, T> = {};
  for (const [key, v] of entries) {
    const label = mapKey(name, key, options);
    if (Object.hasOwn(out, label)) throw InvalidParamError(`${name}.${label}`, 'is given twice');
    out[label] = parse(`${name}.${label}`, v);
  }
  return out;
}

function parseThreshold(value: unknown, options: ParseLayoutParamsOptions): LayoutParams['threshold'] {
  const map = parseLabelMap('threshold', value);
  if (!map) return parseNumber('threshold', value, 0, 1);
  return parseMap('threshold', map, options, (name, v) => parseNumber(name, v, 0, 1));
}

function parseRatio(name: string, value: unknown): number | readonly [number, number] {
  if (Array.isArray(value)) {
    if (value.length !== 2) throw InvalidParamError(name, `expected [w, h], got ${value.length} values`);
    return [parseNumber(name, value[0], 0.01, 100), parseNumber(name, value[1], 0.01, 100)];
  }
  if (typeof value === 'string' && value.includes(',') && !value.includes(':')) {
    const parts = value.split(',');
    if (parts.length !== 2) throw InvalidParamError(name, `expected "w,h", got ${parts.length} values in ${JSON.stringify(value)}`);
    return [parseNumber(name, parts[0], 0.01, 100), parseNumber(name, parts[1], 0.01, 100)];
  }
  return parseNumber(name, value, 0.01, 100);
}

function parseUnclip(value: unknown, options: ParseLayoutParamsOptions): UnclipRatio {
  const map = !Array.isArray(value) ? parseLabelMap('unclipRatio', value) : undefined;
  if (!map) return parseRatio('unclipRatio', value);
  return parseMap('unclipRatio', map, options, parseRatio);
}

function parseEnum<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw InvalidParamError(name, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseMergeMode(value: unknown, options: ParseLayoutParamsOptions): LayoutParams['mergeMode'] {
  const map = parseLabelMap('mergeMode', value);
  if (!map) return parseEnum('mergeMode', value, MERGE_MODES);
  return parseMap('mergeMode', map, options, (name, v) => parseEnum(name, v, MERGE_MODES));
}

/** Only the parameters present (not undefined / empty string) are returned. */
export function parseLayoutParams(raw: RawLayoutParams, options: ParseLayoutParamsOptions = {}): Partial<LayoutParams> {
  const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  const out: { -readonly [K in keyof LayoutParams]?: LayoutParams[K] } = {};
  if (present(raw.threshold)) out.threshold = parseThreshold(raw.threshold, options);
  if (present(raw.layoutNms)) out.layoutNms = parseBoolean('layoutNms', raw.layoutNms);
  if (present(raw.unclipRatio)) out.unclipRatio = parseUnclip(raw.unclipRatio, options);
  if (present(raw.mergeMode)) out.mergeMode = parseMergeMode(raw.mergeMode, options);
  if (present(raw.shapeMode)) out.shapeMode = parseEnum('shapeMode', raw.shapeMode, SHAPE_MODES);
  if (present(raw.filterOverlap)) out.filterOverlap = parseBoolean('filterOverlap', raw.filterOverlap);
  return out;
}
