/**
 * The loaded model's identity, owned by the engine alone: the file, the name its devices report,
 * and the file's sha256 — the model's part of every cache key and stored result. Hashing streams
 * the file (a 130 MB model takes well under a second) and happens before any device loads it.
 */
import path from 'node:path';
import { sha256File } from '../model/index.js';

export interface ModelIdentity {
  /** The model file the devices run. */
  readonly path: string;
  /** The name the devices report (the model's metadata, else the file's base name). */
  readonly name: string;
  /** sha256 (hex) of the file's bytes. */
  readonly sha256: string;
}

/** The file's identity before a device has loaded it: its name is the file's base name until one reports it. */
export async function identifyModelFile(file: string): Promise<ModelIdentity> {
  return { path: file, name: path.basename(file, '.onnx'), sha256: await sha256File(file) };
}

export function sameIdentity(a: ModelIdentity, b: ModelIdentity): boolean {
  return a.path === b.path && a.name === b.name && a.sha256 === b.sha256;
}
