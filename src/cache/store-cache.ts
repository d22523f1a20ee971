/**
 * `--cache store[:SIZE]`: page results kept in a table of the embedded job store's SQLite database
 * (the data directory's jobs.db), so a restart keeps them. It uses the store's own connection:
 * the store opens the file in exclusive locking mode (that lock is the data directory's), so a
 * second connection could not open it, and node:sqlite is synchronous on one thread, so the
 * statements of the two never interleave inside a transaction. Writes commit with the
 * connection's usual synchronous=NORMAL: a result lost to a power cut is only computed again.
 *
 * Bounded by bytes — the least recently used go first, a few rows per statement — and by age: an
 * entry older than maxAgeMs is a miss. The LRU bookkeeping is cheap: a hit rewrites the entry's
 * use time only when that is older than TOUCH_MS, so a document read again costs no writes. A
 * damaged entry is a miss (and removed); a failed read or write (a full disk, a closed database)
 * is skipped and reported to onError, never the page's failure.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { CountingCache, type CacheStats } from './result-cache.js';

const TABLE = `
CREATE TABLE IF NOT EXISTS page_cache (
  key TEXT PRIMARY KEY,
  bytes INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS page_cache_by_use ON page_cache(used_at, bytes);
`;

/** A hit older than this rewrites its use time (LRU order is exact to about this much). */
const TOUCH_MS = 60_000;
/** Rows looked at per statement when evicting, removed per statement when expiring: each statement stays short. */
const ROWS_PER_STATEMENT = 32;
/** How often a write also removes a batch of entries past their age, ms (at most). */
const SWEEP_EVERY_MS = 60_000;

export interface StoreCacheOptions {
  /** The job store's open connection (SqliteJobStore.database). */
  readonly database: DatabaseSync;
  readonly maxBytes: number;
  /** Entries older than this are misses, and removed. */
  readonly maxAgeMs: number;
  /** A read or write that failed and was skipped (a full disk, a closed database). */
  readonly onError?: (err: unknown, action: 'read' | 'write') => void;
  /** The clock (tests). */
  readonly now?: () => number;
}

type Row = Record<string, unknown>;

export class StoreCache extends CountingCache {
  readonly kind = 'store' as const;
  readonly #db: DatabaseSync;
  readonly #options: StoreCacheOptions;
  readonly #now: () => number;
  readonly #select: StatementSync;
  readonly #touch: StatementSync;
  readonly #remove: StatementSync;
  readonly #insert: StatementSync;
  readonly #oldest: StatementSync;
  readonly #removeRow: StatementSync;
  readonly #expire: StatementSync;
  #entries = 0;
  #bytes = 0;
  #lastSweep = 0;

  constructor(options: StoreCacheOptions) {
    super();
    this.#options = options;
    this.#db = options.database;
    this.#now = options.now ?? Date.now;
    this.#db.exec(TABLE);
    this.#select = this.#db.prepare('SELECT rowid AS id, created_at, used_at, value FROM page_cache WHERE key = ?');
    this.#touch = this.#db.prepare('UPDATE page_cache SET used_at = ? WHERE rowid = ?');
    this.#remove = this.#db.prepare('DELETE FROM page_cache WHERE key = ? RETURNING bytes');
    this.#insert = this.#db.prepare('INSERT INTO page_cache (key, bytes, created_at, used_at, value) VALUES (?, ?, ?, ?, ?)');
    this.#oldest = this.#db.prepare('SELECT rowid AS id, bytes FROM page_cache ORDER BY used_at LIMIT ?');
    this.#removeRow = this.#db.prepare('DELETE FROM page_cache WHERE rowid = ? RETURNING bytes');
    this.#expire = this.#db.prepare('DELETE FROM page_cache WHERE rowid IN (SELECT rowid FROM page_cache WHERE used_at < ? LIMIT ?) RETURNING bytes');
    // The index covers (used_at, bytes): counting reads it, not the results.
    const totals = this.#db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS bytes FROM page_cache').get()!;
    this.#entries = Number(totals.n);
    this.#bytes = Number(totals.bytes);
    // At start (before any request): what a smaller SIZE or the time stopped left over its bounds.
    try {
      this.#transaction(() => {
        while (this.#account(this.#expire.all(this.#now() - options.maxAgeMs, ROWS_PER_STATEMENT)).length > 0);
        this.#evictToBound();
      });
    } catch (err) {
      options.onError?.(err, 'write');
    }
    this.#lastSweep = this.#now();
  }

  override stats(): CacheStats {
    return { ...super.stats(), entries: this.#entries, bytes: this.#bytes };
  }

  protected read(key: string): Promise<string | undefined> {
    try {
      const row = this.#select.get(key);
      if (!row) return Promise.resolve(undefined);
      const now = this.#now();
      if (Number(row.created_at) <= now - this.#options.maxAgeMs) {
        this.#account(this.#remove.all(key));
        return Promise.resolve(undefined);
      }
      if (now - Number(row.used_at) > TOUCH_MS) this.#touchRow(Number(row.id), now);
      return Promise.resolve(String(row.value));
    } catch (err) {
      this.#options.onError?.(err, 'read');
      return Promise.resolve(undefined);
    }
  }

  /** A hit's new use time; one that cannot be written (a full disk) leaves the entry a little older, still a hit. */
  #touchRow(id: number, now: number): void {
    try {
      this.#touch.run(now, id);
    } catch (err) {
      this.#options.onError?.(err, 'write');
    }
  }

  protected write(key: string, value: string): Promise<void> {
    const bytes = Buffer.byteLength(value) + Buffer.byteLength(key);
    if (bytes > this.#options.maxBytes) return Promise.resolve();
    const now = this.#now();
    try {
      this.#transaction(() => {
        this.#account(this.#remove.all(key));
        this.#insert.run(key, bytes, now, now, value);
        this.#entries += 1;
        this.#bytes += bytes;
        this.#evictToBound();
        if (now - this.#lastSweep >= Math.min(SWEEP_EVERY_MS, this.#options.maxAgeMs)) {
          this.#lastSweep = now;
          this.#account(this.#expire.all(now - this.#options.maxAgeMs, ROWS_PER_STATEMENT));
        }
      });
    } catch (err) {
      this.#options.onError?.(err, 'write');
    }
    return Promise.resolve();
  }

  protected discard(key: string): Promise<void> {
    try {
      this.#account(this.#remove.all(key));
    } catch (err) {
      this.#options.onError?.(err, 'write');
    }
    return Promise.resolve();
  }

  /** Removes the least recently used entries until the total is within the bound, one row a statement. */
  #evictToBound(): void {
    while (this.#bytes > this.#options.maxBytes) {
      const oldest = this.#oldest.all(ROWS_PER_STATEMENT);
      if (oldest.length === 0) return;
      for (const row of oldest) {
        if (this.#bytes <= this.#options.maxBytes) return;
        this.#account(this.#removeRow.all(Number(row.id)));
      }
    }
  }

  /** Counts removed rows out of the totals. */
  #account(removed: Row[]): Row[] {
    for (const row of removed) {
      this.#entries -= 1;
      this.#bytes -= Number(row.bytes);
    }
    return removed;
  }

  /** One transaction; on failure the totals go back to what they were, as the rows do. */
  #transaction(work: () => void): void {
    const before = { entries: this.#entries, bytes: this.#bytes };
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (err) {
      if (this.#db.isOpen && this.#db.isTransaction) this.#db.exec('ROLLBACK');
      this.#entries = before.entries;
      this.#bytes = before.bytes;
      throw err;
    }
  }
}
