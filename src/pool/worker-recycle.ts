/**
 * One device worker's planned replacement (a recycle), kept apart from its supervision: when one
 * is due (pages served, RSS over its limit), the wait for the pool to give it its turn (one device
 * at a time, never the last ready one), and the end of the old process once it holds nothing —
 * SIGTERM, then SIGKILL if it has not exited within STOP_GRACE_MS. The WorkerHandle moves the
 * device's states; this keeps the recycle's own books.
 */
import type { ChildProcess } from 'node:child_process';
import type { PoolConfig } from './pool-config.js';
import { isAlive, STOP_GRACE_MS } from './worker-process.js';

export class WorkerRecycle {
  readonly #config: PoolConfig;
  #pagesSinceStart = 0;
  /** Under way for this process: it takes no more work and exits once it holds none. */
  #requested = false;
  /** A recycle the pool has not let start yet (another device is being replaced): its reason. */
  #waitingReason: string | undefined;
  /** From a recycle's start until its new process serves (or fails, or stops). */
  #underWay = false;
  /** The recycled process was sent SIGTERM; it has STOP_GRACE_MS to exit before SIGKILL. */
  #exitTimer: NodeJS.Timeout | undefined;
  #killed = false;
  #recycles = 0;
  #kills = 0;

  constructor(config: PoolConfig) {
    this.#config = config;
  }

  /** This process is being replaced: it must be sent nothing more. */
  get requested(): boolean {
    return this.#requested;
  }

  /** A recycle started and its new process does not serve yet. */
  get underWay(): boolean {
    return this.#underWay;
  }

  /** The old process was told to exit: it no longer beats, and its exit timer is in charge. */
  get exiting(): boolean {
    return this.#exitTimer !== undefined;
  }

  /** The reason of a recycle still waiting for its turn, if one is. */
  get waitingReason(): string | undefined {
    return this.#waitingReason;
  }

  /** Planned replacements: after recycleAfterPages pages, above recycleRssMb, or bloated while idle. */
  get recycles(): number {
    return this.#recycles;
  }

  /** Recycles whose process did not exit within STOP_GRACE_MS of its SIGTERM and was killed (also in recycles). */
  get kills(): number {
    return this.#kills;
  }

  /** A new process: nothing asked of it yet (a recycle under way stays so until it serves). */
  newProcess(): void {
    this.#requested = false;
    this.#waitingReason = undefined;
    this.#killed = false;
    clearTimeout(this.#exitTimer);
    this.#exitTimer = undefined;
    this.#pagesSinceStart = 0;
  }

  /** The device serves again, failed or stopped: no recycle is under way any more. */
  settled(): void {
    this.#underWay = false;
  }

  /** The process answered `pages` more pages: the reason it is now due, if recycleAfterPages says so. */
  served(pages: number): string | undefined {
    this.#pagesSinceStart += pages;
    const after = this.#config.recycleAfterPages;
    return after > 0 && this.#pagesSinceStart >= after ? `${this.#pagesSinceStart} pages served` : undefined;
  }

  /** The reason a process at this RSS is due, if it is above recycleRssMb. */
  overRss(rssMb: number): string | undefined {
    const limit = this.#config.recycleRssMb;
    return limit > 0 && rssMb > limit ? `RSS ${rssMb} MiB > ${limit} MiB` : undefined;
  }

  /**
   * Starts the recycle if the pool gave it its turn (`turnGiven`) and says so; otherwise its
   * reason waits (the first one kept) until the handle asks again.
   */
  begin(reason: string, turnGiven: boolean): boolean {
    if (!turnGiven) {
      this.#waitingReason ??= reason;
      return false;
    }
    this.#waitingReason = undefined;
    this.#underWay = true;
    this.#requested = true;
    return true;
  }

  /**
   * SIGTERM to the recycled process (once); one that has not exited STOP_GRACE_MS later is killed,
   * counted, and `onKill` hears why. A new process or an exit clears the timer first.
   */
  endProcess(child: ChildProcess | undefined, onKill: (why: string) => void): void {
    if (this.#exitTimer || !child) return;
    if (isAlive(child)) child.kill('SIGTERM');
    this.#exitTimer = setTimeout(() => {
      if (!isAlive(child)) return;
      this.#killed = true;
      this.#kills += 1;
      onKill(`did not exit within ${STOP_GRACE_MS} ms of SIGTERM: killed`);
      child.kill('SIGKILL');
    }, STOP_GRACE_MS);
    this.#exitTimer.unref();
  }

  /** The process exited: whether it was being recycled, and whether it had to be killed for it. */
  processExited(): { recycled: boolean; killed: boolean } {
    clearTimeout(this.#exitTimer);
    return { recycled: this.#requested, killed: this.#killed };
  }

  /** A recycled process's replacement is on its way. */
  countRecycle(): void {
    this.#recycles += 1;
  }
}
