/**
 * The deployment as users run it (`npm run test:deploy`, scripts/test-deploy.sh in CI): a Docker
 * engine of its own, the base images made locally (no registry is reachable), the project image
 * built from deploy/docker/Dockerfile, then the single container, the Compose CPU stack behind
 * nginx and the Compose cluster profile, each for real. Skipped in `npm test` (minutes of image
 * builds); DOCLAYOUT_DEPLOY_LIVE=1 runs it.
 *
 * DOCLAYOUT_DEPLOY_IMAGES=skip reuses the images an engine already has: only with
 * DOCLAYOUT_DEPLOY_DOCKER_HOST, an engine started by hand (for iterating on the scenarios).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../fixtures/paths.js';
import { composeBalancedSuite } from './compose-balanced.js';
import { composeClusterSuite } from './compose-cluster.js';
import { findCompose } from './compose.js';
import { findDockerd, run, startEngine, type Engine } from './engine.js';
import { gpuVariantSuite } from './gpu-variant.js';
import { LiveContext } from './live-context.js';
import { modelDir } from './live-helpers.js';
import { singleServiceSuite } from './single-service.js';

const live = process.env.DOCLAYOUT_DEPLOY_LIVE === '1';
const missing = !findDockerd() && !process.env.DOCLAYOUT_DEPLOY_DOCKER_HOST ? 'dockerd (apt-get install docker.io)' : !findCompose() ? 'docker-compose (apt-get install docker-compose)' : undefined;
const skip = !live ? 'the deployment test runs with npm run test:deploy (DOCLAYOUT_DEPLOY_LIVE=1)' : false;

describe('deployment: Docker image and Compose stacks, built and run', { skip, timeout: 3_600_000 }, () => {
  const ctx = new LiveContext();
  let engine: Engine | undefined;
  let tmp: string | undefined;

  before(async () => {
    assert.equal(missing, undefined, `missing ${missing}`);
    const parent = process.env.DOCLAYOUT_DEPLOY_TMP ?? os.tmpdir();
    fs.mkdirSync(parent, { recursive: true });
    tmp = fs.mkdtempSync(path.join(parent, 'scratch-'));
    fs.chmodSync(tmp, 0o755);
    const external = process.env.DOCLAYOUT_DEPLOY_DOCKER_HOST;
    engine = external ? attach(external) : await startEngine();
    if (process.env.DOCLAYOUT_DEPLOY_IMAGES !== 'skip' || !external) {
      const timings = path.join(tmp, 'timings.json');
      await run(path.join(repoRoot, 'scripts/deploy/build-images.sh'), [timings], { env: engine.env, timeoutMs: 1_800_000, cwd: repoRoot });
      process.stderr.write(`deploy images: ${fs.readFileSync(timings, 'utf8')}`);
    }
    ctx.set({ engine, modelDir: modelDir(tmp), tmp });
  });

  after(async () => {
    if (!process.env.DOCLAYOUT_DEPLOY_DOCKER_HOST) await engine?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('built doclayout:cpu and the local base images', async () => {
    const { engine } = ctx.get();
    for (const image of ['doclayout:cpu', 'doclayout-local/nginx:bookworm', 'doclayout-local/redis:bookworm']) {
      assert.equal((await engine.docker(['image', 'inspect', image], { allowFail: true })).code, 0, `${image} was not built`);
    }
  });

  gpuVariantSuite(ctx);
  singleServiceSuite(ctx);
  composeBalancedSuite(ctx);
  composeClusterSuite(ctx);
});

/** An engine started elsewhere: used as is, never stopped here. */
function attach(host: string): Engine {
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0' };
  return {
    host,
    env,
    docker: (args, options = {}) => run('docker', args, { ...options, env: { ...env, ...options.env } }),
    log: () => '',
    stop: async () => undefined,
  };
}
