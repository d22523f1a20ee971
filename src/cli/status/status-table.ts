/**
 * Text tables for `doclayout status`: one row per instance, then one row per device with the
 * figures an operator scans for — state, in-flight, queue, throughput, p95, restarts and, on
 * GPUs, utilisation, memory and temperature.
 */
import { readyDeviceCount, type InstanceStatus, type StatusBody, type StatusDevice, type StatusGpu } from './instance-status.js';

type Cell = string;
interface Column {
  readonly title: string;
  readonly right?: boolean;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly Cell[]): string =>
    cells.map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].join('\n');
}

/** null/NaN/undefined (unknown) print as "-". */
function num(value: number | null | undefined, digits = 0, suffix = ''): string {
  return value === null || value === undefined || Number.isNaN(value) ? '-' : `${value.toFixed(digits)}${suffix}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)}h`;
  return `${(seconds / 86_400).toFixed(1)}d`;
}

/** The GPU a device runs on: "cuda:1" ↔ nvidia-smi index 1 (true unless CUDA_VISIBLE_DEVICES renumbers). */
export function gpuOfDevice(device: StatusDevice, gpus: readonly StatusGpu[]): StatusGpu | undefined {
  if (device.kind === 'cpu') return undefined;
  const ordinal = Number(device.id.split(':')[1]);
  return gpus.find((g) => g.index === ordinal);
}

function instanceRow(i: InstanceStatus): Cell[] {
  if (!i.status) return [i.url, `DOWN: ${i.problem ?? 'unknown'}`, '-', '-', '-', '-', '-', '-', '-', '-'];
  const s: StatusBody = i.status;
  const state = i.healthy ? s.state : `${s.state.toUpperCase()}: ${i.problem ?? ''}`;
  return [
    i.url,
    state,
    `${readyDeviceCount(s)}/${s.devices.length}`,
    `${s.queueDepth}/${s.maxQueue}`,
    num(s.throughput?.pagesPerSec, 2),
    num(s.latencyMs?.p50, 0, ' ms'),
    num(s.latencyMs?.p95, 0, ' ms'),
    String(s.devices.reduce((n, d) => n + d.restarts, 0)),
    typeof s.uptimeSeconds === 'number' ? duration(s.uptimeSeconds) : '-',
    s.version ?? '-',
  ];
}

function deviceRows(i: InstanceStatus): Cell[][] {
  const s = i.status;
  if (!s) return [];
  return s.devices.map((d) => {
    const gpu = gpuOfDevice(d, s.gpus ?? []);
    return [
      i.url,
      d.id,
      d.state,
      String(d.inflight),
      String(d.completed),
      String(d.failed),
      String(d.restarts),
      num(d.ewmaMs, 1),
      gpu ? num(gpu.utilizationPct, 0, '%') : '-',
      gpu ? `${num(gpu.memoryUsedMb)}/${num(gpu.memoryTotalMb)} MB` : '-',
      gpu ? num(gpu.temperatureC, 0, '°C') : '-',
    ];
  });
}

export function statusTable(instances: readonly InstanceStatus[], now = new Date()): string {
  const up = instances.filter((i) => i.healthy).length;
  const head = `doclayout status  ${now.toISOString()}  ${up}/${instances.length} instance(s) healthy`;
  const byInstance = renderTable(
    [{ title: 'INSTANCE' }, { title: 'STATE' }, { title: 'DEVICES', right: true }, { title: 'QUEUE', right: true }, { title: 'PAGES/S', right: true },
      { title: 'P50', right: true }, { title: 'P95', right: true }, { title: 'RESTARTS', right: true }, { title: 'UPTIME', right: true }, { title: 'VERSION' }],
    instances.map(instanceRow),
  );
  const devices = instances.flatMap(deviceRows);
  const byDevice = devices.length === 0 ? '' : `\n\n${renderTable(
    [{ title: 'INSTANCE' }, { title: 'DEVICE' }, { title: 'STATE' }, { title: 'IN-FLIGHT', right: true },
      { title: 'DONE', right: true }, { title: 'FAILED', right: true }, { title: 'RESTARTS', right: true }, { title: 'MS/PAGE', right: true },
      { title: 'GPU', right: true }, { title: 'GPU MEM', right: true }, { title: 'TEMP', right: true }],
    devices,
  )}`;
  return `${head}\n\n${byInstance}${byDevice}\n`;
}
