/**
 * The records cluster jobs share between submitters, workers and servers, and the zod schemas that
 * check them where they cross a process boundary (job data from BullMQ, records from Redis).
 */
import { z } from 'zod';
import { InternalError } from '../errors.js';
import type { LayoutParams, PageResult } from '../model/index.js';
import type { TraceCarrier } from '../tracing/index.js';

/** What a document is analysed with: the parameters of /v1/layout and `analyze`. */
export interface DocumentOptions {
  readonly params: Partial<LayoutParams>;
  /** PDF page selection ("1-3,7"); every page when absent. */
  readonly pages?: string;
  /** PDF rasterization resolution, dpi: part of the result, so part of the cache key. */
  readonly pdfDpi: number;
  /** Refuse PDFs with more selected pages than this (0 = no cap). */
  readonly maxPdfPages: number;
  /** POSTed the final status once the document is done (bounded retries with backoff). */
  readonly callbackUrl?: string;
  /** Who submitted it (API key's tenant): only that tenant reads or cancels it; its pages take turns with other tenants'. */
  readonly tenant?: string;
  /**
   * The W3C trace context of the request that submitted it, kept with an embedded job when
   * tracing is on: its callback deliveries join that trace. Never stored in Redis (a cluster's
   * job carries it in BullMQ's job options), so not in the schema below.
   */
  readonly trace?: TraceCarrier;
}

export const documentOptionsSchema = z.object({
  params: z.record(z.string(), z.unknown()),
  pages: z.string().optional(),
  pdfDpi: z.number().positive(),
  maxPdfPages: z.number().int().min(0),
  callbackUrl: z.string().url().optional(),
  tenant: z.string().optional(),
});

export type DocumentState = 'queued' | 'running' | 'completed' | 'failed' | 'canceled';

export const jobErrorSchema = z.object({ code: z.string(), message: z.string() });

/** A stored page outcome as read back from Redis: its shape is checked, its result's regions are not walked. */
export const pageOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ page: z.number().int().positive(), ok: z.literal(true), result: z.looseObject({ regions: z.array(z.unknown()), input: z.looseObject({ name: z.string() }) }) }),
  z.object({ page: z.number().int().positive(), ok: z.literal(false), error: jobErrorSchema }),
]);

/** A document's hash in Redis, field by field (Redis hands back strings); its submission's id is stored as `batchId` (names.ts). */
export const documentHashSchema = z.looseObject({
  batchId: z.string(),
  name: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'canceled']),
  sha256: z.string(),
  options: z.string(),
  size: z.string().regex(/^\d+$/).optional(),
  pages: z.string().optional(),
  error: z.string().optional(),
});

/**
 * JSON read from Redis, checked against what doclayout writes there: a record written by another
 * version, or damaged, is an error naming it instead of a wrong answer further on.
 */
export function fromRedis<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw InternalError(`${what} in Redis is not JSON (${(err as Error).message})`);
    }
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw InternalError(`${what} in Redis is not what this doclayout writes: ${checked.error.issues.slice(0, 2).map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ')}`);
  return checked.data;
}
export const FINISHED_STATES: readonly DocumentState[] = ['completed', 'failed', 'canceled'];

export interface JobErrorInfo {
  readonly code: string;
  readonly message: string;
}

export interface DocumentRecord {
  readonly docId: string;
  /** The submission it belongs to (`batchId` in Redis and in public JSON: names.ts). */
  readonly submissionId: string;
  /** Input name (relative path for the CLI, file name for HTTP): results and errors carry it. */
  readonly name: string;
  readonly state: DocumentState;
  readonly size: number;
  /** sha256 of the document bytes (hex): the first part of every page's cache key. */
  readonly sha256: string;
  /** Where the bytes are: in Redis (with a TTL), or a path on a filesystem the workers share. */
  readonly source: 'redis' | 'path';
  readonly path?: string;
  readonly options: DocumentOptions;
  /** Pages in the document (1 for an image), known once a worker has looked at it. */
  readonly pageCount?: number;
  /** The selected pages, in order, once known. */
  readonly pages?: readonly number[];
  /** Whether the bytes sniffed as a PDF (decides the output layout). */
  readonly pdf?: boolean;
  readonly pagesDone: number;
  readonly pagesFailed: number;
  readonly error?: JobErrorInfo;
  readonly createdAt: number;
  readonly finishedAt?: number;
  /** Set once a submitter or `jobs results` wrote the results out (they are then deleted). */
  readonly fetchedAt?: number;
}

/** One page's stored outcome: its result, or the error that failed it (bad input). */
export type PageOutcome =
  | { readonly page: number; readonly ok: true; readonly result: PageResult & { device?: string } }
  | { readonly page: number; readonly ok: false; readonly error: JobErrorInfo };

/** A cluster's set of submitted documents (`doclayout submit`'s batch id names it): its counters. */
export interface SubmissionRecord {
  readonly submissionId: string;
  readonly createdAt: number;
  readonly canceled: boolean;
  readonly docsTotal: number;
  readonly docsCompleted: number;
  readonly docsFailed: number;
  readonly pagesTotal: number;
  readonly pagesDone: number;
  readonly pagesFailed: number;
}

export type SubmissionState = 'queued' | 'running' | 'completed' | 'failed' | 'canceled';

export interface SubmissionStatus extends SubmissionRecord {
  readonly state: SubmissionState;
  readonly documents: readonly DocumentRecord[];
}

/**
 * The submitter's W3C trace context as doclayout versions before BullMQ's telemetry wrote it in
 * the job data: still read (a job queued by one of them joins its trace), no longer written.
 */
const traceFields = { traceparent: z.string().optional(), tracestate: z.string().optional() };

/** Job data keep the submission's id as `batchId` (names.ts): a job queued by an earlier version still reads. */
export const docJobSchema = z.object({ batchId: z.string(), docId: z.string(), ...traceFields });
export type DocJobData = z.infer<typeof docJobSchema>;

export const pageJobSchema = z.object({ batchId: z.string(), docId: z.string(), page: z.number().int().positive(), ...traceFields });
export type PageJobData = z.infer<typeof pageJobSchema>;
