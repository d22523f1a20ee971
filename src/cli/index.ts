#!/usr/bin/env node
/**
 * `doclayout` command line. Each sub-command lives in its own module under commands/ and
 * registers itself on the program; this file only wires them together.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerAnalyzeCommand } from './commands/analyze.js';
import { registerModelsCommand } from './commands/models.js';
import { registerServeCommand } from './commands/serve.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerStatusCommand } from './commands/status.js';
import { registerDeployCommand } from './commands/deploy.js';
import { registerWorkerCommand } from './commands/worker.js';
import { registerSubmitCommand } from './commands/submit.js';
import { registerJobsCommand } from './commands/jobs.js';
import { reportCliError } from './cli-error.js';

const require = createRequire(import.meta.url);
const { version } = require('../../../package.json') as { version: string };

function buildProgram(): Command {
  const program = new Command('doclayout')
    .description('PP-DocLayoutV3 document layout analysis: engine, multi-device pool, HTTP service')
    .version(version)
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });
  registerAnalyzeCommand(program);
  registerModelsCommand(program);
  registerServeCommand(program);
  registerBenchCommand(program);
  registerStatusCommand(program);
  registerDeployCommand(program);
  registerWorkerCommand(program);
  registerSubmitCommand(program);
  registerJobsCommand(program);
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.exitCode = reportCliError(err);
  });
