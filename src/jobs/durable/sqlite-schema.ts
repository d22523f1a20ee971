/**
 * Opening the embedded store's database: the tables, the pragmas (exclusive locking, WAL,
 * synchronous=NORMAL by default), the integrity check, and the one mapping of a failed open to
 * the errors a user can act on — the data directory in use by another server, or a file that is
 * not a readable database (named, never reset).
 */
import type { DatabaseSync } from 'node:sqlite';
import { DataDirInUseError, JobStoreCorruptError } from '../../errors.js';
import { loadSqlite } from './sqlite-module.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  options TEXT NOT NULL,
  pages_total INTEGER,
  pdf INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  error_code TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, created_at);
CREATE INDEX IF NOT EXISTS jobs_by_finish ON jobs(finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS pages (
  job_id TEXT NOT NULL,
  page INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  body TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (job_id, page)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pages_by_seq ON pages(job_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
  job_id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  key TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  last_error TEXT
);
`;

/** SQLite result codes (primary) that decide how a failed open is reported. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

function errcode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : undefined;
}

function openError(err: unknown, dir: string, file: string): Error {
  const code = errcode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED || /database is locked/i.test(message)) return DataDirInUseError(dir);
  if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB || /malformed|not a database|corrupt/i.test(message)) return JobStoreCorruptError(file, message);
  return err instanceof Error ? err : new Error(message);
}

/**
 * Opens (creating) the database `file` of the data directory `dir`, takes its lock, checks it,
 * brings the tables up to this version and puts jobs a stopped server left running back in the
 * queue. The connection stays in synchronous=NORMAL; the writes that must survive a power cut
 * raise it for their commit (sqlite-store.ts).
 */
export async function openJobDatabase(dir: string, file: string): Promise<DatabaseSync> {
  const { DatabaseSync } = await loadSqlite();
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { timeout: 0 });
    // Before the first access: no shared-memory index, and the lock is held until close.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    const check = db.prepare('PRAGMA quick_check').all().map((r) => String(Object.values(r)[0]));
    if (check.length !== 1 || check[0] !== 'ok') throw JobStoreCorruptError(file, check.slice(0, 3).join('; '));
    const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
    if (version > SCHEMA_VERSION) throw JobStoreCorruptError(file, `schema version ${version} is newer than this doclayout's (${SCHEMA_VERSION})`);
    // Frees the pages of expired jobs (takes effect on a new database only).
    db.exec('PRAGMA auto_vacuum = INCREMENTAL');
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL: a commit survives the process's death (kill -9) but may not survive a power
    // loss. Enough for page results and states — one lost is run or set again.
    db.exec('PRAGMA synchronous = NORMAL');
    // A write now: the exclusive lock is taken here, not at the first job.
    db.exec('BEGIN IMMEDIATE');
    db.exec(SCHEMA);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec(`UPDATE jobs SET state = 'queued' WHERE state = 'running'`);
    db.exec('COMMIT');
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Closing a database that never opened.
    }
    throw openError(err, dir, file);
  }
}
