/**
 * One priority class's waiting pages: a FIFO per tenant, served round-robin, so a tenant with a
 * thousand pages queued delays another tenant's page by at most one page per tenant ahead of it
 * in the rotation, never by its whole backlog.
 */

export interface TenantItem {
  readonly tenant: string;
  readonly enqueuedAt: number;
}

export class FairQueue<T extends TenantItem> {
  /** Tenant → its pages, oldest first. Only tenants with pages are present. */
  readonly #byTenant = new Map<string, T[]>();
  /** Tenants with pages, the next one to serve first. */
  #rotation: string[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  sizeOf(tenant: string): number {
    return this.#byTenant.get(tenant)?.length ?? 0;
  }

  /** Tenants with pages waiting. */
  get tenants(): readonly string[] {
    return this.#rotation;
  }

  push(item: T): void {
    const list = this.#byTenant.get(item.tenant);
    if (list) list.push(item);
    else {
      this.#byTenant.set(item.tenant, [item]);
      this.#rotation.push(item.tenant);
    }
    this.#size += 1;
  }

  /** Back at the head of its tenant's line, and that tenant served next (re-queued after a crash). */
  unshift(item: T): void {
    const list = this.#byTenant.get(item.tenant);
    if (list) list.unshift(item);
    else this.#byTenant.set(item.tenant, [item]);
    this.#rotation = [item.tenant, ...this.#rotation.filter((t) => t !== item.tenant)];
    this.#size += 1;
  }

  /** Per tenant with pages: how many and since when its oldest waits. */
  *lines(): Iterable<{ tenant: string; queued: number; oldestAt: number }> {
    for (const [tenant, list] of this.#byTenant) yield { tenant, queued: list.length, oldestAt: list[0]!.enqueuedAt };
  }

  /** The page `shift()` would return. */
  peek(): T | undefined {
    const tenant = this.#rotation[0];
    return tenant === undefined ? undefined : this.#byTenant.get(tenant)![0];
  }

  /** The longest-waiting page of any tenant (the class's starvation figure). */
  oldest(): T | undefined {
    let oldest: T | undefined;
    for (const list of this.#byTenant.values()) if (!oldest || list[0]!.enqueuedAt < oldest.enqueuedAt) oldest = list[0];
    return oldest;
  }

  /** The next tenant's oldest page; that tenant goes to the back of the rotation. */
  shift(): T | undefined {
    const tenant = this.#rotation.shift();
    if (tenant === undefined) return undefined;
    const list = this.#byTenant.get(tenant)!;
    const item = list.shift()!;
    if (list.length > 0) this.#rotation.push(tenant);
    else this.#byTenant.delete(tenant);
    this.#size -= 1;
    return item;
  }

  remove(item: T): boolean {
    const list = this.#byTenant.get(item.tenant);
    const i = list ? list.indexOf(item) : -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    if (list.length === 0) {
      this.#byTenant.delete(item.tenant);
      this.#rotation = this.#rotation.filter((t) => t !== item.tenant);
    }
    this.#size -= 1;
    return true;
  }

  /** Everything, oldest first. */
  drain(): T[] {
    const items = [...this.#byTenant.values()].flat().sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    this.#byTenant.clear();
    this.#rotation = [];
    this.#size = 0;
    return items;
  }
}
