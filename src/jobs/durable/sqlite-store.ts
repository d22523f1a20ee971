/**
 * The embedded JobStore: one SQLite database (Node's built-in node:sqlite, WAL) and a folder of
 * spooled uploads, both in the data directory. Two commits are fsync'd (synchronous=FULL): the
 * job (its upload fsync'd before) — the 202's promise — and its terminal state with its outbox
 * entry, after which its upload is deleted. Everything between (start, pages, requeues) commits
 * with NORMAL, no fsync: durable across kill -9, and a page lost to a power cut is only run
 * again. The database is opened in
 * exclusive locking mode and written at once, so its lock — taken by the kernel, released when
 * the process dies, even by kill -9 — is the data directory's: a second server refuses to start.
 * A file that is not a readable database is reported by name and never reset.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { DocumentExpiredError } from '../../errors.js';
import type { StoredPage } from '../job-service.js';
import type { JobErrorInfo, PageOutcome } from '../types.js';
import { removeFile, storageFull, writeDurably } from './data-dir.js';
import type { JobCounts, JobStore, NewJob, OutboxEntry, StoredJob } from './job-store.js';
import { JOB_COLUMNS, toJob, toOutboxEntry, toOutcome } from './sqlite-rows.js';
import { openJobDatabase } from './sqlite-schema.js';

export class SqliteJobStore implements JobStore {
  readonly location: string;
  readonly file: string;
  readonly #db: DatabaseSync;
  readonly #uploads: string;
  readonly #statements = new Map<string, StatementSync>();

  private constructor(dir: string, file: string, db: DatabaseSync) {
    this.location = dir;
    this.file = file;
    this.#db = db;
    this.#uploads = path.join(dir, 'uploads');
  }

  /**
   * Opens (creating) the store in `dir`: takes the directory's lock, checks the database, puts
   * jobs a stopped server left running back in the queue and removes uploads no job owns.
   */
  static async open(dir: string): Promise<SqliteJobStore> {
    const absolute = path.resolve(dir);
    fs.mkdirSync(path.join(absolute, 'uploads'), { recursive: true });
    const file = path.join(absolute, 'jobs.db');
    const db = await openJobDatabase(absolute, file);
    const store = new SqliteJobStore(absolute, file, db);
    store.#removeOrphanUploads();
    return store;
  }

  /**
   * The open connection, for the page-result cache's own table in the same file (`--cache store`):
   * the database's exclusive lock lets no second connection in. Closed with the store.
   */
  get database(): DatabaseSync {
    return this.#db;
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #uploadPath(id: string): string {
    return path.join(this.#uploads, id);
  }

  /** Uploads of jobs that are finished or gone (a crash between spooling and recording). */
  #removeOrphanUploads(): void {
    const waiting = new Set(this.#stmt(`SELECT id FROM jobs WHERE state IN ('queued', 'running')`).all().map((r) => String(r.id)));
    for (const name of fs.readdirSync(this.#uploads)) {
      if (!waiting.has(name)) fs.rmSync(path.join(this.#uploads, name), { force: true });
    }
  }

  #transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.#db.isOpen) this.#db.exec('ROLLBACK');
      throw err;
    }
  }

  /**
   * Runs one commit with synchronous=FULL — the write-ahead log fsync'd before it returns — and
   * goes back to the connection's NORMAL. The setting cannot change inside a transaction: this
   * goes around one.
   */
  #durable<T>(work: () => T): T {
    this.#stmt('PRAGMA synchronous = FULL').run();
    try {
      return work();
    } finally {
      this.#stmt('PRAGMA synchronous = NORMAL').run();
    }
  }

  /** Runs a write, answering LAYOUT_ERR_STORAGE_FULL for a full disk. */
  #write<T>(what: string, work: () => T): T {
    try {
      return work();
    } catch (err) {
      throw storageFull(err, what, this.location) ?? err;
    }
  }

  async accept(job: NewJob, bytes: Uint8Array): Promise<StoredJob> {
    const file = this.#uploadPath(job.id);
    try {
      await writeDurably(file, bytes);
    } catch (err) {
      throw storageFull(err, `upload ${job.name}`, this.location) ?? err;
    }
    try {
      // Fsync'd before the 202 is sent.
      this.#write(`job ${job.id}`, () => this.#durable(() => this.#stmt(
        `INSERT INTO jobs (id, name, state, sha256, size, options, created_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)`,
      ).run(job.id, job.name, job.sha256, bytes.byteLength, JSON.stringify(job.options), job.createdAt)));
    } catch (err) {
      await removeFile(file);
      throw err;
    }
    return (await this.job(job.id))!;
  }

  job(id: string): Promise<StoredJob | undefined> {
    const row = this.#stmt(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`).get(id);
    return Promise.resolve(row ? toJob(row) : undefined);
  }

  pages(id: string): Promise<PageOutcome[]> {
    return Promise.resolve(this.#stmt('SELECT page, ok, body FROM pages WHERE job_id = ? ORDER BY page').all(id).map(toOutcome));
  }

  pagesAfter(id: string, afterSeq: number, limit: number): Promise<StoredPage[]> {
    const rows = this.#stmt('SELECT seq, page, ok, body FROM pages WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(id, afterSeq, limit);
    return Promise.resolve(rows.map((r) => ({ seq: Number(r.seq), outcome: toOutcome(r) })));
  }

  donePages(id: string): Promise<Set<number>> {
    return Promise.resolve(new Set(this.#stmt('SELECT page FROM pages WHERE job_id = ?').all(id).map((r) => Number(r.page))));
  }

  async upload(id: string): Promise<Uint8Array> {
    try {
      return await fs.promises.readFile(this.#uploadPath(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw DocumentExpiredError(id);
      throw err;
    }
  }

  start(id: string): Promise<boolean> {
    // 'running' too: this process is the store's only user (its lock), and a run whose requeue
    // could not be written (a full disk) is started again from there.
    const { changes } = this.#write(`job ${id}`, () => this.#stmt(`UPDATE jobs SET state = 'running' WHERE id = ? AND state IN ('queued', 'running')`).run(id));
    return Promise.resolve(Number(changes) === 1);
  }

  opened(id: string, pagesTotal: number, pdf: boolean): Promise<void> {
    this.#write(`job ${id}`, () => this.#stmt('UPDATE jobs SET pages_total = ?, pdf = ? WHERE id = ?').run(pagesTotal, pdf ? 1 : 0, id));
    return Promise.resolve();
  }

  storePage(id: string, outcome: PageOutcome): Promise<boolean> {
    const body = JSON.stringify(outcome.ok ? outcome.result : outcome.error);
    const { changes } = this.#write(`page ${outcome.page} of job ${id}`, () => this.#stmt(
      `INSERT OR IGNORE INTO pages (job_id, page, ok, body, seq)
       VALUES (?, ?, ?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM pages WHERE job_id = ?))`,
    ).run(id, outcome.page, outcome.ok ? 1 : 0, body, id));
    return Promise.resolve(Number(changes) === 1);
  }

  requeue(id: string, failedRun?: JobErrorInfo): Promise<void> {
    this.#write(`job ${id}`, () => (failedRun
      ? this.#stmt(`UPDATE jobs SET state = 'queued', attempts = attempts + 1, error_code = ?, error_message = ? WHERE id = ? AND state = 'running'`).run(failedRun.code, failedRun.message, id)
      : this.#stmt(`UPDATE jobs SET state = 'queued' WHERE id = ? AND state = 'running'`).run(id)));
    return Promise.resolve();
  }

  async finish(id: string, state: 'completed' | 'failed' | 'canceled', error?: JobErrorInfo): Promise<boolean> {
    const now = Date.now();
    // Fsync'd: the upload goes next, and the callback must leave even after a power cut.
    const changed = this.#write(`job ${id}`, () => this.#durable(() => this.#transaction(() => {
      const { changes } = this.#stmt(
        `UPDATE jobs SET state = ?, error_code = ?, error_message = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')`,
      ).run(state, error?.code ?? null, error?.message ?? null, now, id);
      if (Number(changes) !== 1) return false;
      const options = JSON.parse(String(this.#stmt('SELECT options FROM jobs WHERE id = ?').get(id)!.options)) as StoredJob['options'];
      if (options.callbackUrl) {
        this.#stmt('INSERT OR IGNORE INTO outbox (job_id, url, key, next_at) VALUES (?, ?, ?, ?)').run(id, options.callbackUrl, `${id}:${state}`, now);
      }
      return true;
    })));
    if (changed) await removeFile(this.#uploadPath(id));
    return changed;
  }

  runnable(): Promise<string[]> {
    return Promise.resolve(this.#stmt(`SELECT id FROM jobs WHERE state IN ('queued', 'running') ORDER BY created_at, id`).all().map((r) => String(r.id)));
  }

  counts(): Promise<JobCounts> {
    const counts: Record<string, number> = { queued: 0, running: 0, completed: 0, failed: 0, canceled: 0 };
    for (const row of this.#stmt('SELECT state, count(*) AS n FROM jobs GROUP BY state').all()) counts[String(row.state)] = Number(row.n);
    return Promise.resolve(counts as unknown as JobCounts);
  }

  async expire(now: number, ttlMs: number): Promise<number> {
    const ids = this.#stmt('SELECT id FROM jobs WHERE finished_at IS NOT NULL AND finished_at < ? LIMIT 500').all(now - ttlMs).map((r) => String(r.id));
    if (ids.length === 0) return 0;
    this.#transaction(() => {
      for (const id of ids) {
        this.#stmt('DELETE FROM pages WHERE job_id = ?').run(id);
        this.#stmt('DELETE FROM outbox WHERE job_id = ?').run(id);
        this.#stmt('DELETE FROM jobs WHERE id = ?').run(id);
      }
    });
    this.#db.exec('PRAGMA incremental_vacuum');
    await Promise.all(ids.map((id) => removeFile(this.#uploadPath(id))));
    return ids.length;
  }

  dueCallbacks(now: number, limit: number): Promise<OutboxEntry[]> {
    const rows = this.#stmt('SELECT job_id, url, key, attempts, next_at FROM outbox WHERE next_at <= ? ORDER BY next_at LIMIT ?').all(now, limit);
    return Promise.resolve(rows.map(toOutboxEntry));
  }

  callbackDone(jobId: string): Promise<void> {
    this.#write(`callback of ${jobId}`, () => this.#stmt('DELETE FROM outbox WHERE job_id = ?').run(jobId));
    return Promise.resolve();
  }

  callbackRetry(jobId: string, nextAt: number, lastError: string): Promise<void> {
    this.#write(`callback of ${jobId}`, () => this.#stmt('UPDATE outbox SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE job_id = ?').run(nextAt, lastError, jobId));
    return Promise.resolve();
  }

  /** The database file's size with its write-ahead log, bytes (bench:jobs watches it stay flat). */
  sizeBytes(): number {
    const size = (f: string): number => fs.statSync(f, { throwIfNoEntry: false })?.size ?? 0;
    return size(this.file) + size(`${this.file}-wal`);
  }

  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }
}
