/** The load generator's public surface (used by `doclayout bench`, bench/e2e and the nginx test). */
export { runLoad, type LoadOptions, type LoadReport, type LoadFile } from './run-load.js';
export { formatLoadReport } from './format-report.js';
export { summarizeLatencies, nearestRank, type LatencySummary } from './latency.js';
