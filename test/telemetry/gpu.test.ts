/**
 * The poller against real executables: small shell scripts in nvidia-smi's place that print its
 * output, fail, hang or count their runs — the parts a CPU-only CI host can exercise.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGpuTelemetry } from '../../src/telemetry/gpu.js';
import { H100_NODE } from './nvidia-smi-samples.js';

const skip = process.platform === 'win32' ? 'shell scripts stand in for nvidia-smi' : false;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-gpu-test-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let scripts = 0;
function script(body: string): string {
  const file = path.join(dir, `tool-${scripts++}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return file;
}

function runs(counter: string): number {
  return fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8').length : 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('polls the tool with the query arguments and exposes the parsed GPUs', { skip, timeout: 10_000 }, async () => {
  const argsFile = path.join(dir, 'args.txt');
  const tool = script(`printf '%s\\n' "$@" > '${argsFile}'\ncat <<'EOF'\n${H100_NODE}EOF`);
  const telemetry = createGpuTelemetry({ intervalMs: 60_000, command: tool });
  try {
    const gpus = await telemetry.refresh();
    assert.equal(gpus.length, 8);
    assert.equal(telemetry.snapshot(), gpus);
    assert.equal(telemetry.available, true);
    assert.equal(gpus[7]!.temperatureC, 36);
    assert.deepEqual(fs.readFileSync(argsFile, 'utf8').trim().split('\n'), [
      '--query-gpu=index,name,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
      '--format=csv,noheader,nounits',
    ]);
  } finally {
    telemetry.close();
  }
});

test('a missing tool gives an empty snapshot, one note, and no further attempts', { skip, timeout: 10_000 }, async () => {
  const notes: string[] = [];
  const telemetry = createGpuTelemetry({ intervalMs: 10, command: path.join(dir, 'no-such-nvidia-smi'), onDebug: (m) => notes.push(m) });
  try {
    assert.deepEqual(await telemetry.refresh(), []);
    assert.equal(telemetry.available, false);
    // Twenty periods later: a poller that kept retrying would have noted each ENOENT.
    await sleep(200);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /ENOENT/);
    assert.deepEqual(telemetry.snapshot(), []);
  } finally {
    telemetry.close();
  }
});

test('a failing tool empties the snapshot, is noted once and retried with doubling delays up to 12 periods', { skip, timeout: 30_000 }, async () => {
  const stamps = path.join(dir, 'fail-stamps');
  // Each run appends its start time in ms (perl starts in milliseconds and is on every Debian and
  // macOS; date +%N is GNU only): the gaps between runs are measured where they happen.
  const tool = script(`perl -MTime::HiRes=time -e 'printf("%.3f\\n", time() * 1000)' >> '${stamps}'\necho "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2\nexit 9`);
  const notes: string[] = [];
  const periodMs = 50;
  const telemetry = createGpuTelemetry({ intervalMs: periodMs, command: tool, onDebug: (m) => notes.push(m) });
  const starts = (): number[] => (fs.existsSync(stamps) ? fs.readFileSync(stamps, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  try {
    // Runs 1–6: after failure k the next run waits min(2^k, 12) periods: 100, 200, 400, 600, 600 ms.
    const deadline = Date.now() + 15_000;
    while (starts().length < 6) {
      assert.ok(Date.now() < deadline, `only ${starts().length} runs in 15 s`);
      await sleep(20);
    }
    const at = starts();
    const gaps = at.slice(1, 6).map((t, i) => t - at[i]!);
    // A timer never fires early and each gap also holds a run, so each gap is at least its delay:
    // fixed polling (50 ms) fails these bounds. At the cap gaps 4 and 5 are equal but for the time
    // a run takes (which a busy machine stretches alike); a delay that kept doubling would make
    // gap 5 800 ms longer than gap 4 (1600 vs 800 ms).
    const shown = gaps.map((g) => g.toFixed(0)).join(', ');
    [100, 200, 400, 600, 600].forEach((delayMs, i) => assert.ok(gaps[i]! >= delayMs - 1, `gap ${i + 1} is ${gaps[i]!.toFixed(1)} ms, expected ≥ ${delayMs}: ${shown}`));
    assert.ok(gaps[4]! - gaps[3]! < 400, `the delay grew past the cap of 12 periods: ${shown}`);
    assert.equal(telemetry.available, true);
    assert.deepEqual(telemetry.snapshot(), []);
    assert.equal(notes.length, 1);
    assert.match(notes[0]!, /couldn't communicate/);
  } finally {
    telemetry.close();
  }
});

test('figures come back when the tool recovers, and the recovery is noted', { skip, timeout: 10_000 }, async () => {
  const state = path.join(dir, 'recover-state');
  const tool = script(`if [ ! -f '${state}' ]; then touch '${state}'; exit 3; fi\necho '0, NVIDIA L4, 55, 1000, 23034, 50, 40.1'`);
  const notes: string[] = [];
  const telemetry = createGpuTelemetry({ intervalMs: 60_000, command: tool, onDebug: (m) => notes.push(m) });
  try {
    assert.deepEqual(await telemetry.refresh(), []);
    const gpus = await telemetry.refresh();
    assert.equal(gpus.length, 1);
    assert.equal(gpus[0]!.name, 'NVIDIA L4');
    assert.equal(notes.length, 2);
    assert.match(notes[1]!, /answers again/);
  } finally {
    telemetry.close();
  }
});

test('a hung tool is killed at the poll timeout', { skip, timeout: 10_000 }, async () => {
  const tool = script('exec sleep 30');
  const notes: string[] = [];
  const telemetry = createGpuTelemetry({ intervalMs: 60_000, timeoutMs: 200, command: tool, onDebug: (m) => notes.push(m) });
  try {
    assert.deepEqual(await telemetry.refresh(), []);
    assert.match(notes[0]!, /timed out after 200 ms/);
  } finally {
    telemetry.close();
  }
});

test('concurrent refreshes share one poll, and nothing runs after close()', { skip, timeout: 10_000 }, async () => {
  const counter = path.join(dir, 'share-count');
  const tool = script(`printf x >> '${counter}'\necho '0, NVIDIA T4, 1, 1, 15360, 40, 27.5'`);
  const telemetry = createGpuTelemetry({ intervalMs: 60_000, command: tool });
  const [a, b] = await Promise.all([telemetry.refresh(), telemetry.refresh()]);
  assert.equal(a, b);
  assert.equal(runs(counter), 1);
  telemetry.close();
  telemetry.close();
  assert.equal((await telemetry.refresh()).length, 1);
  assert.equal(runs(counter), 1);
});

test('the polling timer does not keep a process alive', { skip, timeout: 20_000 }, () => {
  const moduleUrl = new URL('../../src/telemetry/gpu.js', import.meta.url).href;
  const tool = script(`echo '0, NVIDIA T4, 1, 1, 15360, 40, 27.5'`);
  const code = `import(${JSON.stringify(moduleUrl)}).then(async (m) => { const t = m.createGpuTelemetry({ intervalMs: 60000, command: ${JSON.stringify(tool)} }); await t.refresh(); console.log(t.snapshot().length); });`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 15_000 });
  assert.equal(result.signal, null, 'the process had to be killed: the timer kept it alive');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), '1');
  assert.ok(fs.existsSync(fileURLToPath(moduleUrl)));
});

test('a period of 0 or less is refused', () => {
  assert.throws(() => createGpuTelemetry({ intervalMs: 0 }), { code: 'LAYOUT_ERR_INVALID_PARAM' });
  assert.throws(() => createGpuTelemetry({ intervalMs: Number.NaN }), { code: 'LAYOUT_ERR_INVALID_PARAM' });
});
