/**
 * Prometheus metrics for one server instance. Each server owns its registry (never prom-client's
 * global one), so two servers in one process — as in the tests — count separately. Pool figures
 * are read from `pool.snapshot()` at scrape time rather than mirrored, so they can never drift.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { LayoutPool, PoolEvents, PoolSnapshot } from '../pool/index.js';
import { pdfThreadStats } from '../pdf/index.js';
import type { GpuTelemetry } from '../telemetry/gpu.js';
import { registerAdmissionMetrics } from './admission-metrics.js';

/** One scrape reads a dozen pool figures; they come from one snapshot taken at most this old. */
const SNAPSHOT_REUSE_MS = 250;

/** Request latency buckets, seconds: from a cached health probe to a long PDF. */
const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const BATCH_SIZE_BUCKETS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

interface ServerMetricsOptions {
  readonly pool: LayoutPool;
  readonly gpuTelemetry?: GpuTelemetry;
  /** Current event-loop lag in ms, sampled by the server's lag monitor. */
  readonly eventLoopLagMs: () => number;
  /** The PDF spool: bytes and files held now, its bound (0 = none), whether the last probe could write. */
  readonly spool?: () => { bytes: number; files: number; limitBytes: number; writable: boolean };
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #pool: LayoutPool;
  readonly #httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly #httpDuration: Histogram<'route' | 'method'>;
  readonly #pages: Counter<'route'>;
  readonly #shed: Counter<'reason'>;
  readonly #batchSize: Histogram<'device'>;
  readonly #onBatch: (payload: PoolEvents['batch']) => void;
  #snapshot: { at: number; value: PoolSnapshot } | undefined;

  constructor(options: ServerMetricsOptions) {
    const { pool, gpuTelemetry } = options;
    const registers = [this.registry];
    this.#pool = pool;
    collectDefaultMetrics({ register: this.registry, prefix: 'doclayout_' });
    new Gauge({ name: 'doclayout_pdf_threads', help: 'PDF threads alive in the server process (page counting; let go when idle)', registers, collect() { this.set(pdfThreadStats().live); } });
    new Counter({ name: 'doclayout_pdf_thread_heap_recycles_total', help: 'Times the PDF threads were replaced because a document left one with a heap above its limit', registers, collect() { this.reset(); this.inc(pdfThreadStats().heapRecycles); } });

    this.#httpRequests = new Counter({ name: 'doclayout_http_requests_total', help: 'HTTP requests by route template, method and status', labelNames: ['route', 'method', 'status'], registers });
    this.#httpDuration = new Histogram({ name: 'doclayout_http_request_duration_seconds', help: 'HTTP request latency, seconds', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS_S, registers });
    this.#pages = new Counter({ name: 'doclayout_pages_total', help: 'Pages answered successfully, by route', labelNames: ['route'], registers });
    this.#shed = new Counter({ name: 'doclayout_shed_requests_total', help: 'Requests refused before reaching the pool (event-loop lag, draining)', labelNames: ['reason'], registers });
    this.#batchSize = new Histogram({ name: 'doclayout_batch_size', help: 'Pages per model run, by device', labelNames: ['device'], buckets: BATCH_SIZE_BUCKETS, registers });
    this.#onBatch = (payload) => this.#batchSize.observe({ device: payload.device }, payload.size);
    pool.on('batch', this.#onBatch);

    const snap = (): PoolSnapshot => this.#poolSnapshot();
    const poolGauge = (name: string, help: string, read: (s: PoolSnapshot) => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read(snap())); } });
    };
    const poolCounter = (name: string, help: string, read: (s: PoolSnapshot) => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read(snap())); } });
    };
    poolGauge('doclayout_queue_depth', 'Pages waiting for a device', (s) => s.queueDepth);
    poolGauge('doclayout_queue_capacity', 'Queue size above which new work gets 429 (maxQueue)', (s) => s.maxQueue);
    poolGauge('doclayout_pool_ready', '1 while the pool accepts work', (s) => (s.state === 'ready' ? 1 : 0));
    poolCounter('doclayout_pool_accepted_total', 'Pages accepted by the pool', (s) => s.accepted);
    poolCounter('doclayout_pool_completed_total', 'Pages completed by the pool', (s) => s.completed);
    poolCounter('doclayout_pool_failed_total', 'Pages that failed in the pool', (s) => s.failed);
    poolCounter('doclayout_pool_rejected_total', 'Pages rejected because the queue was full (429)', (s) => s.rejected);
    poolCounter('doclayout_pool_timed_out_total', 'Pages that missed their deadline (504)', (s) => s.timedOut);
    poolCounter('doclayout_pool_aborted_total', 'Pages cancelled by their caller (client disconnects)', (s) => s.aborted);
    poolCounter('doclayout_pool_retried_total', 'Pages re-queued after their worker died', (s) => s.retried);

    const deviceGauge = (name: string, help: string, read: (d: PoolSnapshot['devices'][number]) => number | undefined): void => {
      new Gauge({
        name, help, labelNames: ['device'], registers,
        collect() {
          this.reset();
          for (const d of snap().devices) {
            const value = read(d);
            if (value !== undefined) this.set({ device: d.id }, value);
          }
        },
      });
    };
    const deviceCounter = (name: string, help: string, read: (d: PoolSnapshot['devices'][number]) => number): void => {
      new Counter({
        name, help, labelNames: ['device'], registers,
        collect() {
          this.reset();
          for (const d of snap().devices) this.inc({ device: d.id }, read(d));
        },
      });
    };
    deviceGauge('doclayout_device_inflight', 'Pages sent to the device and not yet answered', (d) => d.inflight);
    deviceGauge('doclayout_device_ready', '1 when the device is ready or busy', (d) => (d.state === 'ready' || d.state === 'busy' ? 1 : 0));
    deviceGauge('doclayout_device_service_time_seconds', 'EWMA of per-page service time, seconds', (d) => (d.ewmaMs === undefined ? undefined : d.ewmaMs / 1000));
    deviceGauge('doclayout_device_worker_rss_bytes', 'Resident memory of the device worker, bytes', (d) => (d.rssMb === undefined ? undefined : d.rssMb * 1024 * 1024));
    deviceCounter('doclayout_device_completed_total', 'Pages completed, by device', (d) => d.completed);
    deviceCounter('doclayout_device_failed_total', 'Pages failed, by device', (d) => d.failed);
    deviceCounter('doclayout_worker_restarts_total', 'Worker crash restarts (exits nobody asked for), by device', (d) => d.restarts);
    deviceCounter('doclayout_worker_recycles_total', 'Planned worker replacements (page count, RSS, idle bloat), by device', (d) => d.recycles ?? 0);
    deviceCounter('doclayout_worker_recycle_kills_total', 'Recycled workers SIGKILLed for not exiting within their grace after SIGTERM, by device', (d) => d.recycleKills ?? 0);

    registerAdmissionMetrics(this.registry, snap);
    new Gauge({ name: 'doclayout_event_loop_lag_seconds', help: 'Event-loop lag seen by the load shedder, seconds', registers, collect() { this.set(options.eventLoopLagMs() / 1000); } });

    const spool = options.spool;
    if (spool) {
      new Gauge({ name: 'doclayout_spool_bytes', help: 'Bytes of uploaded PDFs spooled in TMPDIR now (reserved before writing)', registers, collect() { this.set(spool().bytes); } });
      new Gauge({ name: 'doclayout_spool_files', help: 'PDFs spooled in TMPDIR now', registers, collect() { this.set(spool().files); } });
      new Gauge({ name: 'doclayout_spool_limit_bytes', help: 'The spool bound (--spool-max-mb), bytes; 0 = none', registers, collect() { this.set(spool().limitBytes); } });
      new Gauge({ name: 'doclayout_spool_writable', help: '1 when the last probe could write to the spool (TMPDIR), 0 when full or unwritable', registers, collect() { this.set(spool().writable ? 1 : 0); } });
    }

    if (gpuTelemetry) registerGpuGauges(this.registry, gpuTelemetry);
  }

  #poolSnapshot(): PoolSnapshot {
    const now = Date.now();
    if (!this.#snapshot || now - this.#snapshot.at > SNAPSHOT_REUSE_MS) this.#snapshot = { at: now, value: this.#pool.snapshot() };
    return this.#snapshot.value;
  }

  observeRequest(route: string, method: string, statusCode: number, seconds: number): void {
    this.#httpRequests.inc({ route, method, status: String(statusCode) });
    this.#httpDuration.observe({ route, method }, seconds);
  }

  countPages(route: string, pages: number): void {
    this.#pages.inc({ route }, pages);
  }

  countShed(reason: 'event-loop-lag' | 'draining'): void {
    this.#shed.inc({ reason });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  close(): void {
    this.#pool.off('batch', this.#onBatch);
    this.registry.clear();
  }
}

function registerGpuGauges(registry: Registry, telemetry: GpuTelemetry): void {
  const registers = [registry];
  // A figure the GPU cannot report (utilisation under MIG) is NaN: Prometheus' "unknown".
  const gpuGauge = (name: string, help: string, read: (g: ReturnType<GpuTelemetry['snapshot']>[number]) => number | undefined): void => {
    new Gauge({
      name, help, labelNames: ['gpu', 'name'], registers,
      collect() {
        this.reset();
        for (const g of telemetry.snapshot()) {
          const value = read(g);
          if (value !== undefined) this.set({ gpu: String(g.index), name: g.name }, value);
        }
      },
    });
  };
  gpuGauge('doclayout_gpu_utilization_ratio', 'GPU utilisation, 0-1 (nvidia-smi)', (g) => g.utilizationPct / 100);
  gpuGauge('doclayout_gpu_memory_used_bytes', 'GPU memory in use, bytes', (g) => g.memoryUsedMb * 1024 * 1024);
  gpuGauge('doclayout_gpu_memory_total_bytes', 'GPU memory, bytes', (g) => g.memoryTotalMb * 1024 * 1024);
  gpuGauge('doclayout_gpu_temperature_celsius', 'GPU temperature, °C', (g) => g.temperatureC);
  gpuGauge('doclayout_gpu_power_watts', 'GPU power draw, W (boards that report it)', (g) => g.powerW);
}
