/**
 * Turns `--devices auto|cpu|cpu:N|0,1,3|cuda:0,cuda:2|webgpu:0|tensorrt:0` into one spec per
 * worker. `auto` asks nvidia-smi (respecting CUDA_VISIBLE_DEVICES) and falls back to the CPU.
 * Entries can be mixed (`cuda:0,cpu`); CPU workers share `cpuThreads` between them.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { PoolConfig } from './pool-config.js';
import { InvalidParamError } from '../errors.js';
import { parseDeviceName, type DeviceKind } from '../model/index.js';

export interface DeviceSpec {
  /** "cpu:0", "cuda:1", … — unique within the pool. */
  readonly id: string;
  /** What the session is created on: "cpu", "cuda:1", … */
  readonly device: string;
  readonly kind: DeviceKind;
  readonly intraOpNumThreads: number;
  /** Prep threads of its worker (decode, resize, post-process); the pool fills it from `prepThreads`. */
  readonly prepThreads?: number;
  /** Whether its prep threads work ahead while a batch runs; the pool fills it (overlapStagesFor). */
  readonly overlapStages?: boolean;
  /** `interactive`: an interactive lane, sent interactive pages only (withInteractiveLanes). Default `all`. */
  readonly serves?: 'all' | 'interactive';
  /** OS niceness its worker process takes before loading the model (0 or absent: the pool's own). */
  readonly nice?: number;
}

/** More prep threads than this per device only add memory: they would wait on the inference. */
const MAX_AUTO_PREP_THREADS = 8;

/**
 * Prep threads per device worker. `auto`: the cores that inference leaves free, shared by the
 * devices — a CPU device's inference uses its intra-op threads, a GPU device's inference thread
 * one core to feed the GPU — at least 1 and at most 8 each. (The serial worker of before the
 * pipeline, all stages inline on one thread, lives in bench/ only, as a baseline.)
 */
export function prepThreadsFor(setting: string, specs: readonly DeviceSpec[], cores = os.availableParallelism()): number {
  if (setting !== 'auto') {
    const threads = Number(setting);
    if (!Number.isInteger(threads) || threads < 1) throw InvalidParamError('prepThreads', `expected auto or a whole number of threads, at least 1, got "${setting}"`);
    return threads;
  }
  return Math.min(MAX_AUTO_PREP_THREADS, Math.max(1, spareCoresPerDevice(specs, cores)));
}

/** Cores per device that inference leaves free (a CPU device's intra-op threads, a GPU device's feeding thread). */
function spareCoresPerDevice(specs: readonly DeviceSpec[], cores: number): number {
  const inferenceCores = specs.reduce((n, s) => n + (s.kind === 'cpu' ? s.intraOpNumThreads : 1), 0);
  return Math.floor((cores - inferenceCores) / Math.max(1, specs.length));
}

/**
 * Whether prep threads work ahead while a batch runs. With `auto` and no spare core (CPU devices
 * whose intra-op threads fill the machine) they would only preempt onnxruntime's spinning intra-op
 * threads mid-run — measured on 2 cores: pool ÷ raw fell from ≈ 0.97 to 0.74 — so the stages then
 * run one batch at a time, still on a prep thread (a PDF page keeps its render time budget).
 * An explicit thread count always overlaps.
 */
export function overlapStagesFor(setting: string, specs: readonly DeviceSpec[], cores = os.availableParallelism()): boolean {
  return setting !== 'auto' || spareCoresPerDevice(specs, cores) >= 1;
}

/** More CPU workers than this only fight over the same cores. */
const MAX_CPU_WORKERS = 256;

/** `nvidia-smi -L` lines (`GPU 0: NVIDIA H100 (UUID: GPU-…)`) → index and UUID; MIG lines skipped. */
export function parseNvidiaSmiList(text: string): Array<{ index: number; uuid: string | undefined }> {
  const gpus: Array<{ index: number; uuid: string | undefined }> = [];
  for (const line of text.split('\n')) {
    const match = /^GPU (\d+):.*?(?:\(UUID: ([^)]+)\))?\s*$/.exec(line.trim());
    if (match) gpus.push({ index: Number(match[1]), uuid: match[2] });
  }
  return gpus;
}

/**
 * How many GPUs CUDA shows this process (it numbers them 0..n-1). CUDA_VISIBLE_DEVICES holds
 * indexes or UUID prefixes; as in the CUDA runtime, the first entry that matches no GPU hides
 * itself and every entry after it, and an empty value hides every GPU.
 */
export function visibleGpuCount(gpus: ReadonlyArray<{ index: number; uuid: string | undefined }>, cudaVisibleDevices: string | undefined): number {
  if (cudaVisibleDevices === undefined) return gpus.length;
  const seen = new Set<number>();
  for (const raw of cudaVisibleDevices.split(',')) {
    const entry = raw.trim();
    const gpu = /^\d+$/.test(entry)
      ? gpus.find((g) => g.index === Number(entry))
      : entry !== '' ? gpus.find((g) => g.uuid?.startsWith(entry)) : undefined;
    if (!gpu || seen.has(gpu.index)) break;
    seen.add(gpu.index);
  }
  return seen.size;
}

/** CUDA ordinals visible to this process, [] when there is no NVIDIA driver or no nvidia-smi. */
function detectNvidiaGpus(env: NodeJS.ProcessEnv = process.env): number[] {
  let out: string;
  try {
    // 5 s: nvidia-smi answers in well under a second when the driver is healthy; a wedged
    // driver must not hold the pool's start-up.
    out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', timeout: 5_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  return Array.from({ length: visibleGpuCount(parseNvidiaSmiList(out), env.CUDA_VISIBLE_DEVICES) }, (_, i) => i);
}

/** Splits `total` threads over `workers` as evenly as possible; the first ones get the remainder. */
export function splitThreads(total: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => Math.max(1, Math.floor(total / workers) + (i < total % workers ? 1 : 0)));
}

type Entry = { readonly kind: 'cpu'; readonly workers: number } | { readonly kind: Exclude<DeviceKind, 'cpu'>; readonly ordinal: number };

function parseEntry(part: string): Entry {
  const cpu = /^cpu(?::(\d+))?$/.exec(part);
  if (cpu) {
    const workers = cpu[1] === undefined ? 1 : Number(cpu[1]);
    if (workers < 1 || workers > MAX_CPU_WORKERS) throw InvalidParamError('devices', `cpu:N needs 1 ≤ N ≤ ${MAX_CPU_WORKERS}, got ${workers}`);
    return { kind: 'cpu', workers };
  }
  // A bare index is a CUDA device; anything else is a GPU written as the session writes it (kind:N).
  if (/^\d+$/.test(part)) return { kind: 'cuda', ordinal: Number(part) };
  const named = part.includes(':') ? parseDeviceName(part) : undefined;
  if (!named || named.kind === 'cpu') throw InvalidParamError('devices', `"${part}" is not auto, cpu, cpu:N, a GPU index or cuda:N/webgpu:N/tensorrt:N`);
  return { kind: named.kind, ordinal: named.index };
}

/**
 * One spec per worker. CPU workers split `cpuThreads` (0 = every core) as their intra-op threads,
 * at least one each; GPU workers run one CPU thread (the GPU does the work).
 */
export function parseDevices(spec: string, cpuThreads: number, detectGpus: () => number[] = detectNvidiaGpus): DeviceSpec[] {
  const text = spec.trim().toLowerCase();
  let entries: Entry[];
  if (text === 'auto') {
    const gpus = detectGpus();
    entries = gpus.length > 0 ? gpus.map((ordinal) => ({ kind: 'cuda', ordinal })) : [{ kind: 'cpu', workers: 1 }];
  } else {
    entries = text.split(',').map((p) => p.trim()).filter(Boolean).map(parseEntry);
    if (entries.length === 0) throw InvalidParamError('devices', 'no device given');
  }

  const cpuWorkers = entries.reduce((n, e) => n + (e.kind === 'cpu' ? e.workers : 0), 0);
  const threads = splitThreads(cpuThreads > 0 ? cpuThreads : os.availableParallelism(), Math.max(1, cpuWorkers));
  const specs: DeviceSpec[] = [];
  let cpuIndex = 0;
  for (const entry of entries) {
    if (entry.kind === 'cpu') {
      for (let i = 0; i < entry.workers; i++, cpuIndex++) {
        specs.push({ id: `cpu:${cpuIndex}`, device: 'cpu', kind: 'cpu', intraOpNumThreads: threads[cpuIndex]! });
      }
      continue;
    }
    const id = `${entry.kind}:${entry.ordinal}`;
    if (specs.some((s) => s.id === id)) throw InvalidParamError('devices', `${id} is listed twice`);
    specs.push({ id, device: id, kind: entry.kind, intraOpNumThreads: 1 });
  }
  return specs;
}

/**
 * The pool's worker specs: `explicit` (tests, embedding) or config.devices, each with its prep
 * threads, plus an interactive lane per CPU device when `interactiveLane` is set.
 */
export function poolDeviceSpecs(config: PoolConfig, explicit?: readonly DeviceSpec[]): DeviceSpec[] {
  const parsed = explicit ?? parseDevices(config.devices, config.cpuThreads);
  const prepThreads = prepThreadsFor(config.prepThreads, parsed);
  const overlapStages = overlapStagesFor(config.prepThreads, parsed);
  const specs = parsed.map((spec) => ({ ...spec, prepThreads: spec.prepThreads ?? prepThreads, overlapStages: spec.overlapStages ?? overlapStages }));
  return config.interactiveLane ? withInteractiveLanes(specs) : specs;
}

/**
 * Niceness of a CPU device's worker that has an interactive lane beside it: the lowest priority,
 * so the kernel gives the cores to the lane (weight 1024 against 15) whenever it runs a page.
 */
export const BATCH_WORKER_NICE = 19;

/**
 * A CPU device cannot stop a page it has started, so on one device a person's page waits for the
 * batch page running there (up to a whole page time, about doubling its latency). An interactive
 * lane is a second worker on the same cores, sent interactive pages only, while the device's own
 * worker runs at the lowest OS priority: a page in the lane takes the cores from a running batch
 * page, which continues afterwards (no work lost), and with no interactive page the batch worker
 * has the machine to itself. GPU devices are left as they are: their pages are short, and a GPU
 * does not share its time by niceness. The lanes go after every device, so device indexes stay.
 */
export function withInteractiveLanes(specs: readonly DeviceSpec[]): DeviceSpec[] {
  const lanes: DeviceSpec[] = [];
  const devices = specs.map((spec) => {
    if (spec.kind !== 'cpu') return spec;
    // One page at a time, its stages inline: a lane has nothing to work ahead on.
    lanes.push({ ...spec, id: `${spec.id}/interactive`, serves: 'interactive', prepThreads: 1, overlapStages: false });
    return { ...spec, nice: BATCH_WORKER_NICE };
  });
  return [...devices, ...lanes];
}

/**
 * The batch limit of one device. `maxBatch` 0 means auto: bench:pool measured batch ≤ 4 at
 * 0.90× the throughput of batch 1 on CPU workers (each page already uses every thread), so CPU
 * devices take one page at a time; GPUs are fed batches of 4, where batching amortises launches.
 */
export function maxBatchFor(kind: DeviceSpec['kind'], config: Pick<PoolConfig, 'maxBatch'>): number {
  return config.maxBatch === 0 ? (kind === 'cpu' ? 1 : 4) : config.maxBatch;
}
