/**
 * Entry of a body thread (piscina): parses a large JSON body and decodes its base64 file fields,
 * the work that held the event loop for 1.3 s on a 45 MB body. The decoded bytes go back by
 * transfer; each file field is left as an empty string in the body (its bytes travel beside it),
 * so a 60 MB string is not copied back to the loop.
 */
import secureJson from 'secure-json-parse';
import { InvalidParamError } from '../errors.js';
import { errorReply, type ThreadReply } from '../util/thread-reply.js';
import { movableBuffers, returnMoved } from '../util/transfer.js';
import { decodeBase64Field, type DecodedField } from './base64-field.js';

export interface JsonBodyTask {
  /** The body's bytes (a view of shared memory: read in place, not copied). */
  readonly json: Uint8Array;
  readonly maxUploadMb: number;
  /** Top-level fields that carry a file as base64. */
  readonly fileFields: readonly string[];
}

export interface JsonBodyReply {
  readonly body: unknown;
  readonly decoded: Record<string, DecodedField>;
}

export default function parseJsonBody(task: JsonBodyTask): ThreadReply {
  try {
    let body: unknown;
    try {
      // Like fastify's own JSON parser: __proto__ and constructor.prototype keys are refused.
      body = secureJson.parse(Buffer.from(task.json.buffer, task.json.byteOffset, task.json.byteLength).toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch (err) {
      throw InvalidParamError('body', `is not valid JSON (${(err as Error).message})`);
    }
    const decoded: Record<string, DecodedField> = {};
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const record = body as Record<string, unknown>;
      for (const name of task.fileFields) {
        if (typeof record[name] !== 'string') continue;
        try {
          const bytes = decodeBase64Field(name, record[name], task.maxUploadMb);
          // Moved back whole: a view into a larger or shared buffer is copied into its own first.
          decoded[name] = { ok: true, bytes: movableBuffers(bytes).length > 0 ? bytes : new Uint8Array(bytes) };
        } catch (err) {
          const reply = errorReply(err) as Extract<ThreadReply, { ok: false }>;
          decoded[name] = { ok: false, code: reply.code, message: reply.message };
        }
        record[name] = '';
      }
    }
    const buffers = movableBuffers(...Object.values(decoded).map((d) => (d.ok ? d.bytes : undefined)));
    return returnMoved({ ok: true, value: { body, decoded } satisfies JsonBodyReply }, buffers);
  } catch (err) {
    return errorReply(err);
  }
}
