/**
 * `doclayout submit <files|dirs|globs> --redis URL [--wait] [--out DIR | --jsonl FILE]`: one
 * document job per input, one page job per page, run by the cluster's workers. Each document's
 * bytes go to Redis once, with a TTL (or, with --shared-path, only its path). --wait shows the
 * cluster's progress and writes results as documents complete, in `analyze`'s layout. Killing
 * the submitter loses nothing: submit again with the same --batch-id to resume.
 */
import fsp from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { OptionName } from '../../config.js';
import { FINISHED_STATES, checkBatchId, newBatchId, type JobClient } from '../../jobs/index.js';
import { FORMAT_FLAG_HELP } from '../export-files.js';
import { BatchOutput, checkOutputTarget, type OutputTarget } from '../batch-output.js';
import { createBatchProgress } from '../batch-progress.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';
import { expandInputs } from '../input-files.js';
import { addParamOptions, CLUSTER_OPTIONS, documentOptions, openClient, REMOVED_CLUSTER_OPTIONS } from '../job-flags.js';

const SUBMIT_OPTIONS: readonly OptionName[] = [...CLUSTER_OPTIONS, 'pdfDpi', 'maxPdfPages', 'threshold'];
/** How often the submitter reads the batch's progress, ms. */
const POLL_MS = 500;

interface SubmitFlags extends OutputTarget, Record<string, unknown> {
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
  const batchId = flags.batchId ? checkBatchId(flags.batchId) : newBatchId();
  const { files, missing } = await expandInputs(inputs);
  for (const arg of missing) process.stderr.write(`doclayout: no input matches ${arg}\n`);
  if (files.length === 0) {
    process.stderr.write('doclayout: nothing to submit\n');
    return 1;
  }
  await client.createBatch(batchId);
  let created = 0;
  for (const file of files) {
    const input = flags.sharedPath ? { name: file.relative, path: file.path } : { name: file.relative, bytes: await fsp.readFile(file.path) };
    if ((await client.submitDocument(batchId, input, options)).created) created += 1;
  }
  process.stderr.write(`batch ${batchId}: ${created} document(s) queued${created < files.length ? `, ${files.length - created} already in the batch` : ''}\n`);
  if (!flags.wait) {
    process.stdout.write(`${batchId}\n`);
    return 0;
  }
  return waitForBatch(client, batchId, flags);
}

/** Follows the batch to its end, writing results as documents finish. Exit code 1 if any failed. */
export async function waitForBatch(client: JobClient, batchId: string, target: OutputTarget): Promise<number> {
  const output = new BatchOutput(client, target);
  await output.prepare();
  const progress = createBatchProgress();
  const reported = new Set<string>();
  try {
    for (;;) {
      const status = await client.status(batchId);
      if (!status) throw new Error(`batch ${batchId} is gone (expired?)`);
      await output.writeFinished(status);
      progress.update(status);
      for (const doc of status.documents) {
        if (FINISHED_STATES.includes(doc.state) && !reported.has(doc.docId)) {
          reported.add(doc.docId);
          progress.documentFinished(doc);
        }
      }
      if (status.state !== 'queued' && status.state !== 'running') {
        progress.stop();
        const failed = status.documents.filter((d) => d.state === 'failed');
        process.stderr.write(`\nbatch ${batchId} ${status.state}: ${status.docsCompleted} ok, ${failed.length} failed; ${status.pagesDone} pages\n`);
        for (const doc of failed) process.stderr.write(`  failed: ${doc.name}: ${doc.error?.message ?? 'unknown'} [${doc.error?.code ?? '?'}]\n`);
        return status.state === 'completed' ? 0 : 1;
      }
      await sleep(POLL_MS);
    }
  } finally {
    progress.stop();
  }
}
