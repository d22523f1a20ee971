/**
 * What every benchmark shares: which model to run (a real one from ../shared/models/ wins over
 * the stand-in), which pages, and how results are written (JSON with commit, machine, GPU).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedDir = path.resolve(repoRoot, '../shared');
export const standinPath = path.join(repoRoot, 'bench/models/pp-doclayoutv3-standin.onnx');

export interface BenchModel {
  readonly path: string;
  readonly kind: 'real' | 'stand-in';
}

/** Every model a benchmark should run: real ones first; the stand-in when there is none. */
export function benchModels(): BenchModel[] {
  const dir = path.join(sharedDir, 'models');
  const real = fs.existsSync(dir)
    ? fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort().map((f) => ({ path: path.join(dir, f), kind: 'real' as const }))
    : [];
  if (real.length > 0) return real;
  if (!fs.existsSync(standinPath)) {
    throw new Error(`no real model in ${dir} and no stand-in at ${standinPath}: run \`npm run make:standin\` first`);
  }
  return [{ path: standinPath, kind: 'stand-in' }];
}

/** Sample page images (bytes + name), from ../shared/samples/. */
export function samplePages(): Array<{ name: string; bytes: Buffer }> {
  const dir = path.join(sharedDir, 'samples');
  if (!fs.existsSync(dir)) throw new Error(`no sample pages at ${dir}`);
  return fs.readdirSync(dir)
    .filter((f) => /\.(jpe?g|png|webp|tiff?|bmp)$/i.test(f))
    .sort()
    .map((f) => ({ name: f, bytes: fs.readFileSync(path.join(dir, f)) }));
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function gpu(): string {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 }).trim() || 'none';
  } catch {
    return 'none';
  }
}

export function machine(): Record<string, unknown> {
  return {
    commit: commit(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    gpu: gpu(),
    at: new Date().toISOString(),
  };
}

/** Writes bench/results/<name>-<timestamp>.json and returns its path. */
export function writeResults(name: string, body: Record<string, unknown>): string {
  const dir = path.join(repoRoot, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${name}-${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify({ benchmark: name, machine: machine(), ...body }, null, 2)}\n`);
  return file;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));
