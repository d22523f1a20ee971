/**
 * Parses what `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` prints. nvidia-smi writes
 * "[N/A]" or "[Not Supported]" (older drivers: "N/A") for a figure a GPU cannot report — power on
 * many consumer boards, utilisation under MIG — so a missing figure must never drop the GPU or
 * stop the parse: required figures become NaN (Prometheus' "unknown", `null` in JSON) and the
 * optional power draw is left out.
 */
import type { GpuStats } from './gpu-stats.js';

/** The fields asked for, in the order the parser reads them. */
const NVIDIA_SMI_FIELDS = ['index', 'name', 'utilization.gpu', 'memory.used', 'memory.total', 'temperature.gpu', 'power.draw'] as const;

/** Full argument list for execFile: never a shell string. */
export const NVIDIA_SMI_ARGS: readonly string[] = [`--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/** Numbers after the name; the name itself may contain commas, so the row is split from both ends. */
const NUMERIC_AFTER_NAME = NVIDIA_SMI_FIELDS.length - 2;

function number(field: string | undefined): number {
  const text = (field ?? '').trim();
  // "[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "" — anything that is not a plain number.
  if (!/^-?\d+(\.\d+)?$/.test(text)) return Number.NaN;
  return Number(text);
}

/** One GPU per non-empty line; lines that do not have the expected shape are skipped. */
export function parseNvidiaSmiCsv(text: string): GpuStats[] {
  const gpus: GpuStats[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '') continue;
    const cells = line.split(',');
    if (cells.length < NVIDIA_SMI_FIELDS.length) continue;
    const index = number(cells[0]);
    if (!Number.isInteger(index)) continue;
    const tail = cells.slice(cells.length - NUMERIC_AFTER_NAME).map(number);
    const name = cells.slice(1, cells.length - NUMERIC_AFTER_NAME).join(',').trim();
    const [utilizationPct, memoryUsedMb, memoryTotalMb, temperatureC, powerW] = tail as [number, number, number, number, number];
    const gpu: GpuStats = { index, name, utilizationPct, memoryUsedMb, memoryTotalMb, temperatureC };
    gpus.push(Number.isNaN(powerW) ? gpu : { ...gpu, powerW });
  }
  return gpus.sort((a, b) => a.index - b.index);
}
