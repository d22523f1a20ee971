/**
 * The model's part of a cache key: the sha256 of the model file, recomputed only when the file
 * (path, size or mtime) changes — so a model reloaded from a new file never answers from the old
 * one's cache entries. Hashing streams the file; a 130 MB model takes well under a second.
 */
import fs from 'node:fs';
import { sha256File } from '../model/index.js';

export function modelIdentity(currentPath: () => string | undefined, fallback: () => string): () => Promise<string> {
  let memo: { stamp: string; sha: Promise<string> } | undefined;
  return async () => {
    const file = currentPath();
    const stat = file ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
    if (!file || !stat) return `model:${fallback()}`;
    const stamp = `${file}:${stat.size}:${stat.mtimeMs}`;
    if (memo?.stamp !== stamp) memo = { stamp, sha: sha256File(file) };
    return memo.sha;
  };
}
