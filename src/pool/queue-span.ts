/**
 * A traced page's `pool.queue` span: from admission (its priority class and tenant as attributes)
 * to the moment a device takes it (the device and batch size added), or to its end when it never
 * reached one (refused at admission, deadline, abort, no device).
 */
import type { LayoutError } from '../errors.js';
import { failSpan, tracer, type Span } from '../tracing/index.js';
import type { PriorityClass } from './types.js';

export interface QueueSpan {
  /** A device took the page in a batch of `batchSize`. */
  dispatched(device: string, batchSize: number): void;
  /** The task ended; a span still open ends here (failed when `error`). */
  end(error?: LayoutError): void;
}

export function queueSpan(priority: PriorityClass, tenant: string): QueueSpan {
  const span: Span = tracer().startSpan('pool.queue', { attributes: { 'doclayout.priority': priority, 'doclayout.tenant': tenant } });
  let open = true;
  return {
    dispatched(device, batchSize) {
      if (!open) return;
      open = false;
      span.setAttributes({ 'doclayout.device': device, 'doclayout.batch.size': batchSize });
      span.end();
    },
    end(error) {
      if (!open) return;
      open = false;
      if (error) failSpan(span, error);
      span.end();
    },
  };
}
