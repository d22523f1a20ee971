/**
 * Errors Node's HTTP parser raises before fastify sees a request (`clientError`): headers past
 * the size limit, a request that did not arrive in time, bytes that are not HTTP. fastify's
 * default answers in its own shape; these get the service's `{ error: { code, message } }` like
 * every other refusal, then the connection is closed (the stream position is unknown).
 *
 * Closing is graceful ("lingering close"): the answer is written and our side half-closed, and
 * what the client still sends (the rest of a 50 KB URL, a body) is read and dropped until it
 * closes too. Destroying the socket with bytes unread would send a reset, and a client still
 * writing its request would see EPIPE/ECONNRESET instead of the answer.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { HeadersTooLargeError, MalformedRequestError, RequestTimeoutError, type LayoutError } from '../errors.js';
import { errorBody } from './error-map.js';

function errorFor(err: NodeJS.ErrnoException): LayoutError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return HeadersTooLargeError(http.maxHeaderSize);
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return RequestTimeoutError('the headers or the body took too long');
  return MalformedRequestError(`not a valid HTTP request (${err.code ?? err.message})`);
}

/** How long a refused client may go on sending before its connection is dropped. */
const LINGER_MS = 5_000;

/** Sockets already answered: the parser raises its error again for every later chunk. */
const answered = new WeakSet<Socket>();

/** A fastify `clientErrorHandler`; `this` is the fastify instance. */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer; an answered one is draining the rest of its request.
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  const error = errorFor(err);
  this.log.info({ code: error.code, status: error.statusCode }, 'client error');
  // Past the start of a response (or with nothing writable) there is no room for another one.
  const inProgress = (socket as Socket & { _httpMessage?: http.ServerResponse })._httpMessage;
  if (!socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(error));
  answered.add(socket);
  socket.end(
    `HTTP/1.1 ${error.statusCode} ${http.STATUS_CODES[error.statusCode] ?? 'Error'}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
  // Keep reading (and dropping) until the client closes its side; the server then closes cleanly.
  socket.resume();
  // A client that never stops sending, or never reads its answer, must not hold the socket.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
