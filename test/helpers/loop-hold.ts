/**
 * How long work held the event loop, in this thread's CPU time: a 5 ms timer ticks while the work
 * runs, and the most CPU the thread spent between two ticks (the first stretch included) is the
 * longest synchronous stretch. Unlike wall time (timer delay, monitorEventLoopDelay), it does not
 * grow while other processes have the CPU, so a loaded machine cannot fail a test that uses it,
 * while work done on the loop shows in full.
 */

/** This thread's CPU time so far, ms. */
export function threadCpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** Runs `work` and returns the longest it held the event loop, ms of CPU time. */
export async function longestHoldMs(work: () => Promise<void>): Promise<number> {
  let last = threadCpuMs();
  let longest = 0;
  const tick = (): void => {
    const now = threadCpuMs();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const ticker = setInterval(tick, 5);
  try {
    await work();
  } finally {
    clearInterval(ticker);
    tick();
  }
  return longest;
}
