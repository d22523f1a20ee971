/**
 * Parses user-supplied layout parameters (CLI flags, query strings, JSON bodies) into
 * LayoutParams. Strings and typed values are both accepted; anything else is a 400
 * InvalidParamError naming the parameter.
 */
import { InvalidParamError } from '../errors.js';
import type { LayoutParams, MergeMode, ShapeMode, UnclipRatio } from './types.js';

const MERGE_MODES: readonly MergeMode[] = ['union', 'large', 'small'];
const SHAPE_MODES: readonly ShapeMode[] = ['auto', 'rect', 'poly', 'quad'];

export interface RawLayoutParams {
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
    const [label, v] = pair.split(':').map((s) => s.trim());
    if (!label || v === undefined) throw InvalidParamError(name, `bad entry "${pair}" (expected label:value)`);
    return [label, v];
  }));
}

function parseThreshold(value: unknown): LayoutParams['threshold'] {
  const map = parseLabelMap('threshold', value);
  if (!map) return parseNumber('threshold', value, 0, 1);
  return Object.fromEntries(Object.entries(map).map(([label, v]) => [label, parseNumber(`threshold.${label}`, v, 0, 1)]));
}

function parseRatio(name: string, value: unknown): number | readonly [number, number] {
  if (Array.isArray(value)) {
    if (value.length !== 2) throw InvalidParamError(name, 'expected [w, h]');
    return [parseNumber(name, value[0], 0.01, 100), parseNumber(name, value[1], 0.01, 100)];
  }
  if (typeof value === 'string' && value.includes(',') && !value.includes(':')) {
    const [w, h] = value.split(',');
    return [parseNumber(name, w, 0.01, 100), parseNumber(name, h, 0.01, 100)];
  }
  return parseNumber(name, value, 0.01, 100);
}

function parseUnclip(value: unknown): UnclipRatio {
  const map = !Array.isArray(value) ? parseLabelMap('unclipRatio', value) : undefined;
  if (!map) return parseRatio('unclipRatio', value);
  return Object.fromEntries(Object.entries(map).map(([label, v]) => [label, parseRatio(`unclipRatio.${label}`, v)]));
}

function parseEnum<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw InvalidParamError(name, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
}

function parseMergeMode(value: unknown): LayoutParams['mergeMode'] {
  const map = parseLabelMap('mergeMode', value);
  if (!map) return parseEnum('mergeMode', value, MERGE_MODES);
  return Object.fromEntries(Object.entries(map).map(([label, v]) => [label, parseEnum(`mergeMode.${label}`, v, MERGE_MODES)]));
}

/** Only the parameters present (not undefined / empty string) are returned. */
export function parseLayoutParams(raw: RawLayoutParams): Partial<LayoutParams> {
  const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  const out: { -readonly [K in keyof LayoutParams]?: LayoutParams[K] } = {};
  if (present(raw.threshold)) out.threshold = parseThreshold(raw.threshold);
  if (present(raw.layoutNms)) out.layoutNms = parseBoolean('layoutNms', raw.layoutNms);
  if (present(raw.unclipRatio)) out.unclipRatio = parseUnclip(raw.unclipRatio);
  if (present(raw.mergeMode)) out.mergeMode = parseMergeMode(raw.mergeMode);
  if (present(raw.shapeMode)) out.shapeMode = parseEnum('shapeMode', raw.shapeMode, SHAPE_MODES);
  if (present(raw.filterOverlap)) out.filterOverlap = parseBoolean('filterOverlap', raw.filterOverlap);
  return out;
}
