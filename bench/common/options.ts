/**
 * Command-line options shared by the benchmarks. `--quick` (or BENCH_QUICK=1) is a smoke run:
 * few rounds and little work, to see that a benchmark still runs end to end. Its figures prove
 * nothing: it never meets a target (too few rounds, see stats.ts) and its JSON goes to the
 * system's temp folder, never to bench/results/.
 */

export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

/**
 * A positive integer from `--name N`, else env `envName`, else `fallback` (or `quickFallback`
 * under --quick).
 */
export function intOption(name: string, envName: string, fallback: number, quickFallback = fallback): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[envName];
  const value = raw === undefined ? (quick ? quickFallback : fallback) : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} (${envName}) expects a positive integer, got ${raw}`);
  return value;
}

/** A comma-separated list of positive integers, e.g. concurrencies "1,2,4,8". */
export function intListOption(name: string, envName: string, fallback: string, quickFallback = fallback): number[] {
  const i = process.argv.indexOf(`--${name}`);
  const raw = (i >= 0 ? process.argv[i + 1] : process.env[envName]) ?? (quick ? quickFallback : fallback);
  const values = raw.split(',').map(Number);
  if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--${name} (${envName}) expects positive integers like 1,2,4, got ${raw}`);
  return values;
}

export function stringOption(name: string, envName: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : process.env[envName]) ?? fallback;
}
