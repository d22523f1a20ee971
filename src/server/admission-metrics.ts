/**
 * Prometheus figures of the pool's admission per priority class and per tenant, read from the
 * pool snapshot at scrape time: pages waiting, dispatched and refused, queue wait (p50/p99 of the
 * last minute) and the longest wait now (a growing batch figure would mean starvation).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AdmissionFigures, PoolSnapshot } from '../pool/index.js';

type Read = (figures: AdmissionFigures) => number | undefined;

export function registerAdmissionMetrics(registry: Registry, snap: () => PoolSnapshot): void {
  const registers = [registry];
  const groups: ReadonlyArray<{ label: string; read: (s: PoolSnapshot) => Readonly<Record<string, AdmissionFigures>> }> = [
    { label: 'class', read: (s) => s.classes ?? {} },
    { label: 'tenant', read: (s) => s.tenants ?? {} },
  ];
  for (const { label, read: figuresOf } of groups) {
    const gauge = (name: string, help: string, read: Read, extra: Record<string, string> = {}): Gauge => new Gauge({
      name, help, labelNames: [label, ...Object.keys(extra)], registers,
      collect() {
        this.reset();
        for (const [key, figures] of Object.entries(figuresOf(snap()))) {
          const value = read(figures);
          if (value !== undefined) this.set({ [label]: key, ...extra }, value);
        }
      },
    });
    const counter = (name: string, help: string, read: (f: AdmissionFigures) => number): Counter => new Counter({
      name, help, labelNames: [label], registers,
      collect() {
        this.reset();
        for (const [key, figures] of Object.entries(figuresOf(snap()))) this.inc({ [label]: key }, read(figures));
      },
    });
    gauge(`doclayout_${label}_queued_pages`, `Pages waiting for a device, by ${label}`, (f) => f.queued);
    gauge(`doclayout_${label}_oldest_wait_seconds`, `How long the longest-waiting page has waited, by ${label}`, (f) => f.oldestWaitMs / 1000);
    new Gauge({
      name: `doclayout_${label}_queue_wait_seconds`, help: `Queue wait of the pages dispatched in the last minute, by ${label} and quantile`,
      labelNames: [label, 'quantile'], registers,
      collect() {
        this.reset();
        for (const [key, figures] of Object.entries(figuresOf(snap()))) {
          if (!figures.waitMs) continue;
          this.set({ [label]: key, quantile: '0.5' }, figures.waitMs.p50 / 1000);
          this.set({ [label]: key, quantile: '0.99' }, figures.waitMs.p99 / 1000);
        }
      },
    });
    counter(`doclayout_${label}_dispatched_pages_total`, `Pages sent to a device, by ${label}`, (f) => f.dispatched);
    counter(`doclayout_${label}_rejected_pages_total`, `Pages refused with 429 (queue full, tenant limit), by ${label}`, (f) => f.rejected);
  }
}
