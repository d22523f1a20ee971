/**
 * GPU telemetry by polling `nvidia-smi` (the tool every NVIDIA host has; NVML bindings would add
 * a native dependency for the same four numbers). Readers get the last snapshot synchronously, so
 * a `/metrics` scrape never waits on the driver. On a host without NVIDIA GPUs the tool is missing:
 * the snapshot stays empty, one debug note says why, and polling stops for good.
 */
import { execFile, type ChildProcess, type ExecFileException } from 'node:child_process';
import { debuglog } from 'node:util';
import { InvalidParamError } from '../errors.js';
import type { GpuStats } from './gpu-stats.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from './nvidia-smi-csv.js';

export type { GpuStats } from './gpu-stats.js';

export interface GpuTelemetry {
  /** The last successful poll; empty before the first one, after a failure, or without GPUs. */
  snapshot(): readonly GpuStats[];
  /** Polls now (joins a poll already running) and resolves with the new snapshot; never rejects. */
  refresh(): Promise<readonly GpuStats[]>;
  /** False once the tool was found missing: polling has stopped. */
  readonly available: boolean;
  /** Stops polling and kills a poll in progress. Idempotent. */
  close(): void;
}

interface GpuTelemetryOptions {
  /** Polling period, ms. */
  intervalMs: number;
  /** Executable to run (default 'nvidia-smi', looked up in PATH); run with execFile, never a shell. */
  command?: string;
  /**
   * Limit for one poll, ms. nvidia-smi can take seconds when persistence mode is off; a wedged
   * driver must not leave children piling up, so a poll past this is killed and counts as failed.
   */
  timeoutMs?: number;
  /** Where the few notes go (tool missing, failing, recovered). Default: NODE_DEBUG=doclayout. */
  onDebug?: (message: string) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** A failing tool (driver reloading, GPU fallen off the bus) is retried with doubling delays up to this many periods. */
const MAX_BACKOFF_PERIODS = 12;
/** The CSV for 16 GPUs is ~1.5 KB; anything near this is not what we asked for. */
const MAX_OUTPUT_BYTES = 256 * 1024;

const defaultDebug = debuglog('doclayout');

class NvidiaSmiTelemetry implements GpuTelemetry {
  readonly #command: string;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #debug: (message: string) => void;
  #snapshot: readonly GpuStats[] = [];
  #available = true;
  #closed = false;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #child: ChildProcess | undefined;
  #polling: Promise<readonly GpuStats[]> | undefined;

  constructor(options: GpuTelemetryOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) throw InvalidParamError('gpuTelemetryMs', `expected a period > 0 ms, got ${options.intervalMs}`);
    this.#command = options.command ?? 'nvidia-smi';
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs ?? Math.min(DEFAULT_TIMEOUT_MS, Math.max(1_000, options.intervalMs));
    this.#debug = options.onDebug ?? ((message) => defaultDebug('%s', message));
    void this.#loop();
  }

  get available(): boolean {
    return this.#available;
  }

  snapshot(): readonly GpuStats[] {
    return this.#snapshot;
  }

  refresh(): Promise<readonly GpuStats[]> {
    if (this.#closed || !this.#available) return Promise.resolve(this.#snapshot);
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#child?.kill();
  }

  async #loop(): Promise<void> {
    await this.refresh();
    if (this.#closed || !this.#available) return;
    const periods = Math.min(2 ** this.#failures, MAX_BACKOFF_PERIODS);
    // unref: telemetry alone must never keep the process alive (a CLI run, a draining server).
    this.#timer = setTimeout(() => void this.#loop(), this.#intervalMs * (this.#failures === 0 ? 1 : periods));
    this.#timer.unref();
  }

  #poll(): Promise<readonly GpuStats[]> {
    return new Promise((resolve) => {
      const child = execFile(this.#command, NVIDIA_SMI_ARGS, { timeout: this.#timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, encoding: 'utf8' }, (err, stdout, stderr) => {
        this.#child = undefined;
        if (this.#closed) return resolve(this.#snapshot);
        if (err) this.#onFailure(err, stderr);
        else this.#onSuccess(stdout);
        resolve(this.#snapshot);
      });
      child.stdin?.end();
      this.#child = child;
    });
  }

  #onSuccess(stdout: string): void {
    if (this.#failures > 0) this.#debug(`gpu telemetry: ${this.#command} answers again after ${this.#failures} failed poll(s)`);
    this.#failures = 0;
    this.#snapshot = Object.freeze(parseNvidiaSmiCsv(stdout));
  }

  #onFailure(err: ExecFileException, stderr: string): void {
    // Stale figures look live on a dashboard; an empty snapshot says "unknown".
    this.#snapshot = [];
    if (err.code === 'ENOENT' || err.code === 'EACCES') {
      this.#available = false;
      this.#debug(`gpu telemetry off: ${this.#command} cannot be run (${err.code}); no NVIDIA GPU figures will be reported`);
      return;
    }
    this.#failures++;
    if (this.#failures === 1) {
      const firstLine = (text: string): string | undefined => text.split('\n').map((l) => l.trim()).find((l) => l !== '');
      const why = err.killed ? `timed out after ${this.#timeoutMs} ms` : (firstLine(stderr) ?? firstLine(err.message) ?? String(err.code));
      this.#debug(`gpu telemetry: ${this.#command} failed (${why}); retrying with backoff`);
    }
  }
}

export function createGpuTelemetry(options: GpuTelemetryOptions): GpuTelemetry {
  return new NvidiaSmiTelemetry(options);
}
