/**
 * A load report as a short, aligned text table for the terminal.
 */
import type { LoadReport } from './run-load.js';

const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)} ms`);

function counts(map: Readonly<Record<string, number>>): string {
  const entries = Object.entries(map).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}: ${v}`).join('  ');
}

export function formatLoadReport(report: LoadReport): string {
  const rows: Array<[string, string]> = [
    ['target', `${report.url}${report.endpoint}`],
    ['concurrency', String(report.concurrency)],
    ['elapsed', `${report.elapsedS.toFixed(2)} s`],
    ['requests', `${report.requests} (ok ${report.ok}, http errors ${report.httpErrors}, transport errors ${report.transportErrors})`],
    ['throughput', `${report.throughputRps.toFixed(2)} req/s, ${report.pagesPerSec.toFixed(2)} pages/s`],
    ['latency', `p50 ${ms(report.latencyMs.p50)}  p95 ${ms(report.latencyMs.p95)}  p99 ${ms(report.latencyMs.p99)}  max ${ms(report.latencyMs.max)}  (mean ${ms(report.latencyMs.mean)})`],
    ['status codes', counts(report.statusCodes)],
    ['pages by device', counts(report.devices)],
  ];
  if (Object.keys(report.errors).length > 0) {
    const top = Object.entries(report.errors).sort(([, a], [, b]) => b - a).slice(0, 5);
    rows.push(['errors', top.map(([k, v]) => `${k} ×${v}`).join('  ')]);
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`;
}
