/**
 * `npm run bench:hostile` (issue 21): the generated hostile corpus (hostile-corpus.ts) over every
 * input route shape of a real `doclayout serve` on 127.0.0.1, then the fault scenarios (a device
 * worker SIGKILLed mid-load; SIGTERM mid-upload). Reports per route a status histogram, 5xx
 * answers to client errors (must be 0), requests lost (accepted, never answered, or a job never
 * finished: must be 0), results given twice (0), the worst event-loop lag the server reported,
 * and process-tree RSS (server + device workers) at rest, at peak, after the corpus and once idle.
 * The model is the tiny fixture model: this measures the server's handling of hostile input, not
 * inference. Bounded: files still unsent when --budget-s (default 420) runs out are skipped and
 * counted. --quick: a smaller corpus, short idle wait, JSON to the temp folder. --kinds
 * pdf-bomb,…: only those kinds of file; --no-faults: corpus and memory only.
 * Writes bench/results/hostile-<time>.json.
 */
import { performance } from 'node:perf_hooks';
import { writeFixtureModel } from '../../test/fixtures/fixture-model.js';
import { intOption, quick, stringOption } from '../common/options.js';
import { writeResults } from '../common/results.js';
import { hostileCorpus, type CorpusFile } from './hostile-corpus.js';
import { histogram, sigtermMidUpload, workerKilledMidLoad } from './hostile-faults.js';
import { ROUTES, sendOver, type Outcome } from './hostile-routes.js';
import { readTree, serverStatus, TreeSampler } from './process-tree.js';
import { startServe, waitReady } from './serve-process.js';

const budgetS = intOption('budget-s', 'BENCH_BUDGET_S', 420, 90);
const concurrency = intOption('concurrency', 'BENCH_CONCURRENCY', 4, 4);
/** Past the PDF threads' idle timeout and a few idle-recycle checks of the workers, s. */
const settleS = intOption('settle-s', 'BENCH_SETTLE_S', 60, 20);
/** --kinds pdf-bomb,image-bomb: only those kinds of file (all when absent). */
const kinds = stringOption('kinds', 'BENCH_KINDS', '').split(',').filter(Boolean);
/** --no-faults: the corpus and the memory readings only. */
const faults = !process.argv.includes('--no-faults');
/** Server flags, in the results: a production-like cap on PDF pages, two CPU workers. */
const SERVE_FLAGS = ['--devices', 'cpu:2', '--cpu-threads', '2', '--max-pdf-pages', '200', '--pdf-page-timeout-ms', '20000', '--log-level', 'warn', '--gpu-telemetry-ms', '0'];

const started = performance.now();
const corpus = (await hostileCorpus({ quick })).filter((f) => kinds.length === 0 || kinds.includes(f.kind) || f.kind === 'valid');
const byName = (name: string): CorpusFile => corpus.find((f) => f.name === name)!;
const control = byName('valid.png');
process.stderr.write(`bench:hostile — ${corpus.length} files × ${ROUTES.length} route shapes, budget ${budgetS} s\n`);

const modelPath = writeFixtureModel({ variant: 'v3' });
const server = await startServe(modelPath, SERVE_FLAGS);
const pid = server.child.pid!;
await waitReady(server.url);
// Warm: one good page and one good PDF on each route shape, so "at rest" is a served state.
for (const route of ROUTES) for (const f of [control, byName('valid.pdf')]) await sendOver(server.url, route, f, control);
const atRest = await readTree(server.url, pid);
const sampler = new TreeSampler(server.url, pid);
sampler.start();

// The corpus: every (file, route) pair, bombs spread through the run, `concurrency` at a time.
const pairs = corpus.flatMap((file) => ROUTES.map((route) => ({ file, route })));
const deadline = performance.now() + budgetS * 1000;
const outcomes: Outcome[] = [];
let next = 0;
let skipped = 0;
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < pairs.length) {
    const pair = pairs[next++]!;
    if (performance.now() > deadline) {
      skipped += 1;
      continue;
    }
    outcomes.push(await sendOver(server.url, pair.route, pair.file, control));
  }
}));
const afterCorpus = await readTree(server.url, pid);

sampler.stop();
const peak = { ...sampler.peak, serverMb: sampler.peakServerMb, serverThreads: sampler.peakServerThreads };
// Idle before the faults: a killed worker's replacement would start from a clean slate.
await new Promise((resolve) => setTimeout(resolve, settleS * 1000));
const idle = await readTree(server.url, pid);
const recycles = (await serverStatus(server.url)).devices.map((d) => d.recycles ?? 0);
const lagAfterSettle = new TreeSampler(server.url, pid);
lagAfterSettle.start();
const killed = faults ? await workerKilledMidLoad(server.url, { png: control, pdf: byName('valid.pdf') }) : 'not run';
lagAfterSettle.stop();
const drain = faults ? await sigtermMidUpload(server.url, server.child, control) : 'not run';

const perRoute = Object.fromEntries(ROUTES.map((route) => [route, histogram(outcomes.filter((o) => o.route === route))]));
const serverErrors = outcomes.filter((o) => o.status >= 500);
const clientErrorsAnswered5xx = serverErrors.filter((o) => o.kind !== 'valid');
const lost = outcomes.filter((o) => o.status === 0 || o.jobState === 'unfinished');
const figures = {
  serveFlags: SERVE_FLAGS,
  model: 'fixture (tiny, generated): hostile handling, not inference speed',
  ...(kinds.length > 0 ? { kinds } : {}),
  corpus: { files: corpus.length, byKind: corpus.reduce<Record<string, number>>((n, f) => ({ ...n, [f.kind]: (n[f.kind] ?? 0) + 1 }), {}) },
  requests: outcomes.length,
  skippedOverBudget: skipped,
  perRoute,
  fiveXxForClientErrors: clientErrorsAnswered5xx.length,
  fiveXx: serverErrors.map((o) => ({ route: o.route, file: o.file, status: o.status, code: o.code })),
  lost: lost.length,
  lostDetail: lost.map((o) => ({ route: o.route, file: o.file, transportError: o.transportError, jobState: o.jobState })),
  duplicated: outcomes.filter((o) => o.duplicated).length,
  errorsWithoutCode: outcomes.filter((o) => o.uncoded).map((o) => ({ route: o.route, file: o.file, status: o.status })),
  eventLoopMaxLagMs: Math.max(sampler.maxLagMs, lagAfterSettle.maxLagMs),
  memoryMb: { atRest, peak, afterCorpus, idle, settleS, recyclesAtIdle: recycles },
  faults: { workerKilledMidLoad: killed, sigtermMidUpload: drain },
  wallS: Math.round((performance.now() - started) / 1000),
};
console.log(JSON.stringify({ ...figures, fiveXx: figures.fiveXx.length, lostDetail: undefined, errorsWithoutCode: figures.errorsWithoutCode.length }, null, 1));
console.log(`results: ${writeResults('hostile', figures)}`);
if (server.child.exitCode === null) server.child.kill('SIGKILL');
