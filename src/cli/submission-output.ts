/**
 * Writes the finished documents of a submission where `analyze` would have (`--out DIR` or
 * `--jsonl FILE`), each once: a document's results are deleted from Redis after they are on
 * disk, and its record marked fetched, so a re-run (submit again with the same --batch-id, or
 * `jobs results`) writes only what is new.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { InvalidParamError } from '../errors.js';
import type { DocumentRecord, JobClient, SubmissionStatus } from '../jobs/index.js';
import type { ExportFormat } from '../export/index.js';
import { CocoCollector, parseFormats, writeFormatFiles } from './export-files.js';
import { jsonlLines, writeDocumentJson } from './result-files.js';

export interface OutputTarget {
  readonly out?: string;
  /** A file, or "-" for stdout. */
  readonly jsonl?: string;
  /** --format: json (default), page, alto, coco, comma-separated; needs --out. */
  readonly format?: string;
}

export function checkOutputTarget(target: OutputTarget): void {
  if (target.out && target.jsonl) throw InvalidParamError('--out', 'give --out DIR or --jsonl FILE, not both');
  parseFormats(target.format);
  if (target.format !== undefined && !target.out) throw InvalidParamError('--format', 'needs --out DIR');
}

export class SubmissionOutput {
  readonly #client: JobClient;
  readonly #target: OutputTarget;
  readonly #written = new Set<string>();
  readonly #formats: readonly ExportFormat[];
  /** COCO: one dataset of the documents this run wrote, rewritten as more arrive. */
  readonly #coco: CocoCollector | undefined;

  constructor(client: JobClient, target: OutputTarget) {
    this.#client = client;
    this.#target = target;
    this.#formats = parseFormats(target.format);
    this.#coco = this.#formats.includes('coco') ? new CocoCollector() : undefined;
  }

  get enabled(): boolean {
    return Boolean(this.#target.out || this.#target.jsonl);
  }

  /** Writes every completed, not yet fetched document of the submission; returns those it wrote. */
  async writeFinished(status: SubmissionStatus): Promise<DocumentRecord[]> {
    const written: DocumentRecord[] = [];
    if (!this.enabled) return written;
    for (const doc of status.documents) {
      if (doc.state !== 'completed' || doc.fetchedAt !== undefined || this.#written.has(doc.docId)) continue;
      const outcomes = await this.#client.outcomes(doc.docId);
      const pages = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
      // Results expired before anyone fetched them: nothing to write, and nothing to mark.
      if (pages.length === 0) continue;
      if (this.#target.out) {
        const exported = { relative: doc.name, pdf: Boolean(doc.pdf), pages };
        await writeFormatFiles(this.#target.out, exported, this.#formats, {});
        await this.#coco?.add(this.#target.out, exported);
        if (this.#formats.includes('json')) await writeDocumentJson(this.#target.out, { ...exported, pageCount: doc.pageCount ?? pages.length });
      }
      if (this.#target.jsonl === '-') process.stdout.write(jsonlLines(pages));
      else if (this.#target.jsonl) await fsp.appendFile(this.#target.jsonl, jsonlLines(pages));
      this.#written.add(doc.docId);
      await this.#client.markFetched(doc);
      written.push(doc);
    }
    if (this.#coco && this.#target.out && written.length > 0) await this.#coco.write(this.#target.out, {});
    return written;
  }

  async prepare(): Promise<void> {
    if (this.#target.out) await fsp.mkdir(this.#target.out, { recursive: true });
    if (this.#target.jsonl && this.#target.jsonl !== '-' && !fs.existsSync(this.#target.jsonl)) await fsp.writeFile(this.#target.jsonl, '');
  }
}
