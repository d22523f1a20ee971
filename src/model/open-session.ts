/**
 * A model session on its own: what the model layer owns. The pipeline (src/pipeline) runs the
 * stages around it, in process or on a device worker's threads. onnxruntime is imported here,
 * on first use, so threads that only decode, resize and post-process can import this layer
 * without loading the native runtime.
 */
import type { LayoutSession, SessionOptions } from './runtime/session.js';

export async function openSession(modelPath: string, options: SessionOptions = {}): Promise<LayoutSession> {
  const { createSession } = await import('./runtime/session.js');
  return createSession(modelPath, options);
}
