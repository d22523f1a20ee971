/**
 * How every CLI command reports a failure: one line on stderr with the error code, and the exit
 * code to use (2 for bad usage, 1 for anything else).
 */
import { LayoutError, toLayoutError } from '../errors.js';

export function reportCliError(err: unknown): number {
  const error = toLayoutError(err);
  process.stderr.write(`doclayout: ${error.message} [${error.code}]\n`);
  if (error.code === 'LAYOUT_ERR_INTERNAL' && err instanceof Error && process.env.DOCLAYOUT_DEBUG) {
    process.stderr.write(`${err.stack ?? ''}\n`);
  }
  return error instanceof LayoutError && error.statusCode === 400 ? 2 : 1;
}
