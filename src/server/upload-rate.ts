/**
 * A minimum transfer rate for request bodies (Apache's mod_reqtimeout MinRate): while a body is
 * arriving, each window must bring at least `minBytesPerS × windowMs` bytes. The upload timeout
 * bounds a whole request at 10 minutes so that a 50 MB file on a slow link gets through; a client
 * trickling a byte now and then would hold its connection (and its buffers) that long. This cuts
 * it within one to two windows, with a 408, while a slow but steady link is never near the floor.
 */
import type { IncomingMessage } from 'node:http';
import { RequestTimeoutError, type LayoutError } from '../errors.js';

interface UploadRateLimits {
  /** Bytes per second a body must keep up, averaged over each window (0 = off). */
  readonly minBytesPerS: number;
  /** Window the rate is measured over, ms: long enough to forgive a stalled moment on a real link. */
  readonly windowMs: number;
}

/**
 * Watches one request's body until it has arrived (or the socket closes). `onTooSlow` is called
 * once, with the error to answer, when a window brought fewer bytes than the floor.
 */
export function watchUploadRate(req: IncomingMessage, limits: UploadRateLimits, onTooSlow: (error: LayoutError) => void): void {
  const socket = req.socket;
  // (injected test requests have no real socket to measure)
  if (limits.minBytesPerS <= 0 || req.complete !== false || typeof socket?.bytesRead !== 'number') return;
  const floorBytes = (limits.minBytesPerS * limits.windowMs) / 1000;
  let last = socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete) return stop();
    const arrived = socket.bytesRead - last;
    last = socket.bytesRead;
    if (arrived >= floorBytes) return;
    stop();
    const rate = Math.round((arrived * 1000) / limits.windowMs);
    onTooSlow(RequestTimeoutError(`the body arrived at ${rate} B/s over ${limits.windowMs} ms, below the minimum of ${limits.minBytesPerS} B/s (minUploadBytesPerS)`));
  }, limits.windowMs);
  timer.unref();
  function stop(): void {
    clearInterval(timer);
    req.off('end', stop);
    socket.off('close', stop);
  }
  req.once('end', stop);
  socket.once('close', stop);
}
