/**
 * `doclayout submit <files|dirs|globs> --redis URL [--wait] [--out DIR | --jsonl FILE]`: one
 * document job per input, one page job per page, run by the cluster's workers. Each document's
 * bytes go to Redis once, with a TTL (or, with --shared-path, only its path). --wait shows
 * progress page by page as the workers store them and writes results as documents complete, in
 * `analyze`'s layout. Killing the submitter loses nothing: submit again with the same --batch-id
 * to resume.
 */
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { OptionName } from '../../config.js';
import { checkSubmissionId, newSubmissionId, type DocumentRecord, type JobClient } from '../../jobs/index.js';
import { FORMAT_FLAG_HELP } from '../export-files.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';
import { expandInputs } from '../input-files.js';
import { addParamOptions, CLUSTER_OPTIONS, documentOptions, openClient, REMOVED_CLUSTER_OPTIONS } from '../job-flags.js';
import { SubmissionFollower } from '../submission-follow.js';
import { checkOutputTarget, SubmissionOutput, type OutputTarget } from '../submission-output.js';
import { createSubmissionProgress, type SubmissionProgressOptions } from '../submission-progress.js';

const SUBMIT_OPTIONS: readonly OptionName[] = [...CLUSTER_OPTIONS, 'pdfDpi', 'maxPdfPages', 'threshold'];
/** How often the submitter reads the pages stored since it last looked, ms. */
const LOOK_MS = 250;
/** The submission's record (documents' states, pages planned: no stream has them) is read every this many looks. */
const STATUS_EVERY_LOOKS = 2;

interface SubmitFlags extends OutputTarget, Record<string, unknown> {
  /** --batch-id: the submission's id (the flag keeps its name: names.ts). */
  batchId?: string;
  wait?: boolean;
  sharedPath?: boolean;
  callbackUrl?: string;
}

export function registerSubmitCommand(program: Command): void {
  const command = program
    .command('submit')
    .description('Queue images and PDFs on a cluster (files, folders — recursively — or globs)')
    .argument('<inputs...>', 'files, directories or glob patterns')
    .option('--batch-id <id>', 'name the batch (default: a new id); the same id again resumes it')
    .option('--wait', 'wait for the batch, showing progress, and write results as they complete')
    .option('-o, --out <dir>', 'with --wait: write <input-name>.json per input into this folder')
    .option('--jsonl <file>', 'with --wait: append one JSON line per page to this file ("-" = stdout)')
    .option('--format <list>', FORMAT_FLAG_HELP)
    .option('--shared-path', 'store paths instead of bytes: workers read the files from a shared filesystem')
    .option('--callback-url <url>', 'POST each document\'s final status here');
  addParamOptions(command);
  addConfigOptions(command, SUBMIT_OPTIONS, REMOVED_CLUSTER_OPTIONS);
  command.action(async (inputs: string[], flags: SubmitFlags) => {
    const config = configFromOptions(flags, SUBMIT_OPTIONS);
    checkOutputTarget(flags);
    const options = documentOptions(config, flags, flags.callbackUrl);
    const client = openClient(config);
    try {
      process.exitCode = await runSubmit(client, inputs, flags, options);
    } finally {
      await client.cluster.close();
    }
  });
}

async function runSubmit(client: JobClient, inputs: string[], flags: SubmitFlags, options: ReturnType<typeof documentOptions>): Promise<number> {
  const submissionId = flags.batchId ? checkSubmissionId(flags.batchId) : newSubmissionId();
  const { files, missing } = await expandInputs(inputs);
  for (const arg of missing) process.stderr.write(`doclayout: no input matches ${arg}\n`);
  if (files.length === 0) {
    process.stderr.write('doclayout: nothing to submit\n');
    return 1;
  }
  await client.createSubmission(submissionId);
  let created = 0;
  for (const file of files) {
    const input = flags.sharedPath ? { name: file.relative, path: file.path } : { name: file.relative, bytes: await fsp.readFile(file.path) };
    if ((await client.submitDocument(submissionId, input, options)).created) created += 1;
  }
  process.stderr.write(`batch ${submissionId}: ${created} document(s) queued${created < files.length ? `, ${files.length - created} already in the batch` : ''}\n`);
  if (!flags.wait) {
    process.stdout.write(`${submissionId}\n`);
    return 0;
  }
  return waitForSubmission(client, submissionId, flags);
}

/**
 * Follows the submission to its end, page by page as the workers store them, writing results as
 * documents finish. Exit code 1 if any failed.
 */
export async function waitForSubmission(client: JobClient, submissionId: string, target: OutputTarget, options: SubmissionProgressOptions = {}): Promise<number> {
  const output = new SubmissionOutput(client, target);
  await output.prepare();
  const follower = new SubmissionFollower(client, submissionId);
  const progress = createSubmissionProgress(options);
  const stream = options.stream ?? process.stderr;
  try {
    for (let look = 0; ; look++) {
      const readStatus = look % STATUS_EVERY_LOOKS === 0;
      const seen = await follower.look(readStatus);
      progress.pages(seen.pages, seen.counts);
      // Read before the results are written: writing them removes them from Redis.
      const failedPages = await Promise.all(seen.finished.map((doc) => failedPageLines(client, doc)));
      if (seen.finished.length > 0) await output.writeFinished({ ...seen.status, documents: seen.finished });
      for (const [i, doc] of seen.finished.entries()) progress.documentFinished(doc, seen.counts, failedPages[i]!);
      if (seen.ended) {
        progress.stop();
        const { status } = seen;
        const failed = status.documents.filter((d) => d.state === 'failed');
        stream.write(`\nbatch ${submissionId} ${status.state}: ${status.docsCompleted} ok, ${failed.length} failed; ${status.pagesDone} pages\n`);
        for (const doc of failed) stream.write(`  failed: ${doc.name}: ${doc.error?.message ?? 'unknown'} [${doc.error?.code ?? '?'}]\n`);
        return status.state === 'completed' ? 0 : 1;
      }
      await sleep(LOOK_MS);
    }
  } finally {
    progress.stop();
  }
}

/** "page N: why [code]" for each page of a finished document that failed alone (its results still in Redis). */
async function failedPageLines(client: JobClient, doc: DocumentRecord): Promise<string[]> {
  if (doc.pagesFailed === 0 || doc.state !== 'completed' || doc.fetchedAt !== undefined) return [];
  const outcomes = await client.outcomes(doc.docId);
  return outcomes.flatMap((o) => (o.ok ? [] : [`page ${o.page}: ${o.error.message} [${o.error.code}]`]));
}
