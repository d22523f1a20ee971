/**
 * The Kubernetes manifests as a cluster would take them: the base (deploy/k8s) and the cluster
 * overlay (deploy/k8s-cluster) are rendered as `kustomize build` renders them (kustomize-render.ts,
 * so the check runs everywhere; where kubectl is installed the rendering is compared with
 * `kubectl kustomize`'s), and every rendered object — plus the optional files no kustomization
 * lists — is validated against the Kubernetes API schema (kubernetes-models: the OpenAPI schemas
 * of the API server, and of the Prometheus operator and KEDA for their custom resources).
 * No cluster is started: none can run on the test machines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { repoRoot } from '../fixtures/paths.js';
import { missingDependency } from '../helpers/require-dep.js';
import { objectLabel as label, parseDocs, renderKustomization, strategicMerge, type Doc } from './kustomize-render.js';

type Model = new (data: any) => { validate(): void };

/** apiVersion/kind → its schema-checked model. A kind missing here fails the test: add it. */
const models: Record<string, Model> = {
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/PodMonitor': PodMonitor,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

/** Throws the schema's own message (path and rule) when the object does not match. */
function validate(doc: Doc): void {
  const Model = models[`${doc.apiVersion}/${doc.kind}`];
  assert.ok(Model, `no schema for ${doc.apiVersion} ${doc.kind}: add its model to k8s-schema.test.ts`);
  new Model(doc).validate();
}

const render = (dir: string): Doc[] => renderKustomization(path.join(repoRoot, dir));
const byLabel = (docs: Doc[]): Doc[] => [...docs].sort((a, b) => label(a).localeCompare(label(b)));

const kubectlFound = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const noKubectl = missingDependency('kubectl', kubectlFound ? undefined : 'kubectl is not installed; the manifests are still rendered and checked without it');
const kubectlKustomize = (dir: string): Doc[] => parseDocs(execFileSync('kubectl', ['kustomize', path.join(repoRoot, dir)], { encoding: 'utf8' }));

describe('Kubernetes manifests against the API schema', () => {
  it('the schema check itself rejects a wrong type and a missing required field', () => {
    const [deployment] = parseDocs(fs.readFileSync(path.join(repoRoot, 'deploy/k8s/deployment.yaml'), 'utf8'));
    assert.doesNotThrow(() => validate(deployment!));
    const wrongType = structuredClone(deployment!);
    wrongType.spec.template.spec.containers[0].ports[0].containerPort = 'eight thousand';
    assert.throws(() => validate(wrongType), /containerPort/);
    const noSelector = structuredClone(deployment!);
    delete noSelector.spec.selector;
    assert.throws(() => validate(noSelector), /selector/);
    assert.throws(() => validate({ apiVersion: 'v1', kind: 'Nonsense', metadata: { name: 'x' } }), /no schema for v1 Nonsense/);
  });

  it('every file under deploy/k8s and deploy/k8s-cluster is valid, including the ones no kustomization lists', () => {
    const files = ['deploy/k8s', 'deploy/k8s-cluster'].flatMap((dir) =>
      fs.readdirSync(path.join(repoRoot, dir)).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f)));
    let checked = 0;
    for (const file of files) {
      for (const doc of parseDocs(fs.readFileSync(path.join(repoRoot, file), 'utf8'))) {
        if (doc.kind === 'Kustomization') continue;
        // A strategic-merge patch is only part of an object; it is checked once applied, below.
        if (file.endsWith('-patch.yaml')) continue;
        assert.doesNotThrow(() => validate(doc), `${file}: ${label(doc)}`);
        checked++;
      }
    }
    assert.ok(checked >= 10, `only ${checked} objects found`);
  });

  it('the base and the cluster overlay render into valid objects', () => {
    const base = render('deploy/k8s');
    const cluster = render('deploy/k8s-cluster');
    assert.deepEqual(base.map(label).sort(), ['Deployment/doclayout', 'HorizontalPodAutoscaler/doclayout', 'PersistentVolumeClaim/doclayout-models', 'PodDisruptionBudget/doclayout', 'PodMonitor/doclayout', 'Service/doclayout'].sort());
    // The overlay is the base plus Redis, the workers and KEDA; nothing of the base is lost.
    for (const name of base.map(label)) assert.ok(cluster.map(label).includes(name), `${name} missing from the overlay`);
    for (const name of ['StatefulSet/doclayout-redis', 'Service/doclayout-redis', 'Deployment/doclayout-worker', 'ScaledObject/doclayout-worker']) {
      assert.ok(cluster.map(label).includes(name), `${name} missing from the overlay`);
    }
    for (const doc of [...base, ...cluster]) {
      assert.doesNotThrow(() => validate(doc), label(doc));
      assert.equal(doc.metadata.labels?.['app.kubernetes.io/part-of'], 'doclayout', `${label(doc)} carries the kustomization's label`);
    }
    // The patch reached the servers: in the overlay they use the same Redis as the workers.
    const env = (doc: Doc): Record<string, string> => Object.fromEntries((doc.spec.template.spec.containers[0].env as Doc[]).map((e) => [e.name, e.value]));
    const server = cluster.find((d) => label(d) === 'Deployment/doclayout')!;
    const worker = cluster.find((d) => label(d) === 'Deployment/doclayout-worker')!;
    assert.equal(env(server).DOCLAYOUT_REDIS, env(worker).DOCLAYOUT_REDIS);
    assert.ok(env(server).DOCLAYOUT_MODEL, 'the patch merged into the container, not replaced its env');
    assert.equal(env(base.find((d) => label(d) === 'Deployment/doclayout')!).DOCLAYOUT_REDIS, undefined);
  });

  it('renders exactly what kubectl kustomize renders', { skip: noKubectl }, () => {
    for (const dir of ['deploy/k8s', 'deploy/k8s-cluster']) {
      assert.deepEqual(byLabel(render(dir)), byLabel(kubectlKustomize(dir)), dir);
    }
  });

  it('the renderer merges lists by the API merge keys and refuses what it does not implement', () => {
    // kubectl kustomize's order: the patch's items first (merged), then the target's others.
    const deployment = { spec: { template: { spec: { containers: [
      { name: 'a', image: 'i', env: [{ name: 'A', value: '1' }, { name: 'D', value: '4' }] },
      { name: 'z', image: 'j' },
    ] } } } };
    const patch = { spec: { template: { spec: { containers: [
      { name: 'n', image: 'new' },
      { name: 'a', env: [{ name: 'B', value: '2' }, { name: 'A', value: '9' }, { name: 'C', value: '3' }] },
    ] } } } };
    assert.deepEqual(strategicMerge(deployment, patch, 'test').spec.template.spec.containers, [
      { name: 'n', image: 'new' },
      { name: 'a', image: 'i', env: [{ name: 'B', value: '2' }, { name: 'A', value: '9' }, { name: 'C', value: '3' }, { name: 'D', value: '4' }] },
      { name: 'z', image: 'j' },
    ]);
    assert.equal(deployment.spec.template.spec.containers[0]?.env?.[0]?.value, '1', 'the target is not modified');
    assert.deepEqual(strategicMerge({ spec: { args: ['a', 'b'], keep: 1, drop: 2 } }, { spec: { args: ['c'], drop: null } }, 'test'), { spec: { args: ['c'], keep: 1 } });
    assert.throws(() => strategicMerge(deployment, { spec: { $patch: 'replace' } }, 'test'), /\$patch directive is not implemented/);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-kustomize-'));
    try {
      fs.copyFileSync(path.join(repoRoot, 'deploy/k8s/service.yaml'), path.join(dir, 'service.yaml'));
      const write = (text: string): void => fs.writeFileSync(path.join(dir, 'kustomization.yaml'), `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [service.yaml]\n${text}`);
      write('');
      assert.deepEqual(renderKustomization(dir).map(label), ['Service/doclayout']);
      write('commonLabels: { a: b }\n');
      assert.throws(() => renderKustomization(dir), /commonLabels not implemented/);
      write('labels: [{ pairs: { a: b }, includeSelectors: true }]\n');
      assert.throws(() => renderKustomization(dir), /labels other than plain pairs/);
      write('patches: [{ path: service.yaml, target: { kind: Service } }]\n');
      assert.throws(() => renderKustomization(dir), /patch target not implemented/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
