/**
 * Knows which sockets carry a request right now, and whether each request has arrived in full, so
 * shutdown can close every connection that holds no accepted work at once:
 * - Node's `closeIdleConnections()` treats a connection that has not sent its first request yet
 *   (clients and load balancers open them ahead of time) as busy, and `server.close()` then waits
 *   for it until the headers timeout — a minute of shutdown spent on a socket with no work on it;
 * - an upload that is still arriving is not accepted work either: waiting for a slow client would
 *   hold shutdown up to the drain timeout (and end it with exit 1), so it is answered 503
 *   (LAYOUT_ERR_POOL_CLOSED, `connection: close`) at once and its connection closed after that.
 * Requests that arrived in full are accepted: their sockets close after their response.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/** Time for the 503 to an upload cut by shutdown to go out (a few hundred bytes), ms. */
const UPLOAD_ANSWER_MS = 1_000;

export class ConnectionTracker {
  /** Requests in progress per open socket. */
  readonly #inflight = new Map<Socket, Set<IncomingMessage>>();
  readonly #server: Server;
  #closing = false;

  readonly #onConnection = (socket: Socket): void => {
    this.#inflight.set(socket, new Set());
    socket.once('close', () => this.#inflight.delete(socket));
  };

  readonly #onRequest = (req: IncomingMessage, res: { once(event: 'close', fn: () => void): unknown }): void => {
    const socket = req.socket;
    const requests = this.#inflight.get(socket) ?? new Set<IncomingMessage>();
    this.#inflight.set(socket, requests);
    requests.add(req);
    res.once('close', () => {
      requests.delete(req);
      if (this.#closing && requests.size === 0) socket.destroySoon();
    });
  };

  constructor(server: Server) {
    this.#server = server;
    server.on('connection', this.#onConnection);
    server.on('request', this.#onRequest);
  }

  /** Sockets with a request in progress. */
  get busy(): number {
    let n = 0;
    for (const requests of this.#inflight.values()) if (requests.size > 0) n++;
    return n;
  }

  /**
   * From now on, close each socket as soon as it has no request in progress (idle ones at once).
   * A socket whose request body is still arriving is told so by `answerUpload` (a 503 with
   * `connection: close`, after which Node closes it) and cut if it is not answered within
   * UPLOAD_ANSWER_MS; without `answerUpload`, or where it declines, it is cut at once.
   */
  closeAllButAccepted(answerUpload?: (req: IncomingMessage) => boolean): void {
    this.#closing = true;
    for (const [socket, requests] of this.#inflight) {
      if (requests.size === 0) {
        socket.destroySoon();
        continue;
      }
      const uploads = [...requests].filter((req) => !req.complete);
      if (uploads.length === 0) continue;
      if (uploads.every((req) => answerUpload?.(req) === true)) setTimeout(() => socket.destroy(), UPLOAD_ANSWER_MS).unref();
      else socket.destroy();
    }
  }

  dispose(): void {
    this.#server.off('connection', this.#onConnection);
    this.#server.off('request', this.#onRequest);
  }
}
