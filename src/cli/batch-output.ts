/**
 * Writes the finished documents of a batch where `analyze` would have (`--out DIR` or
 * `--jsonl FILE`), each once: a document's results are deleted from Redis after they are on
 * disk, and its record marked fetched, so a re-run (submit again with the same batch id, or
 * `jobs results`) writes only what is new.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { InvalidParamError } from '../errors.js';
import type { BatchStatus, DocumentRecord, JobClient } from '../jobs/index.js';
import { jsonlLines, writeDocumentJson } from './result-files.js';

export interface OutputTarget {
  readonly out?: string;
  /** A file, or "-" for stdout. */
  readonly jsonl?: string;
}

export function checkOutputTarget(target: OutputTarget): void {
  if (target.out && target.jsonl) throw InvalidParamError('--out', 'give --out DIR or --jsonl FILE, not both');
}

export class BatchOutput {
  readonly #client: JobClient;
  readonly #target: OutputTarget;
  readonly #written = new Set<string>();

  constructor(client: JobClient, target: OutputTarget) {
    this.#client = client;
    this.#target = target;
  }

  get enabled(): boolean {
    return Boolean(this.#target.out || this.#target.jsonl);
  }

  /** Writes every completed, not yet fetched document of the batch; returns those it wrote. */
  async writeFinished(status: BatchStatus): Promise<DocumentRecord[]> {
    const written: DocumentRecord[] = [];
    if (!this.enabled) return written;
    for (const doc of status.documents) {
      if (doc.state !== 'completed' || doc.fetchedAt !== undefined || this.#written.has(doc.docId)) continue;
      const outcomes = await this.#client.outcomes(doc.docId);
      const pages = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
      // Results expired before anyone fetched them: nothing to write, and nothing to mark.
      if (pages.length === 0) continue;
      if (this.#target.out) {
        await writeDocumentJson(this.#target.out, { relative: doc.name, pdf: Boolean(doc.pdf), pageCount: doc.pageCount ?? pages.length, pages });
      }
      if (this.#target.jsonl === '-') process.stdout.write(jsonlLines(pages));
      else if (this.#target.jsonl) await fsp.appendFile(this.#target.jsonl, jsonlLines(pages));
      this.#written.add(doc.docId);
      await this.#client.markFetched(doc);
      written.push(doc);
    }
    return written;
  }

  async prepare(): Promise<void> {
    if (this.#target.out) await fsp.mkdir(this.#target.out, { recursive: true });
    if (this.#target.jsonl && this.#target.jsonl !== '-' && !fs.existsSync(this.#target.jsonl)) await fsp.writeFile(this.#target.jsonl, '');
  }
}
