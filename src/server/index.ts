/** The HTTP service's only door: what `doclayout serve`, tests and embedders use. */
export { buildServer, type BuildServerOptions } from './app.js';
export { createServiceState, type ServiceState, type ServiceStateOptions } from './service-state.js';
export { mapError, errorBody } from './error-map.js';
export { reloadServerModel, startDraining } from './server-control.js';
export type { ServerContext } from './context.js';
export { statusSchema, type StatusBody } from './status-body.js';
