/** One GPU's figures from one nvidia-smi poll: what the CSV parser yields and the telemetry serves. */
export interface GpuStats {
  /** nvidia-smi's index (the CUDA ordinal when CUDA_VISIBLE_DEVICES is unset). */
  index: number;
  name: string;
  /** NaN when the GPU cannot report it (e.g. under MIG). */
  utilizationPct: number;
  memoryUsedMb: number;
  memoryTotalMb: number;
  temperatureC: number;
  /** Absent when the board does not report power draw. */
  powerW?: number;
}
