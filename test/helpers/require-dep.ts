/**
 * One rule for tests that need something outside npm (nginx, Chromium, OpenCV for Python, Redis,
 * the ../shared folder, xmllint, the official PAGE/ALTO schemas, kubectl): when it is missing, the test is skipped with the reason printed — unless
 * DOCLAYOUT_REQUIRE lists it (CI sets DOCLAYOUT_REQUIRE=nginx,chromium,cv2,redis after installing
 * them), in which case the run fails. CI can then never go green on tests that did not run.
 * The nginx and Redis probes live with their harnesses (deploy/nginx-harness.ts, the jobs
 * fixtures); the ../shared and OpenCV probes are here.
 *
 *   const skip = missingDependency('nginx', findNginx() ? undefined : 'nginx is not installed (apt-get install nginx-light)');
 *   describe('…', { skip }, () => { … });
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { test } from 'node:test';
import { samplesDir } from '../fixtures/paths.js';

export const DEPENDENCIES = ['nginx', 'chromium', 'cv2', 'redis', 'shared', 'xmllint', 'xsd', 'kubectl'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/** The dependencies DOCLAYOUT_REQUIRE lists ("all" for every one); a name it does not know throws. */
export function requiredDependencies(value = process.env.DOCLAYOUT_REQUIRE ?? ''): Set<Dependency> {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return new Set(DEPENDENCIES);
  for (const name of names) {
    if (!(DEPENDENCIES as readonly string[]).includes(name)) {
      throw new Error(`DOCLAYOUT_REQUIRE lists "${name}"; known: ${DEPENDENCIES.join(', ')}, all`);
    }
  }
  return new Set(names as Dependency[]);
}

/**
 * `false` when `problem` is undefined (the dependency is there). Otherwise the reason, after
 * printing it — for the caller to skip with, or to note beside a fallback it uses instead; and
 * when DOCLAYOUT_REQUIRE lists `dependency`, a test failing with that reason is added where this
 * is called (top level or inside a describe), so the run fails.
 */
export function missingDependency(dependency: Dependency, problem: string | undefined): string | false {
  if (problem === undefined) return false;
  if (requiredDependencies().has(dependency)) {
    test(`${dependency} is available (DOCLAYOUT_REQUIRE=${process.env.DOCLAYOUT_REQUIRE})`, () => {
      throw new Error(`${dependency} is required but missing: ${problem}`);
    });
    return `required but missing: ${problem}`;
  }
  process.stdout.write(`${dependency} missing (set DOCLAYOUT_REQUIRE=${dependency} to fail instead of skipping): ${problem}\n`);
  return problem;
}

/** Why ../shared/samples cannot be used, or undefined when it holds sample pages. */
export function sharedSamplesProblem(): string | undefined {
  if (!fs.existsSync(samplesDir)) return `${samplesDir} does not exist (../shared is the team's shared folder beside the repository)`;
  const pages = fs.readdirSync(samplesDir).filter((f) => /\.(jpe?g|png)$/i.test(f));
  return pages.length === 0 ? `${samplesDir} holds no sample pages` : undefined;
}

/** A Python with cv2 and numpy: python3 in PATH, else Debian's /usr/bin/python3 (python3-opencv). */
export function findOpenCvPython(): string | undefined {
  for (const python of ['python3', '/usr/bin/python3']) {
    const probe = spawnSync(python, ['-c', 'import cv2, numpy'], { timeout: 20_000, stdio: 'ignore' });
    if (probe.status === 0) return python;
  }
  return undefined;
}
