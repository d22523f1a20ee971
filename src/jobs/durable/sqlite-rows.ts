/** The embedded store's rows as the JobStore's values: a job with its page counts, a page's outcome, an outbox entry. */
import type { JobState } from '../job-service.js';
import type { JobErrorInfo, PageOutcome } from '../types.js';
import type { OutboxEntry, StoredJob } from './job-store.js';

export type Row = Record<string, unknown>;

/** A job's columns with its page counts, for `SELECT ${JOB_COLUMNS} FROM jobs`. */
export const JOB_COLUMNS = `id, name, state, sha256, size, options, pages_total, pdf, attempts, error_code, error_message, created_at, finished_at,
  (SELECT count(*) FROM pages WHERE job_id = jobs.id) AS pages_done,
  (SELECT count(*) FROM pages WHERE job_id = jobs.id AND ok = 0) AS pages_failed`;

export function toJob(row: Row): StoredJob {
  const error = row.error_code ? { code: String(row.error_code), message: String(row.error_message ?? '') } : undefined;
  return {
    id: String(row.id),
    name: String(row.name),
    state: String(row.state) as JobState,
    sha256: String(row.sha256),
    size: Number(row.size),
    options: JSON.parse(String(row.options)) as StoredJob['options'],
    pagesTotal: row.pages_total === null ? null : Number(row.pages_total),
    pdf: row.pdf === null ? null : Number(row.pdf) === 1,
    pagesDone: Number(row.pages_done),
    pagesFailed: Number(row.pages_failed),
    attempts: Number(row.attempts),
    ...(error ? { error } : {}),
    createdAt: Number(row.created_at),
    ...(row.finished_at === null ? {} : { finishedAt: Number(row.finished_at) }),
  };
}

export function toOutcome(row: Row): PageOutcome {
  const body: unknown = JSON.parse(String(row.body));
  return Number(row.ok) === 1
    ? { page: Number(row.page), ok: true, result: body as Extract<PageOutcome, { ok: true }>['result'] }
    : { page: Number(row.page), ok: false, error: body as JobErrorInfo };
}

export function toOutboxEntry(row: Row): OutboxEntry {
  return { jobId: String(row.job_id), url: String(row.url), key: String(row.key), attempts: Number(row.attempts), nextAt: Number(row.next_at) };
}
