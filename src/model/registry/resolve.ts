/**
 * Which model file to use: `--model PATH|NAME` → DOCLAYOUT_MODEL → the default model in the
 * model dir. Both arrive through Config, so precedence is config.ts's (flag over env).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config.js';
import { ModelNotFoundError, UnknownModelError } from '../../errors.js';
import { DEFAULT_MODEL_NAME, findKnownModel, knownModels } from './registry.js';

export function resolveModelPath(config: Pick<Config, 'model' | 'modelDir'>): string {
  const requested = config.model ?? DEFAULT_MODEL_NAME;
  const known = findKnownModel(requested);
  if (known && !fs.existsSync(requested)) {
    const file = path.join(config.modelDir, known.file);
    if (!fs.existsSync(file)) {
      throw ModelNotFoundError(file, `Download it with \`doclayout models pull ${known.name}\` (needs internet), or pass --model /path/to/model.onnx (env DOCLAYOUT_MODEL).`);
    }
    return file;
  }
  const file = path.resolve(requested);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw ModelNotFoundError(file, `Pass an existing .onnx file or one of: ${knownModels.map((m) => m.name).join(', ')}.`);
  }
  return file;
}
