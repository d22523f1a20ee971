/**
 * The engine between the transports (HTTP routes, embedded jobs, the cluster worker, the CLI) and
 * the device pool. It alone owns the model's identity (path, name, sha256) and emits `identity`
 * once each time a reload changes it; a reload is all or nothing across devices (the pool's
 * reload-devices.ts). Every page goes through one chain — cache → admission → pool — and every
 * cached result is keyed by the model that produced it. Callers ask narrow questions (capacity,
 * interactive activity, load) instead of reading the pool's snapshot; only the status and
 * metrics routes read `pool` itself.
 *
 * Ownership: createEngine starts the pool; `close()` drains and stops it, `destroy()` fails what
 * is pending. Reloads are serialized.
 */
import { EventEmitter } from 'node:events';
import { NoCache, type ResultCache } from '../cache/index.js';
import { poolAnalyzer, type PageAnalyzer } from '../document/index.js';
import { createPool, poolConfig, type DeviceSpec, type DeviceSnapshot, type LayoutPool, type PoolConfig, type PoolOptions, type PoolSnapshot } from '../pool/index.js';
import { interactiveActivity } from './interactive-activity.js';
import { identifyModelFile, sameIdentity, type ModelIdentity } from './model-identity.js';
import { cachedChain, poolChain, type CachingAnalyzer, type ChainParts, type EngineResult, type PageKey } from './page-chain.js';

export interface EngineOptions {
  /** The pool's options (a whole Config will do: only the pool's own are read). */
  readonly config: PoolConfig;
  /** The model file the devices start on. */
  readonly modelPath: string;
  /** Where page results are kept for reuse; none by default. */
  readonly cache?: ResultCache;
  /** Explicit device specs instead of config.devices (tests, embedding). */
  readonly devices?: readonly DeviceSpec[];
  /** Worker programs other than the real one, by device index (test fixtures that crash or hang). */
  readonly workerEntry?: PoolOptions['workerEntry'];
}

export interface EngineEvents {
  /** The model's identity changed: a reload succeeded onto another file or other bytes. */
  identity: ModelIdentity;
}

/** How busy the devices are, for probes and load balancers: no counters, no admission figures. */
export interface EngineLoad {
  readonly state: PoolSnapshot['state'];
  readonly queueDepth: number;
  readonly maxQueue: number;
  readonly devices: ReadonlyArray<Pick<DeviceSnapshot, 'index' | 'id' | 'kind' | 'state' | 'inflight'>>;
}

/** What the page chains need from an engine: jobs and the cluster worker depend on this much only. */
export interface PageChain {
  readonly cache: ResultCache;
  /** Cache → admission → pool, each page keyed by `keyFor` with the producing model's sha256. */
  cached(keyFor: PageKey, onHit?: () => void): CachingAnalyzer;
  /** Pages the devices work on at once now (Σ batch size; interactive lanes left out). */
  capacity(): number;
  /** Whether the devices serve interactive pages now (a co-located cluster worker holds less). */
  interactiveActive(): boolean;
}

export class Engine extends EventEmitter implements PageChain {
  /** The pool, for the status and metrics routes (its snapshot) and for logging its events. */
  readonly pool: LayoutPool;
  readonly cache: ResultCache;
  /** Admission → pool, uncached: the sync routes and `analyze --devices`. */
  readonly analyzer: PageAnalyzer<EngineResult>;
  #identity: ModelIdentity;
  #reloads: Promise<unknown> = Promise.resolve();
  readonly #interactive: () => boolean;
  readonly #chain: ChainParts;
  /** The pool as the document layer sees it: where its capacity is worked out. */
  readonly #poolPages: PageAnalyzer;

  constructor(pool: LayoutPool, identity: ModelIdentity, cache: ResultCache = new NoCache()) {
    super();
    this.pool = pool;
    this.cache = cache;
    this.#identity = identity;
    this.#interactive = interactiveActivity(() => pool.snapshot());
    this.#poolPages = poolAnalyzer(pool);
    this.#chain = {
      pool,
      cache,
      currentSha256: () => this.#identity.sha256,
      modelName: () => this.identity.name,
      capacity: () => this.capacity(),
    };
    this.analyzer = poolChain(this.#chain);
  }

  /** The model the devices run: after a reload, all of them. */
  get identity(): ModelIdentity {
    // The name is the devices' to report: known once one serves.
    const reported = this.pool.modelName(this.#identity.sha256);
    if (reported !== undefined && reported !== this.#identity.name) this.#identity = { ...this.#identity, name: reported };
    return this.#identity;
  }

  override on<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): this {
    return super.on(event, listener);
  }

  override off<E extends keyof EngineEvents>(event: E, listener: (payload: EngineEvents[E]) => void): this {
    return super.off(event, listener);
  }

  /** Resolves once a device serves (rejects if every device failed to start). */
  async ready(): Promise<ModelIdentity> {
    await this.pool.ready();
    return this.identity;
  }

  /**
   * Reloads every device onto `modelPath` (the current file, re-read, by default), all or
   * nothing, without dropping requests. Emits `identity` once when it succeeds onto another
   * model; a failed reload leaves every device, and the identity, on the old model.
   */
  reload(modelPath?: string): Promise<ModelIdentity> {
    const run = this.#reloads.then(async () => {
      const before = this.identity;
      const next = await identifyModelFile(modelPath ?? before.path);
      await this.pool.reload({ path: next.path, id: next.sha256 });
      this.#identity = { ...next, name: this.pool.modelName(next.sha256) ?? next.name };
      if (!sameIdentity(before, this.#identity)) this.emit('identity', this.#identity);
      return this.#identity;
    });
    this.#reloads = run.catch(() => undefined);
    return run;
  }

  cached(keyFor: PageKey, onHit?: () => void): CachingAnalyzer {
    return cachedChain(this.#chain, keyFor, onHit);
  }

  capacity(): number {
    return this.#poolPages.capacity();
  }

  interactiveActive(): boolean {
    return this.#interactive();
  }

  load(): EngineLoad {
    const { state, queueDepth, maxQueue, devices } = this.pool.snapshot();
    return { state, queueDepth, maxQueue, devices: devices.map(({ index, id, kind, state: deviceState, inflight }) => ({ index, id, kind, state: deviceState, inflight })) };
  }

  /** Stops accepting, finishes queued and in-flight pages, stops the devices. Idempotent. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Fails every pending page with `err` and kills the devices at once. Idempotent. */
  destroy(err?: Error): Promise<void> {
    return this.pool.destroy(err);
  }
}

/** Hashes the model file, then starts the pool on it (devices start in the background: `ready()`). */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const identity = await identifyModelFile(options.modelPath);
  const pool = await createPool({
    config: poolConfig(options.config),
    modelPath: identity.path,
    modelId: identity.sha256,
    ...(options.devices ? { devices: options.devices } : {}),
    ...(options.workerEntry ? { workerEntry: options.workerEntry } : {}),
  });
  return new Engine(pool, identity, options.cache);
}

/** An engine on the configured devices, ready, as a PageAnalyzer (`analyze --devices`); `close()` stops it. */
export async function createPoolAnalyzer(modelPath: string, config: PoolConfig): Promise<PageAnalyzer<EngineResult>> {
  const engine = await createEngine({ config, modelPath });
  try {
    await engine.ready();
  } catch (err) {
    await engine.destroy(err instanceof Error ? err : undefined);
    throw err;
  }
  return engine.analyzer;
}
