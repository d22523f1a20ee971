/**
 * The JSON body parser of every route. A small body is parsed on the event loop by fastify's own
 * parser; a large one (a base64 file: 45 MB held the loop for 1.3 s, and the shedder then refused
 * the next 40 requests) is parsed and its file fields decoded on a body thread, so no legal body
 * stalls the loop. Bodies still arrive as chunks on the loop; a large one is copied chunk by chunk
 * into shared memory that the thread reads in place.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { BudgetedThreads } from '../util/budgeted-threads.js';
import { unwrapReply, type ThreadReply } from '../util/thread-reply.js';
import { rememberDecodedFields } from './base64-field.js';
import type { JsonBodyReply, JsonBodyTask } from './json-body-thread.js';

const threadEntry = fileURLToPath(new URL('./json-body-thread.js', import.meta.url));
/** Bodies from this size on go to a thread: parsing and decoding 1 MiB on the loop takes ≈ 5 ms. */
export const OFF_LOOP_BODY_BYTES = 1024 * 1024;
/** Two threads: one huge body does not hold up the next; more would only multiply peak memory. */
const BODY_THREADS = 2;
/** An idle thread goes after this long, ms: large JSON bodies come in bursts, if at all. */
const IDLE_TIMEOUT_MS = 30_000;
/** The top-level fields our routes read a file from (ours and PaddleX's). */
const FILE_FIELDS = ['image', 'file'] as const;

export interface JsonBodyParser {
  /** Bodies parsed on a thread so far (tests and logs: the off-loop path was taken). */
  readonly offLoopBodies: number;
  close(): Promise<void>;
}

/**
 * Gathers a body's chunks as they arrive. Past OFF_LOOP_BODY_BYTES they are copied one by one
 * into shared memory the body thread reads in place, so no single step on the loop copies the
 * whole body (a 60 MB concat is itself a stall on a busy machine).
 */
class BodyCollector {
  #small: Buffer[] = [];
  #shared: Uint8Array | undefined;
  length = 0;

  constructor(private readonly declaredBytes: number | undefined) {}

  add(chunk: Buffer): void {
    if (!this.#shared && this.length + chunk.byteLength >= OFF_LOOP_BODY_BYTES) {
      this.#shared = new Uint8Array(new SharedArrayBuffer(Math.max(this.declaredBytes ?? 0, 2 * (this.length + chunk.byteLength))));
      let at = 0;
      for (const piece of this.#small) {
        this.#shared.set(piece, at);
        at += piece.byteLength;
      }
      this.#small = [];
    }
    if (this.#shared) {
      // A chunked body of unknown length: grow by doubling (rare; clients send content-length).
      if (this.length + chunk.byteLength > this.#shared.byteLength) {
        const grown = new Uint8Array(new SharedArrayBuffer(2 * (this.length + chunk.byteLength)));
        grown.set(this.#shared.subarray(0, this.length));
        this.#shared = grown;
      }
      this.#shared.set(chunk, this.length);
    } else {
      this.#small.push(chunk);
    }
    this.length += chunk.byteLength;
  }

  /** The whole body: a Buffer when small, a view of shared memory when large. */
  take(): { small: Buffer } | { shared: Uint8Array } {
    return this.#shared ? { shared: this.#shared.subarray(0, this.length) } : { small: Buffer.concat(this.#small) };
  }
}

export function registerJsonBodyParser(app: FastifyInstance, options: { bodyLimitBytes: number; maxUploadMb: number }): JsonBodyParser {
  const onLoop = app.getDefaultJsonParser('error', 'error');
  let threads: BudgetedThreads<JsonBodyTask, ThreadReply> | undefined;
  const state = {
    offLoopBodies: 0,
    close: async (): Promise<void> => {
      await threads?.close();
      threads = undefined;
    },
  };
  const offLoop = (json: Uint8Array, done: (err: Error | null, body?: unknown) => void): void => {
    state.offLoopBodies += 1;
    threads ??= new BudgetedThreads({ filename: threadEntry, threads: BODY_THREADS, minThreads: 0, idleTimeoutMs: IDLE_TIMEOUT_MS });
    threads.run({ json, maxUploadMb: options.maxUploadMb, fileFields: FILE_FIELDS }).then(
      (reply) => {
        let parsed: JsonBodyReply;
        try {
          parsed = unwrapReply<JsonBodyReply>(reply as ThreadReply);
        } catch (err) {
          return done(err as Error, undefined);
        }
        if (parsed.body && typeof parsed.body === 'object') rememberDecodedFields(parsed.body, parsed.decoded);
        done(null, parsed.body);
      },
      (err: unknown) => done(err as Error, undefined),
    );
  };
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { bodyLimit: options.bodyLimitBytes }, (request, payload, done) => {
    const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    // Refused before reading, like fastify's own parsers (the error maps to 413).
    if (declared !== undefined && declared > options.bodyLimitBytes) return done(tooLarge(), undefined);
    const body = new BodyCollector(declared !== undefined && Number.isFinite(declared) ? declared : undefined);
    const finish = (err: Error | null): void => {
      payload.off('data', onData);
      payload.off('end', onEnd);
      payload.off('error', finish);
      if (err) done(err, undefined);
    };
    const onData = (chunk: Buffer): void => {
      if (body.length + chunk.byteLength > options.bodyLimitBytes) return finish(tooLarge());
      body.add(chunk);
    };
    const onEnd = (): void => {
      finish(null);
      if (declared !== undefined && declared !== body.length) return done(Object.assign(new Error('Request body size did not match Content-Length'), { statusCode: 400, code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' }), undefined);
      const whole = body.take();
      if ('small' in whole) onLoop(request, whole.small.toString('utf8'), done);
      else offLoop(whole.shared, done);
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', finish);
  });
  return state;
}

/** fastify's own code for it, so the error map answers 413 LAYOUT_ERR_UPLOAD_TOO_LARGE as for every parser. */
function tooLarge(): Error {
  return Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
}
