/**
 * What every benchmark shares: which model to run (a real one from ../shared/models/ wins over
 * the stand-in), which pages, and how results are written (JSON with the exact source state,
 * machine and GPU).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quick } from './options.js';

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

function git(args: readonly string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
}

export interface SourceState {
  /** `git describe --always --dirty`: the commit, with "-dirty" when tracked files differ from it. */
  readonly commit: string;
  /** True when tracked files differ from the commit or src/ or bench/ hold untracked files. */
  readonly dirty: boolean;
  /** When dirty: sha256 (first 16 hex) of `git diff HEAD` plus the untracked files, to tell runs apart. */
  readonly diffSha256?: string;
  readonly untracked?: string[];
}

/**
 * Which code a result was measured on. Only a clean state can be reproduced from its commit, so
 * only clean results may be cited (see the README's Benchmarks section).
 */
export function sourceState(): SourceState {
  try {
    const commit = git(['describe', '--always', '--dirty']).trim();
    // Untracked sources change what runs as much as edits do, but git describe ignores them.
    // (Results already written are data, not code.)
    const untracked = git(['ls-files', '--others', '--exclude-standard', '--', 'src', 'bench', 'scripts', 'web', ':(exclude)bench/results']).split('\n').filter(Boolean);
    const dirty = commit.endsWith('-dirty') || untracked.length > 0;
    if (!dirty) return { commit, dirty };
    const hash = createHash('sha256').update(git(['diff', 'HEAD', '--binary']));
    for (const file of untracked) hash.update(file).update(fs.readFileSync(path.join(repoRoot, file)));
    return { commit, dirty, diffSha256: hash.digest('hex').slice(0, 16), ...(untracked.length > 0 ? { untracked } : {}) };
  } catch {
    return { commit: 'unknown', dirty: true };
  }
}

/** The state when the benchmark started: what `npm run bench:*` compiled and is running. */
const stateAtStart = sourceState();

function gpu(): string {
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 5000 }).trim() || 'none';
  } catch {
    return 'none';
  }
}

/** The machine and the source state; a source that changed while the run went on is dirty. */
export function machine(): Record<string, unknown> {
  const now = sourceState();
  const changed = JSON.stringify(now) !== JSON.stringify(stateAtStart);
  return {
    ...stateAtStart,
    ...(changed ? { dirty: true, changedDuringRun: true, stateAtEnd: now } : {}),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    gpu: gpu(),
    at: new Date().toISOString(),
  };
}

/**
 * Writes bench/results/<name>-<timestamp>.json and returns its path. A --quick smoke run writes
 * to the system's temp folder instead: its figures must never be mistaken for results.
 */
export function writeResults(name: string, body: Record<string, unknown>): string {
  const dir = quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-')) : path.join(repoRoot, 'bench/results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${name}-${stamp}.json`);
  const about = machine();
  fs.writeFileSync(file, `${JSON.stringify({ benchmark: name, quick, machine: about, ...body }, null, 2)}\n`);
  if (about.dirty) process.stderr.write(`note: measured on uncommitted or changing code (${String(about.commit)}); do not cite these figures\n`);
  return file;
}

export { median, round } from './stats.js';
