/**
 * `doclayout jobs list|status|results|cancel [batch-id]`: look after submissions on a cluster
 * (users know them as batches: the commands, arguments and JSON keep that name, names.ts).
 * `results` writes the finished documents not fetched yet (then removes them from Redis);
 * `status --json` prints the submission's record for scripts.
 */
import type { Command } from 'commander';
import type { OptionName } from '../../config.js';
import { InvalidParamError, JobNotFoundError } from '../../errors.js';
import { checkSubmissionId, submissionJson, type JobClient, type SubmissionStatus } from '../../jobs/index.js';
import { FORMAT_FLAG_HELP } from '../export-files.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';
import { CLUSTER_OPTIONS, openClient, REMOVED_CLUSTER_OPTIONS } from '../job-flags.js';
import { checkOutputTarget, SubmissionOutput, type OutputTarget } from '../submission-output.js';
import { waitForSubmission } from './submit.js';

const JOBS_OPTIONS: readonly OptionName[] = CLUSTER_OPTIONS;

async function withClient(flags: Record<string, unknown>, run: (client: JobClient) => Promise<number>): Promise<void> {
  const client = openClient(configFromOptions(flags, JOBS_OPTIONS));
  try {
    process.exitCode = await run(client);
  } finally {
    await client.cluster.close();
  }
}

async function mustStatus(client: JobClient, submissionId: string): Promise<SubmissionStatus> {
  const status = await client.status(checkSubmissionId(submissionId));
  if (!status) throw JobNotFoundError(submissionId);
  return status;
}

function summaryLine(s: Pick<SubmissionStatus, 'submissionId' | 'docsTotal' | 'docsCompleted' | 'docsFailed' | 'pagesTotal' | 'pagesDone' | 'createdAt'> & { state: string }): string {
  return `${s.submissionId}  ${s.state.padEnd(9)}  docs ${s.docsCompleted + s.docsFailed}/${s.docsTotal} (${s.docsFailed} failed)  pages ${s.pagesDone}/${s.pagesTotal}  ${new Date(s.createdAt).toISOString()}`;
}

export function registerJobsCommand(program: Command): void {
  const jobs = program.command('jobs').description('List, follow, fetch and cancel batches on a cluster (--redis)');

  addConfigOptions(jobs.command('list').description('Batches, newest first').option('--json', 'print JSON'), JOBS_OPTIONS, REMOVED_CLUSTER_OPTIONS)
    .action((flags: Record<string, unknown>) => withClient(flags, async (client) => {
      const submissions = await client.listSubmissions();
      const statuses = (await Promise.all(submissions.map((s) => client.status(s.submissionId)))).filter((s): s is SubmissionStatus => s !== undefined);
      if (flags.json) process.stdout.write(`${JSON.stringify(statuses.map(({ documents: _d, ...rest }) => submissionJson(rest)), null, 2)}\n`);
      else for (const s of statuses) process.stdout.write(`${summaryLine(s)}\n`);
      return 0;
    }));

  addConfigOptions(jobs.command('status').description('One batch: its state and each document\'s').argument('<batch-id>').option('--json', 'print JSON'), JOBS_OPTIONS, REMOVED_CLUSTER_OPTIONS)
    .action((submissionId: string, flags: Record<string, unknown>) => withClient(flags, async (client) => {
      const status = await mustStatus(client, submissionId);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(submissionJson(status), null, 2)}\n`);
      } else {
        process.stdout.write(`${summaryLine(status)}\n`);
        for (const doc of status.documents) {
          const error = doc.error ? `  ${doc.error.code}: ${doc.error.message}` : '';
          process.stdout.write(`  ${doc.state.padEnd(9)} ${String(doc.pagesDone).padStart(4)}/${String(doc.pages?.length ?? '?').padEnd(4)} ${doc.name}${doc.fetchedAt ? '  (fetched)' : ''}${error}\n`);
        }
      }
      return status.state === 'failed' ? 1 : 0;
    }));

  addConfigOptions(
    jobs.command('results').description('Write the batch\'s finished documents not fetched yet, like `analyze` would')
      .argument('<batch-id>')
      .option('-o, --out <dir>', 'write <input-name>.json per input into this folder')
      .option('--jsonl <file>', 'append one JSON line per page to this file ("-" = stdout)')
      .option('--format <list>', FORMAT_FLAG_HELP)
      .option('--wait', 'follow the batch to its end, writing results as they complete'),
    JOBS_OPTIONS,
    REMOVED_CLUSTER_OPTIONS,
  ).action((submissionId: string, flags: OutputTarget & Record<string, unknown>) => withClient(flags, async (client) => {
    checkOutputTarget(flags);
    if (!flags.out && !flags.jsonl) throw InvalidParamError('--out', 'give --out DIR or --jsonl FILE');
    if (flags.wait) return waitForSubmission(client, checkSubmissionId(submissionId), flags);
    const output = new SubmissionOutput(client, flags);
    await output.prepare();
    const written = await output.writeFinished(await mustStatus(client, submissionId));
    process.stderr.write(`${written.length} document(s) written\n`);
    return 0;
  }));

  addConfigOptions(jobs.command('cancel').description('Cancel the batch: waiting pages are dropped, running ones end').argument('<batch-id>'), JOBS_OPTIONS, REMOVED_CLUSTER_OPTIONS)
    .action((submissionId: string, flags: Record<string, unknown>) => withClient(flags, async (client) => {
      const status = await client.cancel(checkSubmissionId(submissionId));
      if (!status) throw JobNotFoundError(submissionId);
      process.stdout.write(`${summaryLine(status)}\n`);
      return 0;
    }));
}
