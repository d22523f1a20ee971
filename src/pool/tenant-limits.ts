/**
 * Per-tenant admission limits: pages a tenant has accepted and unanswered (queued or running) and
 * pages it has waiting. A page past either is refused with 429 naming the limit, so one tenant's
 * burst fills neither the shared queue nor the devices' attention before others get a turn.
 */
import { TenantLimitError, type LayoutError } from '../errors.js';
import type { TenantLimits } from './types.js';

export class TenantLedger {
  /** Tenant → pages accepted and not yet answered. Only tenants with open pages are present. */
  readonly #open = new Map<string, number>();

  open(tenant: string): number {
    return this.#open.get(tenant) ?? 0;
  }

  /** The error refusing one more page of `tenant`, or undefined when it may come in. */
  refusal(tenant: string, limits: TenantLimits | undefined, queued: number, retryAfterSeconds: number): LayoutError | undefined {
    if (!limits) return undefined;
    const details = (limit: string, max: number) => ({ details: { retryAfterSeconds, limit, max, tenant } });
    if (limits.maxQueued > 0 && queued >= limits.maxQueued) {
      return TenantLimitError(tenant, 'queued-pages', limits.maxQueued, details('queued-pages', limits.maxQueued));
    }
    if (limits.maxPages > 0 && this.open(tenant) >= limits.maxPages) {
      return TenantLimitError(tenant, 'concurrent-pages', limits.maxPages, details('concurrent-pages', limits.maxPages));
    }
    return undefined;
  }

  /** Counts the page in until its promise settles, whichever way. */
  track(tenant: string, settled: Promise<unknown>): void {
    this.#open.set(tenant, this.open(tenant) + 1);
    const release = (): void => {
      const left = this.open(tenant) - 1;
      if (left > 0) this.#open.set(tenant, left);
      else this.#open.delete(tenant);
    };
    settled.then(release, release);
  }
}
