/**
 * Lowers this process's CPU priority (raises its niceness) for every thread it has and will have.
 * On Linux each thread has its own nice value and a new thread inherits its creator's, so every
 * thread there is now (/proc/self/task: the main thread, V8's and libuv's) is reniced, and those
 * made later — the inference thread, onnxruntime's intra-op threads, the prep threads — inherit
 * it. Elsewhere the call applies to the whole process. Lowering needs no privilege; a value the
 * OS refuses (it could only mean raising the priority) leaves the thread as it was.
 */
import fs from 'node:fs';
import os from 'node:os';

/** Sets niceness `nice` on every thread of this process that runs at a higher priority. */
export function lowerPriority(nice: number): void {
  let threads: number[];
  try {
    threads = fs.readdirSync('/proc/self/task').map(Number).filter((tid) => Number.isInteger(tid) && tid > 0);
  } catch {
    threads = [0]; // no procfs: the process as a whole
  }
  for (const tid of threads) {
    try {
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
    } catch {
      // The thread ended meanwhile, or the OS refused: it keeps its priority.
    }
  }
}
