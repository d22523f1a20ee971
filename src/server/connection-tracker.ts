/**
 * Knows which sockets carry a request right now, so shutdown can close every other one at once.
 * Node's `closeIdleConnections()` treats a connection that has not sent its first request yet
 * (clients and load balancers open them ahead of time) as busy, and `server.close()` then waits
 * for it until the headers timeout — a minute of shutdown spent on a socket with no work on it.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export class ConnectionTracker {
  /** Responses in progress per open socket. */
  readonly #inflight = new Map<Socket, number>();
  readonly #server: Server;
  #closing = false;

  readonly #onConnection = (socket: Socket): void => {
    this.#inflight.set(socket, 0);
    socket.once('close', () => this.#inflight.delete(socket));
  };

  readonly #onRequest = (req: { socket: Socket }, res: { once(event: 'close', fn: () => void): unknown }): void => {
    const socket = req.socket;
    this.#inflight.set(socket, (this.#inflight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = Math.max(0, (this.#inflight.get(socket) ?? 1) - 1);
      if (this.#inflight.has(socket)) this.#inflight.set(socket, left);
      if (this.#closing && left === 0) socket.destroySoon();
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
    for (const count of this.#inflight.values()) if (count > 0) n++;
    return n;
  }

  /** From now on, close each socket as soon as it has no request in progress (idle ones at once). */
  closeIdle(): void {
    this.#closing = true;
    for (const [socket, count] of this.#inflight) if (count === 0) socket.destroySoon();
  }

  dispose(): void {
    this.#server.off('connection', this.#onConnection);
    this.#server.off('request', this.#onRequest);
  }
}
