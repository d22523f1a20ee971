/**
 * Set-up shared by the cluster tests: the CLI run as real processes (workers, submitters) with
 * the fixture model, short lock and stall intervals so a killed worker's jobs come back in about
 * a second, and inputs made on the fly — images, a multi-page PDF, and broken files.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import type { Config } from '../../src/config.js';
import { createEngine } from '../../src/engine/index.js';
import { Cluster, ClusterWorker, JobClient, jobSettings } from '../../src/jobs/index.js';
import type { LayoutPool } from '../../src/pool/index.js';
import { faultyWorkers, type WorkerFaults } from '../fixtures/faulty-workers.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { repoRoot } from '../fixtures/paths.js';

export const cli = path.join(repoRoot, 'dist/src/cli/index.js');

let model: string | undefined;
export function fixtureModelPath(): string {
  model ??= writeFixtureModel({ variant: 'v3' });
  return model;
}

/** Job timing for tests: locks of 2 s (checked every 1 s); one CPU thread per worker. */
export function clusterEnv(redisUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DOCLAYOUT_REDIS: redisUrl,
    DOCLAYOUT_MODEL: fixtureModelPath(),
    DOCLAYOUT_DEVICES: 'cpu',
    DOCLAYOUT_CPU_THREADS: '1',
    DOCLAYOUT_JOB_LOCK_MS: '2000',
    DOCLAYOUT_HEARTBEAT_MS: '200',
    DOCLAYOUT_GPU_TELEMETRY_MS: '0',
    DOCLAYOUT_LOG_LEVEL: 'warn',
    ...extra,
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts `doclayout worker` and resolves once it says it is ready (its pool is up). */
export async function startWorker(env: NodeJS.ProcessEnv, args: string[] = []): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [cli, 'worker', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!/doclayout worker .* capacity/.test(err)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, stderr: () => err };
}

export async function stopWorker(worker: WorkerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill(signal);
  return worker.exited;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `doclayout-${prefix}-`));
}

/** Distinct small PNG pages (a dark block at a different place on each). */
export async function writePages(dir: string, count: number, prefix = 'page'): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `${prefix}-${String(i).padStart(3, '0')}.png`);
    await sharp({ create: { width: 240, height: 320, channels: 3, background: '#ffffff' } })
      .composite([{ input: { create: { width: 60, height: 30, channels: 3, background: '#202020' } }, left: 10 + (i % 8) * 20, top: 10 + Math.floor(i / 8) * 30 }])
      .png()
      .toFile(file);
    files.push(file);
  }
  return files;
}

export async function writePdf(file: string, pages: number): Promise<string> {
  const pdf = await PDFDocument.create();
  for (let i = 0; i < pages; i++) pdf.addPage([200 + i * 10, 260]);
  fs.writeFileSync(file, await pdf.save());
  return file;
}

export function readJsonl(file: string): Array<{ input: { name: string; page: number }; regions: unknown[] }> {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** `name#page` of every line, sorted: what "every page exactly once" is checked against. */
export function pageKeys(lines: ReadonlyArray<{ input: { name: string; page: number } }>): string[] {
  return lines.map((l) => `${l.input.name}#${l.input.page}`).sort();
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An in-process cluster worker on a one-device pool whose worker program has `faults`, and a client. */
export interface FaultyCluster {
  readonly pool: LayoutPool;
  readonly worker: ClusterWorker;
  readonly client: JobClient;
  /** Stops the worker, the pool and both Redis connections. */
  close(): Promise<void>;
}

export async function startFaultyCluster(config: Config, faults: WorkerFaults): Promise<FaultyCluster> {
  const engine = await createEngine({ config, modelPath: fixtureModelPath(), workerEntry: faultyWorkers({ 0: faults }) });
  await engine.ready();
  const pool = engine.pool;
  const workerCluster = new Cluster(jobSettings(config));
  const clientCluster = new Cluster(jobSettings(config));
  const worker = new ClusterWorker({ cluster: workerCluster, engine, maxPixels: config.maxPixels });
  worker.start();
  return {
    pool,
    worker,
    client: new JobClient(clientCluster),
    async close() {
      await worker.close();
      await pool.close();
      await Promise.all([workerCluster.close(), clientCluster.close()]);
    },
  };
}
