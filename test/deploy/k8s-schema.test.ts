/**
 * The Kubernetes manifests as a cluster would take them: `kubectl kustomize` renders the base
 * (deploy/k8s) and the cluster overlay (deploy/k8s-cluster), and every rendered object — plus the
 * optional files no kustomization lists — is validated against the Kubernetes API schema
 * (kubernetes-models: the OpenAPI schemas of the API server, and of the Prometheus operator and
 * KEDA for their custom resources). No cluster is started: none can run on the test machines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { repoRoot } from '../fixtures/paths.js';

type Doc = Record<string, any>;
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

const label = (doc: Doc): string => `${doc.kind}/${doc.metadata?.name}`;
const parseDocs = (text: string): Doc[] => parseAllDocuments(text).map((d) => d.toJS() as Doc).filter((d) => d?.kind);

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0 ? 'kubectl' : undefined;
const render = (dir: string): Doc[] => parseDocs(execFileSync(kubectl!, ['kustomize', path.join(repoRoot, dir)], { encoding: 'utf8' }));

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

  it('kubectl kustomize renders the base and the cluster overlay into valid objects', { skip: kubectl ? false : 'kubectl is not installed' }, () => {
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
});
