/** The HTTP service's public surface. */
export { buildServer, type BuildServerOptions } from './app.js';
export { mapError, errorBody } from './error-map.js';
export type { ServerContext } from './context.js';
export { statusSchema, type StatusBody } from './status-body.js';
