/**
 * Every runtime option of doclayout in one place: its default, unit, environment variable and
 * CLI flag. Parse once with `resolveConfig`, which validates, freezes and returns the result;
 * pass that object down instead of reading `process.env` anywhere else.
 */
import os from 'node:os';
import path from 'node:path';
import { InvalidParamError } from './errors.js';

type Kind = 'string' | 'int' | 'number' | 'boolean';

interface OptionSpec {
  readonly kind: Kind;
  readonly default: string | number | boolean | undefined;
  readonly env: string;
  readonly flag: string;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly choices?: readonly string[];
  /** A string option's accepted form, with what to tell a user who got it wrong. */
  readonly pattern?: { readonly re: RegExp; readonly expected: string };
  readonly description: string;
}

function defaultModelDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? (process.platform === 'win32'
    ? process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')
    : path.join(os.homedir(), '.cache'));
  return path.join(base, 'doclayout', 'models');
}

/** The user's data directory (XDG_DATA_HOME, ~/.local/share, or %LOCALAPPDATA%) + doclayout. */
function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME ?? (process.platform === 'win32'
    ? process.env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local')
    : path.join(os.homedir(), '.local', 'share'));
  return path.join(base, 'doclayout');
}

export const optionSpecs = {
  model: { kind: 'string', default: undefined, env: 'DOCLAYOUT_MODEL', flag: '--model <path|name>', description: 'ONNX model file or registry name (default: pp-doclayoutv3 in the model dir)' },
  modelDir: { kind: 'string', default: defaultModelDir(), env: 'DOCLAYOUT_MODEL_DIR', flag: '--model-dir <dir>', description: 'Cache folder for downloaded models' },
  devices: { kind: 'string', default: 'auto', env: 'DOCLAYOUT_DEVICES', flag: '--devices <list>', description: 'auto | cpu | cpu:N | 0,1,3 | cuda:0,cuda:2 (webgpu:N, tensorrt:N by name)' },
  cpuThreads: { kind: 'int', default: 0, env: 'DOCLAYOUT_CPU_THREADS', flag: '--cpu-threads <n>', unit: 'threads', min: 0, description: 'Total intra-op threads split across CPU workers (0 = all cores)' },
  maxBatch: { kind: 'int', default: 0, env: 'DOCLAYOUT_MAX_BATCH', flag: '--max-batch <n>', unit: 'pages', min: 0, max: 64, description: 'Largest dynamic batch per device, i.e. the pages one device holds at once (0 = auto: 1 on CPU, where batching measured slower, 4 on GPUs)' },
  maxQueueDelayMs: { kind: 'number', default: 5, env: 'DOCLAYOUT_MAX_QUEUE_DELAY_MS', flag: '--max-queue-delay-ms <ms>', unit: 'ms', min: 0, description: 'How long a device waits to fill a batch once it has work' },
  maxQueue: { kind: 'int', default: 256, env: 'DOCLAYOUT_MAX_QUEUE', flag: '--max-queue <n>', unit: 'pages', min: 1, description: 'Pages waiting for a device before new work gets 429' },
  requestTimeoutMs: { kind: 'int', default: 120_000, env: 'DOCLAYOUT_REQUEST_TIMEOUT_MS', flag: '--request-timeout-ms <ms>', unit: 'ms', min: 1, description: 'Default per-request deadline' },
  maxRetries: { kind: 'int', default: 2, env: 'DOCLAYOUT_MAX_RETRIES', flag: '--max-retries <n>', min: 0, description: 'Re-queues of a page whose worker died under it' },
  heartbeatIntervalMs: { kind: 'int', default: 1_000, env: 'DOCLAYOUT_HEARTBEAT_MS', flag: '--heartbeat-ms <ms>', unit: 'ms', min: 10, description: 'Worker heartbeat period' },
  watchdogTimeoutMs: { kind: 'int', default: 10_000, env: 'DOCLAYOUT_WATCHDOG_MS', flag: '--watchdog-ms <ms>', unit: 'ms', min: 50, description: 'A worker silent for this long (no heartbeat) is killed and restarted; heartbeats keep flowing during inference, so this need not cover a batch' },
  maxRunMs: { kind: 'int', default: 0, env: 'DOCLAYOUT_MAX_RUN_MS', flag: '--max-run-ms <ms>', unit: 'ms', min: 0, description: 'One inference (session.run of a batch) running longer than this is a hang: the worker is killed and its pages re-queued (0 = auto: 10 × the slowest run seen on that device per page × batch size, at least 10 s)' },
  prepThreads: { kind: 'string', default: 'auto', env: 'DOCLAYOUT_PREP_THREADS', flag: '--prep-threads <n|auto>', unit: 'threads', pattern: { re: /^(auto|[1-9]\d{0,2})$/, expected: 'auto or a whole number of threads, at least 1' }, description: 'Threads per device worker that decode, resize, post-process, render PDF pages and draw overlays while the inference thread runs the model (auto: the cores left after inference, split over devices, 1 to 8, working ahead only where a core is left over; an explicit count always works ahead)' },
  restartBackoffMs: { kind: 'int', default: 200, env: 'DOCLAYOUT_RESTART_BACKOFF_MS', flag: '--restart-backoff-ms <ms>', unit: 'ms', min: 0, description: 'First restart delay; doubles per consecutive failure, up to 30 s (or this, if longer)' },
  recycleAfterPages: { kind: 'int', default: 0, env: 'DOCLAYOUT_RECYCLE_PAGES', flag: '--recycle-pages <n>', unit: 'pages', min: 0, description: 'Restart a worker after this many pages (0 = never)' },
  recycleRssMb: { kind: 'int', default: 0, env: 'DOCLAYOUT_RECYCLE_RSS_MB', flag: '--recycle-rss-mb <mb>', unit: 'MiB', min: 0, description: 'Restart a worker whose RSS exceeds this (0 = never)' },
  idleRecycleMarginMb: { kind: 'int', default: 512, env: 'DOCLAYOUT_IDLE_RECYCLE_MARGIN_MB', flag: '--idle-recycle-margin-mb <mb>', unit: 'MiB', min: 0, description: 'Restart an idle worker whose RSS stays this far above its RSS when it became ready: memory left behind by a pathological document (huge pages, many large images) comes back. 512 MiB: ordinary serving grew a stand-in-model worker by at most 106 MiB (8 scanned pages and text PDFs at a time, bench:serving-memory), while the idle workers left by PDF bombs in issue 21 sat 800-950 MiB above ready (1.4-1.5 GB); smaller residues (200-450 MiB after bench:hostile\'s bombs) are kept, as bounded (0 = never)' },
  host: { kind: 'string', default: '127.0.0.1', env: 'DOCLAYOUT_HOST', flag: '--host <addr>', description: 'Listen address: loopback only by default; 0.0.0.0 (or a given address) serves other machines — set API keys (--api-keys) when it does' },
  port: { kind: 'int', default: 8000, env: 'DOCLAYOUT_PORT', flag: '--port <n>', min: 0, max: 65535, description: 'Listen port (0 = any free port)' },
  headersTimeoutMs: { kind: 'int', default: 20_000, env: 'DOCLAYOUT_HEADERS_TIMEOUT_MS', flag: '--headers-timeout-ms <ms>', unit: 'ms', min: 1, description: 'Time a client has to send its request headers (a few hundred bytes); slower ones get 408 and are disconnected' },
  uploadTimeoutMs: { kind: 'int', default: 600_000, env: 'DOCLAYOUT_UPLOAD_TIMEOUT_MS', flag: '--upload-timeout-ms <ms>', unit: 'ms', min: 1, description: 'Time a client has to send a whole request, headers and body: a 50 MB upload needs ~0.7 Mbit/s; slower ones get 408 and are disconnected' },
  minUploadBytesPerS: { kind: 'int', default: 1_024, env: 'DOCLAYOUT_MIN_UPLOAD_BYTES_PER_S', flag: '--min-upload-bytes-per-s <n>', unit: 'B/s', min: 0, description: 'Slowest body a client may send, averaged over each --upload-rate-window-ms: a client trickling bytes is cut with 408 within one or two windows instead of holding its connection for --upload-timeout-ms (0 = off)' },
  uploadRateWindowMs: { kind: 'int', default: 10_000, env: 'DOCLAYOUT_UPLOAD_RATE_WINDOW_MS', flag: '--upload-rate-window-ms <ms>', unit: 'ms', min: 100, description: 'Window over which --min-upload-bytes-per-s is measured; long enough to forgive a real link stalling for a moment' },
  adminToken: { kind: 'string', default: undefined, env: 'DOCLAYOUT_ADMIN_TOKEN', flag: '--admin-token <token>', description: 'Bearer token for POST /v1/admin/reload; unset, the route does not exist (404). Prefer the env variable: flags show in ps' },
  maxUploadMb: { kind: 'number', default: 50, env: 'DOCLAYOUT_MAX_UPLOAD_MB', flag: '--max-upload-mb <mb>', unit: 'MB', min: 0.001, description: 'Largest accepted request body' },
  spoolMaxMb: { kind: 'number', default: 1024, env: 'DOCLAYOUT_SPOOL_MAX_MB', flag: '--spool-max-mb <mb>', unit: 'MB', min: 0, description: 'Most bytes of uploaded PDFs this process holds spooled in TMPDIR at once (each PDF is written there while its document is analysed); an upload reserves its size first, and one that does not fit gets 507 LAYOUT_ERR_STORAGE_FULL with Retry-After. Size the TMPDIR volume above it (0 = no bound)' },
  maxPixels: { kind: 'int', default: 100_000_000, env: 'DOCLAYOUT_MAX_PIXELS', flag: '--max-pixels <n>', unit: 'pixels', min: 1, description: 'Largest accepted image (width × height); decompression-bomb guard' },
  pdfDpi: { kind: 'number', default: 144, env: 'DOCLAYOUT_PDF_DPI', flag: '--pdf-dpi <dpi>', unit: 'dpi', min: 18, max: 1200, description: 'PDF rasterization resolution' },
  pdfPageTimeoutMs: { kind: 'int', default: 30_000, env: 'DOCLAYOUT_PDF_PAGE_TIMEOUT_MS', flag: '--pdf-page-timeout-ms <ms>', unit: 'ms', min: 1, description: 'A PDF page that takes longer than this to render fails alone (LAYOUT_ERR_PDF); its render thread is replaced' },
  maxPdfPages: { kind: 'int', default: 0, env: 'DOCLAYOUT_MAX_PDF_PAGES', flag: '--max-pdf-pages <n>', unit: 'pages', min: 0, description: 'Refuse PDFs with more pages than this (0 = no cap); never truncates silently' },
  eventLoopLagMs: { kind: 'int', default: 1_000, env: 'DOCLAYOUT_MAX_EVENT_LOOP_LAG_MS', flag: '--max-event-loop-lag-ms <ms>', unit: 'ms', min: 0, description: 'Shed new requests (503) while the event loop lags more than this (0 = off)' },
  drainTimeoutMs: { kind: 'int', default: 60_000, env: 'DOCLAYOUT_DRAIN_TIMEOUT_MS', flag: '--drain-timeout-ms <ms>', unit: 'ms', min: 0, description: 'On SIGTERM, how long in-flight work may take before it is failed' },
  logLevel: { kind: 'string', default: 'info', env: 'DOCLAYOUT_LOG_LEVEL', flag: '--log-level <level>', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], description: 'pino log level' },
  threshold: { kind: 'number', default: 0.5, env: 'DOCLAYOUT_THRESHOLD', flag: '--threshold <score>', min: 0, max: 1, description: 'Default score threshold' },
  gpuTelemetryMs: { kind: 'int', default: 5_000, env: 'DOCLAYOUT_GPU_TELEMETRY_MS', flag: '--gpu-telemetry-ms <ms>', unit: 'ms', min: 0, description: 'nvidia-smi polling period (0 = off)' },
  // --- mixed load: priority classes and tenants (issue #18) ---
  priorityAgingMs: { kind: 'int', default: 2_000, env: 'DOCLAYOUT_PRIORITY_AGING_MS', flag: '--priority-aging-ms <ms>', unit: 'ms', min: 1, description: 'While interactive pages take every device, batch pages still get one page out every this often (no starvation)' },
  interactiveLane: { kind: 'boolean', default: false, env: 'DOCLAYOUT_INTERACTIVE_LANE', flag: '--interactive-lane', description: 'Give each CPU device a second worker that serves interactive pages only, while the device\'s own worker runs batch pages at the lowest OS priority (nice 19): a person\'s page takes the cores from a running batch page instead of waiting for it. Costs one more model session in memory per CPU device; GPU devices are left as they are' },
  apiKeys: { kind: 'string', default: undefined, env: 'DOCLAYOUT_API_KEYS', flag: '--api-keys <file>', description: 'File of API keys, one `tenant:key` (or `tenant:sha256:<hex>`) per line, optional `pages=N queued=N priority=batch`; set, every work route needs a key (401 without). Unset = open' },
  tenantHeader: { kind: 'string', default: undefined, env: 'DOCLAYOUT_TENANT_HEADER', flag: '--tenant-header <name>', pattern: { re: /^[A-Za-z0-9-]{1,64}$/, expected: 'an HTTP header name' }, description: 'Without API keys: the header a trusted proxy sets to name the tenant (only behind such a proxy: clients could set it too)' },
  tenantMaxPages: { kind: 'int', default: 0, env: 'DOCLAYOUT_TENANT_MAX_PAGES', flag: '--tenant-max-pages <n>', unit: 'pages', min: 0, description: 'Pages one tenant may have accepted and unanswered (queued or running) on sync routes; more gets 429 (0 = no limit)' },
  tenantMaxQueued: { kind: 'int', default: 0, env: 'DOCLAYOUT_TENANT_MAX_QUEUED', flag: '--tenant-max-queued <n>', unit: 'pages', min: 0, description: 'Pages one tenant may have waiting for a device on sync routes; more gets 429 (0 = no limit)' },
  // --- jobs on a cluster (src/jobs, issue #9) ---
  redis: { kind: 'string', default: undefined, env: 'DOCLAYOUT_REDIS', flag: '--redis <url>', description: 'redis://HOST:PORT[/DB] of the job queue (serve: /v1/jobs survive restarts; without it they run in process)' },
  queue: { kind: 'string', default: 'doclayout', env: 'DOCLAYOUT_QUEUE', flag: '--queue <name>', description: 'Cluster queue name: workers and submitters of one cluster share it' },
  cache: { kind: 'string', default: undefined, env: 'DOCLAYOUT_CACHE', flag: '--cache <spec>', description: 'Page-result cache for jobs: off | memory[:SIZE] | store[:SIZE] | redis (default: redis with --redis, else store:256MiB, a table in the data directory\'s database, kept across restarts)' },
  dataDir: { kind: 'string', default: defaultDataDir(), env: 'DOCLAYOUT_DATA_DIR', flag: '--data-dir <dir>', description: 'Where /v1/jobs without --redis keep their database (jobs.db, SQLite), spooled uploads and results, so accepted jobs survive restarts and crashes; one server per directory' },
  jobTtlS: { kind: 'int', default: 86_400, env: 'DOCLAYOUT_JOB_TTL_S', flag: '--job-ttl-s <s>', unit: 's', min: 1, description: 'How long finished jobs, their results and cached pages are kept (Redis, or the data directory without it)' },
  jobLockMs: { kind: 'int', default: 30_000, env: 'DOCLAYOUT_JOB_LOCK_MS', flag: '--job-lock-ms <ms>', unit: 'ms', min: 100, description: 'A page job\'s lock; renewed at half this while its worker lives, and workers look for expired locks every half of it, so a dead worker\'s jobs return within 1.5 × this' },
  jobAttempts: { kind: 'int', default: 3, env: 'DOCLAYOUT_JOB_ATTEMPTS', flag: '--job-attempts <n>', min: 1, description: 'Runs of a page job when devices fail under it, 1 s apart, doubling (bad input is never retried)' },
  clusterWorker: { kind: 'boolean', default: false, env: 'DOCLAYOUT_CLUSTER_WORKER', flag: '--cluster-worker', description: 'serve --redis: also take page jobs from the cluster into this server\'s pool (batch class: its interactive pages go first, and it holds one round of jobs instead of three while they come)' },
  callbackAllow: { kind: 'string', default: undefined, env: 'DOCLAYOUT_CALLBACK_ALLOW', flag: '--callback-allow <cidrs>', description: 'Addresses or CIDR ranges, comma-separated, that a job\'s callbackUrl may reach although loopback, link-local, private or reserved (SSRF guard; default none: such callbacks are refused)' },
  callbackTimeoutMs: { kind: 'int', default: 10_000, env: 'DOCLAYOUT_CALLBACK_TIMEOUT_MS', flag: '--callback-timeout-ms <ms>', unit: 'ms', min: 1, description: 'One callback attempt\'s whole time, from connecting to the end of the receiver\'s answer; a slower attempt fails and is retried' },
} as const satisfies Record<string, OptionSpec>;

/**
 * Pages of documents in flight at once (document/page-window.ts), not an option: the window is
 * the analyzer's capacity (Σ batch size), at least `min` so the next page renders while one is
 * analysed, at most `max` so a long PDF never holds more rendered pages than that in memory.
 */
export const pageWindowPages = Object.freeze({ min: 2, max: 32 });

/**
 * Timings that were options once and are derived or fixed now: nobody had a reason to tune them
 * apart from the options they follow. A dead worker's page jobs come back within 1.5 × the job
 * lock, maxStalled times per job (the next time it fails: a page that kills every worker);
 * failed page and document jobs retry after backoffMs, doubling.
 */
export const jobTimings = Object.freeze({
  stalledIntervalMs: (lockMs: number): number => Math.max(50, Math.floor(lockMs / 2)),
  maxStalled: 2,
  backoffMs: 1_000,
});

/** A crashing worker's restart delay doubles from --restart-backoff-ms up to this (or to that, if longer). */
export const RESTART_BACKOFF_MAX_MS = 30_000;

/**
 * Options removed by the options review (issue 20), still accepted for one release: set by a
 * flag, the environment or a caller, each prints a deprecation warning saying what replaced it,
 * and is ignored. Delete this table in the release after.
 */
export const removedOptions = {
  jobStalledIntervalMs: { env: 'DOCLAYOUT_JOB_STALLED_MS', flag: '--job-stalled-ms <ms>', instead: 'workers check for expired job locks every half --job-lock-ms' },
  jobMaxStalled: { env: 'DOCLAYOUT_JOB_MAX_STALLED', flag: '--job-max-stalled <n>', instead: `a job may lose its worker ${jobTimings.maxStalled} times; the next time it fails` },
  jobBackoffMs: { env: 'DOCLAYOUT_JOB_BACKOFF_MS', flag: '--job-backoff-ms <ms>', instead: `failed page jobs retry after ${jobTimings.backoffMs} ms, doubling` },
  restartBackoffMaxMs: { env: 'DOCLAYOUT_RESTART_BACKOFF_MAX_MS', flag: '--restart-backoff-max-ms <ms>', instead: `restart delays stop doubling at ${RESTART_BACKOFF_MAX_MS} ms` },
} as const;

export type RemovedOptionName = keyof typeof removedOptions;

/** The deprecation warning of a removed option set by a flag, the environment or a caller. */
function warnRemoved(name: RemovedOptionName): void {
  const { env, flag, instead } = removedOptions[name];
  process.emitWarning(`${flag.split(' ')[0]} / ${env} is no longer an option and is ignored: ${instead}`, { type: 'DeprecationWarning', code: 'DOCLAYOUT_REMOVED_OPTION' });
}

export type OptionName = keyof typeof optionSpecs;

type ValueOf<S extends OptionSpec> = S['kind'] extends 'string' ? string : S['kind'] extends 'boolean' ? boolean : number;

export type Config = {
  readonly [K in OptionName]: (typeof optionSpecs)[K]['default'] extends undefined
    ? ValueOf<(typeof optionSpecs)[K]> | undefined
    : ValueOf<(typeof optionSpecs)[K]>;
};

function coerce(name: string, spec: OptionSpec, raw: unknown): string | number | boolean {
  let value: string | number | boolean;
  if (spec.kind === 'string') {
    value = String(raw);
  } else if (spec.kind === 'boolean') {
    if (typeof raw === 'boolean') value = raw;
    else if (/^(1|true|yes|on)$/i.test(String(raw))) value = true;
    else if (/^(0|false|no|off)$/i.test(String(raw))) value = false;
    else throw InvalidParamError(name, `expected a boolean, got "${String(raw)}"`);
  } else {
    value = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (String(raw).trim() === '' || !Number.isFinite(value)) throw InvalidParamError(name, `expected a number, got "${String(raw)}"`);
    if (spec.kind === 'int' && !Number.isInteger(value)) throw InvalidParamError(name, `expected an integer, got ${value}`);
    if (spec.min !== undefined && value < spec.min) throw InvalidParamError(name, `must be ≥ ${spec.min}, got ${value}`);
    if (spec.max !== undefined && value > spec.max) throw InvalidParamError(name, `must be ≤ ${spec.max}, got ${value}`);
  }
  if (spec.pattern && !spec.pattern.re.test(String(value))) {
    throw InvalidParamError(name, `expected ${spec.pattern.expected}, got "${String(value)}"`);
  }
  if (spec.choices && !spec.choices.includes(String(value))) {
    throw InvalidParamError(name, `must be one of ${spec.choices.join(', ')}, got "${String(value)}"`);
  }
  return value;
}

/** What the environment sets an option to; undefined when its variable is unset or empty. */
export function envValue(name: OptionName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[optionSpecs[name].env];
  return raw === undefined || raw === '' ? undefined : raw;
}

/**
 * Precedence: explicit overrides (CLI flags, test options) → environment → defaults.
 * Unknown override keys are rejected so a typo never silently does nothing; removed options
 * (removedOptions) are ignored with a deprecation warning.
 */
export function resolveConfig(overrides: Partial<Record<OptionName | RemovedOptionName, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  for (const [key, value] of Object.entries(overrides)) {
    if (key in removedOptions) {
      if (value !== undefined) warnRemoved(key as RemovedOptionName);
    } else if (!(key in optionSpecs)) throw InvalidParamError(key, 'unknown option');
  }
  for (const [name, { env: variable }] of Object.entries(removedOptions) as [RemovedOptionName, { env: string }][]) {
    if (env[variable] !== undefined && env[variable] !== '') warnRemoved(name);
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(optionSpecs) as [OptionName, OptionSpec][]) {
    const override = overrides[name];
    const fromEnv = envValue(name, env);
    const raw = override !== undefined ? override : fromEnv !== undefined ? fromEnv : spec.default;
    out[name] = raw === undefined ? undefined : coerce(name, spec, raw);
  }
  return Object.freeze(out) as Config;
}

/** `--max-batch <n>` → `maxBatch`: lets the CLI map commander's parsed flags onto options. */
export function optionNameForFlag(flag: string): OptionName | undefined {
  const long = flag.split(' ')[0];
  return (Object.keys(optionSpecs) as OptionName[]).find((name) => optionSpecs[name].flag.split(' ')[0] === long);
}
