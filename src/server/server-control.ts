/**
 * What the process that owns a server (`doclayout serve`) may do to it from outside: start
 * draining on a signal, and reload the model (SIGHUP). The server's state stays inside it.
 */
import type { FastifyInstance } from 'fastify';
import type { ModelIdentity } from '../engine/index.js';
import { reloadModel } from './routes/admin.js';

/** Readiness answers 503 and new work is refused from now on; in-flight work goes on. close() also does this. */
export function startDraining(app: FastifyInstance): void {
  app.doclayout.draining = true;
}

/** Reloads the model device by device, all or nothing (`model`: a registry name or a file in the model directory; the current one when absent). */
export function reloadServerModel(app: FastifyInstance, model?: string): Promise<ModelIdentity> {
  return reloadModel(app.doclayout, model);
}
