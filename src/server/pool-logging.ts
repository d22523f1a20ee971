/**
 * The pool emits events; the server logs them (rule: pool emits, server logs with pino). Fields
 * first, then a fixed message, so log queries can match on the message.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { LayoutPool, PoolEvents } from '../pool/index.js';

/** Subscribes; returns the function that unsubscribes. */
export function logPoolEvents(pool: LayoutPool, log: FastifyBaseLogger): () => void {
  const onState = (e: PoolEvents['device-state']): void => {
    const fields = { gpu: e.device, index: e.index, state: e.state, reason: e.reason };
    if (e.state === 'failed') log.error(fields, 'device failed');
    else log.info(fields, 'device state');
  };
  const onExit = (e: PoolEvents['worker-exit']): void => {
    log.warn({ gpu: e.device, index: e.index, pid: e.pid, code: e.code, signal: e.signal, state: e.state, taskIds: e.taskIds, reqIds: e.requestIds }, 'worker exited');
  };
  const onRetry = (e: PoolEvents['task-retry']): void => {
    log.warn({ reqId: e.requestId, taskId: e.taskId, gpu: e.device, attempt: e.attempt, reason: e.reason }, 'task retried');
  };
  pool.on('device-state', onState);
  pool.on('worker-exit', onExit);
  pool.on('task-retry', onRetry);
  return () => {
    pool.off('device-state', onState);
    pool.off('worker-exit', onExit);
    pool.off('task-retry', onRetry);
  };
}
