/**
 * A refusal sent while the client is still sending its body (413 over the upload limit, a bad
 * multipart part): answering and closing at once makes the client's next write fail with
 * EPIPE/ECONNRESET, and a client that reads only after writing never sees the 413. Like nginx
 * (discarded request body, lingering close), the rest of the body is read and thrown away, up to
 * a bound in bytes, in total time and in silence, and only a client past a bound is cut. A body
 * that ends within the bounds leaves a normal keep-alive connection.
 */
import type { IncomingMessage } from 'node:http';

interface DiscardLimits {
  /** Body bytes read and thrown away after the answer; a client sending more is cut. */
  readonly maxBytes: number;
  /** Whole time allowed for the rest of the body (nginx's lingering_time is 30 s). */
  readonly maxMs: number;
  /** Longest silence while discarding (nginx's lingering_timeout is 5 s). */
  readonly idleMs: number;
}

export const DISCARD_TIME_LIMITS = Object.freeze({ maxMs: 30_000, idleMs: 5_000 });

/** Where the refusal's reply is: only `removeHeader` is needed, so fastify's reply fits. */
interface RefusalReply {
  removeHeader(name: string): unknown;
}

/**
 * Call before the refusal is sent (fastify `onSend`) for a request whose body has not arrived in
 * full. Drops the `connection: close` fastify sets on body errors, so Node does not close the
 * socket under the client's writes, and drains the rest of the body within `limits`.
 */
export function discardRestOfBody(req: IncomingMessage, reply: RefusalReply, limits: DiscardLimits): void {
  // (`complete` is a boolean on a real connection; injected test requests have no socket to keep)
  if (req.complete !== false || req.destroyed) return;
  reply.removeHeader('connection');
  const socket = req.socket;
  let bytes = 0;
  const cut = (): void => {
    done();
    socket.destroy();
  };
  const total = setTimeout(cut, limits.maxMs);
  const idle = setTimeout(cut, limits.idleMs);
  const onData = (chunk: Buffer): void => {
    bytes += chunk.byteLength;
    if (bytes > limits.maxBytes) return cut();
    idle.refresh();
  };
  function done(): void {
    clearTimeout(total);
    clearTimeout(idle);
    req.off('data', onData);
    req.off('end', done);
    req.off('close', done);
  }
  total.unref();
  idle.unref();
  req.on('data', onData);
  req.once('end', done);
  req.once('close', done);
  // A parser that stopped reading (a multipart stream unpiped on its error) would stall the client.
  req.resume();
}
