/**
 * Following a job as it runs, on either store:
 * - `GET /v1/jobs/:id/events`: Server-Sent Events — `page` (one per stored page, its `id` the
 *   page's sequence number), `progress` (state and counts, when they change) and `done` (the final
 *   state, then the stream ends). Resumable: a client that reconnects with `Last-Event-ID` (or
 *   `?lastEventId=`) gets the pages stored after that one.
 * - `GET /v1/jobs/:id/pages`: the page results as NDJSON, one line per page as it is stored
 *   (`{ seq, page, ok, result | error }`), from `?after=` on; the stream ends with the job.
 * Both read the store a slice at a time and respect the socket's backpressure, so a job of
 * thousands of pages never holds the event loop or the process's memory; both end when the
 * server drains.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParamError } from '../../errors.js';
import type { JobView, StoredPage } from '../../jobs/index.js';
import type { ServerContext } from '../context.js';

/** How often a running job is looked at again, ms. */
const POLL_MS = 250;
/** A comment line this often keeps proxies from closing a quiet stream, ms. */
const KEEPALIVE_MS = 15_000;
const FINISHED = new Set(['completed', 'failed', 'canceled']);

type OwnJob = (view: JobView | undefined, request: FastifyRequest, id: string) => JobView;

interface Follower {
  page(page: StoredPage): string;
  progress?(view: JobView): string;
  done?(view: JobView): string;
}

/** Writes, waiting for the socket to drain when its buffer is full. */
async function write(raw: ServerResponse, text: string, signal: AbortSignal): Promise<void> {
  if (raw.write(text) || signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      raw.off('drain', done);
      raw.off('close', done);
      resolve();
    };
    raw.once('drain', done);
    raw.once('close', done);
  });
}

/** Plain digits only: Number() would also take `1e99`, `0x10` or ` 7 `, which no stream ever sent as an id. */
const SEQUENCE = /^\d{1,15}$/;

function afterSeq(value: unknown, name: string): number {
  if (value === undefined || value === '') return 0;
  if (typeof value !== 'string' || !SEQUENCE.test(value)) throw InvalidParamError(name, 'expected a whole number ≥ 0 of at most 15 digits');
  return Number(value);
}

export function jobFollowRoutes(app: FastifyInstance, ctx: ServerContext, ownJob: OwnJob, idForm: RegExp): void {
  /** Streams open now: ended when the server closes. */
  const streams = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.abort();
  });

  async function follow(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply, from: number, contentType: string, follower: Follower): Promise<void> {
    const { id } = request.params;
    const first = idForm.test(id) ? await ctx.jobs.follow(id, Number.MAX_SAFE_INTEGER) : undefined;
    ownJob(first?.view, request, id);
    const stop = new AbortController();
    streams.add(stop);
    request.raw.once('close', () => stop.abort());
    reply.raw.once('close', () => stop.abort());
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-request-id': request.id });
    let seq = from;
    let shown = '';
    let quietSince = Date.now();
    try {
      while (!stop.signal.aborted && !ctx.draining) {
        const look = await ctx.jobs.follow(id, seq);
        if (!look) break;
        let out = '';
        for (const page of look.pages) {
          out += follower.page(page);
          seq = page.seq;
        }
        const { view } = look;
        const counts = `${view.state}:${view.pagesDone}:${view.pagesTotal}:${view.pagesFailed}`;
        if (counts !== shown && follower.progress) out += follower.progress(view);
        shown = counts;
        const ended = FINISHED.has(view.state) && look.pages.length === 0;
        if (ended && follower.done) out += follower.done(view);
        if (out) {
          await write(raw, out, stop.signal);
          quietSince = Date.now();
        } else if (Date.now() - quietSince > KEEPALIVE_MS && contentType.startsWith('text/event-stream')) {
          await write(raw, ': keep-alive\n\n', stop.signal);
          quietSince = Date.now();
        }
        if (ended) break;
        // A full slice of pages: read the next at once; otherwise wait for more.
        if (look.pages.length === 0) await sleep(POLL_MS, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    } finally {
      streams.delete(stop);
      raw.end();
    }
  }

  const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 128 } } } as const;

  app.get('/v1/jobs/:id/events', {
    logLevel: 'warn',
    schema: {
      tags: ['jobs'],
      summary: 'Server-Sent Events of a job: one `page` event per stored page (id = its sequence number), `progress`, then `done`; resumable with Last-Event-ID',
      params,
      querystring: { type: 'object', properties: { lastEventId: { type: 'string', description: 'Instead of the Last-Event-ID header' } } },
    },
    config: { tenant: true },
  }, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const query = request.query as { lastEventId?: string };
    const from = afterSeq(request.headers['last-event-id'] ?? query.lastEventId, 'Last-Event-ID');
    const progress = (view: JobView) => ({ state: view.state, pagesDone: view.pagesDone, pagesTotal: view.pagesTotal, pagesFailed: view.pagesFailed });
    await follow(request, reply, from, 'text/event-stream; charset=utf-8', {
      page: ({ seq, outcome }) => `id: ${seq}\nevent: page\ndata: ${JSON.stringify({ seq, ...outcome })}\n\n`,
      progress: (view) => `event: progress\ndata: ${JSON.stringify(progress(view))}\n\n`,
      done: (view) => `event: done\ndata: ${JSON.stringify({ id: view.id, ...progress(view), ...(view.error ? { error: view.error } : {}), ...(view.finishedAt ? { finishedAt: view.finishedAt } : {}) })}\n\n`,
    });
  });

  app.get('/v1/jobs/:id/pages', {
    logLevel: 'warn',
    schema: {
      tags: ['jobs'],
      summary: 'A job\'s page results as NDJSON, one line per page as it is stored ({ seq, page, ok, result | error }), until the job finishes',
      params,
      querystring: { type: 'object', properties: { after: { type: 'string', pattern: '^[0-9]{1,15}$', description: 'Only pages stored after this sequence number (digits)' } } },
    },
    config: { tenant: true },
  }, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const from = afterSeq((request.query as { after?: string }).after, 'after');
    await follow(request, reply, from, 'application/x-ndjson', {
      page: ({ seq, outcome }) => `${JSON.stringify({ seq, ...outcome })}\n`,
    });
  });
}
