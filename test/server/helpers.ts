/**
 * Shared set-up for the server tests: a real pool (CPU worker, fixture model) behind a real
 * server, request-body builders, and test inputs made on the fly (white pages, a 2-page PDF).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type Config, type OptionName } from '../../src/config.js';
import type { DeviceSpec } from '../../src/pool/index.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { faultyWorkers, type WorkerFaults } from '../fixtures/faulty-workers.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly pool: LayoutPool;
  readonly config: Config;
  /** Set when started with `listen: true`. */
  readonly url: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  readonly config?: Partial<Record<OptionName, unknown>>;
  /** Faults of the worker, by device index (the faulty worker fixture runs there). */
  readonly faults?: Readonly<Record<number, WorkerFaults>>;
  readonly listen?: boolean;
  /** Explicit device specs instead of config.devices (e.g. oneBatchAtATime()). */
  readonly devices?: readonly DeviceSpec[];
}

/**
 * Test defaults: one CPU worker with one thread, no GPU polling, silent logs, no lag shedding (a
 * test process starved of CPU by other work sees seconds-late timers and would shed requests that
 * its test is not about; the shedding tests turn it on).
 */
export function testConfig(overrides: Partial<Record<OptionName, unknown>> = {}): Config {
  return resolveConfig({ devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, logLevel: 'silent', maxQueueDelayMs: 1, eventLoopLagMs: 0, dataDir: tempDataDir(), ...overrides }, {});
}

const tempDataDirs: string[] = [];

/** A data directory of its own (one server per directory), removed when the test process exits. */
export function tempDataDir(): string {
  if (tempDataDirs.length === 0) process.once('exit', () => tempDataDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-data-'));
  tempDataDirs.push(dir);
  return dir;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const config = testConfig(options.config);
  const modelPath = writeFixtureModel({ variant: 'v3' });
  const state = await createServiceState({ config, modelPath, ...(options.devices ? { devices: options.devices } : {}), ...(options.faults ? { workerEntry: faultyWorkers(options.faults) } : {}) });
  await state.engine.ready();
  const pool = state.engine.pool;
  const app = await buildServer({ state });
  let url: string | undefined;
  if (options.listen) url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    pool,
    config,
    url,
    close: async () => {
      await app.close();
    },
  };
}

export interface Part {
  readonly field?: string;
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly type?: string;
}

/** A multipart/form-data body built by hand, so tests control every byte. */
export function multipart(files: readonly Part[], fields: Readonly<Record<string, string>> = {}): { payload: Buffer; headers: Record<string, string> } {
  const boundary = '----doclayout-test-boundary';
  const chunks: Buffer[] = [];
  for (const [key, value] of Object.entries(fields)) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${value}\r\n`));
  }
  for (const f of files) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.field ?? 'file'}"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'application/octet-stream'}\r\n\r\n`),
      Buffer.from(f.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

export function whitePage(width = 800, height = 800, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })[format]().toBuffer();
}

/** Two pages of different sizes (A4 portrait, US letter landscape), with a little text. */
export async function twoPagePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Page one', { x: 72, y: 760, size: 24, font });
  doc.addPage([792, 612]).drawText('Page two', { x: 72, y: 540, size: 24, font });
  return Buffer.from(await doc.save());
}

export function json<T = Record<string, unknown>>(body: string): T {
  return JSON.parse(body) as T;
}
