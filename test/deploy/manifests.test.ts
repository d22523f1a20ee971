/**
 * The deployment artefacts checked as far as a machine without Docker or Kubernetes can: every
 * YAML/JSON parses, and the fields that make or break a deployment agree with the code — probe
 * paths exist as routes, ports match, GPU requests are there, shutdown timing covers the drain,
 * metrics used by the HPA and Grafana are ones the server exports, nginx and compose name the
 * same backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse, parseAllDocuments } from 'yaml';
import { optionSpecs } from '../../src/config.js';
import { BULL_PREFIX, DEFAULT_QUEUE, queueNames } from '../../src/jobs/index.js';
import { nginxBodyLimitMb } from '../../src/deploy/nginx-options.js';
import { DEFAULT_MODEL_NAME, findKnownModel } from '../../src/model/registry/registry.js';
import { repoRoot } from '../fixtures/paths.js';

const read = (rel: string): string => fs.readFileSync(path.join(repoRoot, rel), 'utf8');
const deployDir = path.join(repoRoot, 'deploy');

type Doc = Record<string, any>;

function files(dir: string, pattern: RegExp): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
}

function manifests(dir: string, exclude?: RegExp): Doc[] {
  return files(path.join(deployDir, dir), /\.ya?ml$/)
    .filter((f) => !exclude?.test(path.relative(path.join(deployDir, dir), f)))
    .flatMap((f) => parseAllDocuments(fs.readFileSync(f, 'utf8')).map((d) => d.toJS() as Doc)).filter((d) => d && d.kind);
}
/** The base manifests; the cluster overlay (deploy/k8s-cluster, beside the base: kustomize refuses an overlay inside its base) is checked on its own below. */
function k8s(): Doc[] {
  return manifests('k8s');
}
const kind = (k: string): Doc => {
  const found = k8s().filter((d) => d.kind === k);
  assert.equal(found.length, 1, `exactly one ${k}`);
  return found[0]!;
};

/** Metric names the server exports: its own (server/metrics.ts) plus prom-client's defaults with our prefix. */
async function exportedMetrics(): Promise<{ names: Set<string>; histograms: Set<string>; gauges: Set<string> }> {
  const source = read('src/server/metrics.ts');
  const names = new Set([...source.matchAll(/'(doclayout_[a-z0-9_]+)'/g)].map((m) => m[1]!));
  const histograms = new Set([...source.matchAll(/new Histogram\(\{\s*name:\s*'([a-z0-9_]+)'/g)].map((m) => m[1]!));
  const gauges = new Set([...source.matchAll(/(?:new Gauge\(\{\s*name:\s*|(?:poolGauge|deviceGauge|gpuGauge)\()'([a-z0-9_]+)'/g)].map((m) => m[1]!));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'doclayout_' });
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') histograms.add(m.name);
  }
  registry.clear();
  return { names, histograms, gauges };
}

function seriesDefined(series: string, exported: { names: Set<string>; histograms: Set<string> }): boolean {
  if (exported.names.has(series)) return true;
  const base = series.replace(/_(bucket|sum|count)$/, '');
  return base !== series && exported.histograms.has(base);
}

const defaultModelFile = findKnownModel(DEFAULT_MODEL_NAME)!.file;

test('every YAML and JSON file under deploy/ parses', () => {
  const yamls = files(deployDir, /\.ya?ml$/);
  assert.ok(yamls.length >= 8);
  for (const f of yamls) {
    for (const doc of parseAllDocuments(fs.readFileSync(f, 'utf8'), { merge: true })) assert.deepEqual(doc.errors, [], f);
  }
  for (const f of files(deployDir, /\.json$/)) assert.doesNotThrow(() => JSON.parse(fs.readFileSync(f, 'utf8')), f);
});

test('kustomization lists only files that exist, and every manifest has apiVersion, kind and name', () => {
  const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as Doc;
  for (const r of kustomization.resources as string[]) assert.ok(fs.existsSync(path.join(deployDir, 'k8s', r)), r);
  for (const d of k8s().filter((x) => x.kind !== 'Kustomization')) {
    assert.ok(d.apiVersion && d.metadata?.name, `${d.kind} lacks apiVersion/metadata.name`);
  }
});

test('the Deployment requests a GPU, probes /readyz and /healthz on the served port, and mounts the model', () => {
  const deployment = kind('Deployment');
  const pod = deployment.spec.template.spec;
  const [container] = pod.containers as Doc[];
  const env = Object.fromEntries((container!.env as Doc[]).map((e) => [e.name, e.value]));
  const port = (container!.ports as Doc[]).find((p) => p.name === 'http')!;
  assert.equal(port.containerPort, Number(env.DOCLAYOUT_PORT ?? optionSpecs.port.default));
  assert.equal(container!.resources.limits['nvidia.com/gpu'], 1);
  assert.equal(container!.readinessProbe.httpGet.path, '/readyz');
  assert.equal(container!.livenessProbe.httpGet.path, '/healthz');
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) assert.equal(container![probe].httpGet.port, 'http', probe);
  const health = read('src/server/routes/health.ts');
  assert.match(health, /'\/readyz'/);
  assert.match(health, /'\/healthz'/);
  assert.equal(deployment.spec.selector.matchLabels['app.kubernetes.io/name'], deployment.spec.template.metadata.labels['app.kubernetes.io/name']);

  assert.equal(env.DOCLAYOUT_MODEL, `/models/${defaultModelFile}`);
  const models = (container!.volumeMounts as Doc[]).find((m) => m.mountPath === '/models')!;
  assert.equal(models.readOnly, true);
  const volume = (pod.volumes as Doc[]).find((v) => v.name === models.name)!;
  assert.equal(volume.persistentVolumeClaim.claimName, kind('PersistentVolumeClaim').metadata.name);
  const [init] = pod.initContainers as Doc[];
  assert.deepEqual(init!.args.slice(0, 2), ['models', 'pull']);
  assert.ok((init!.volumeMounts as Doc[]).some((m) => m.name === models.name && m.mountPath === '/models' && !m.readOnly));
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.notEqual(pod.securityContext.runAsUser, 0);
});

test('the grace period covers preStop plus the drain timeout', () => {
  const pod = kind('Deployment').spec.template.spec;
  const container = pod.containers[0] as Doc;
  const env = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value]));
  const drainMs = Number(env.DOCLAYOUT_DRAIN_TIMEOUT_MS ?? optionSpecs.drainTimeoutMs.default);
  const command = container.lifecycle.preStop.exec.command as string[];
  assert.equal(command[0], 'sleep');
  const preStopS = Number(command[1]);
  assert.ok(preStopS > 0);
  assert.ok(pod.terminationGracePeriodSeconds >= preStopS + drainMs / 1000, `${pod.terminationGracePeriodSeconds} s < ${preStopS} s + ${drainMs} ms`);
});

test('Service, PodMonitor and HPA point at the Deployment and at metrics the server exports', async () => {
  const deployment = kind('Deployment');
  const labels = deployment.spec.template.metadata.labels as Record<string, string>;
  const matches = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);
  const service = kind('Service');
  assert.ok(matches(service.spec.selector));
  assert.equal(service.spec.ports[0].targetPort, 'http');
  const monitor = kind('PodMonitor');
  assert.ok(matches(monitor.spec.selector.matchLabels));
  assert.equal(monitor.spec.podMetricsEndpoints[0].port, 'http');
  assert.equal(monitor.spec.podMetricsEndpoints[0].path, '/metrics');

  const hpa = kind('HorizontalPodAutoscaler');
  assert.equal(hpa.spec.scaleTargetRef.kind, 'Deployment');
  assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
  const metric = hpa.spec.metrics[0].pods.metric.name as string;
  assert.equal(metric, 'doclayout_queue_depth');
  const exported = await exportedMetrics();
  assert.ok(exported.gauges.has(metric), `${metric} is a gauge in src/server/metrics.ts`);
  const adapter = parse(read('deploy/k8s/prometheus-adapter-values.yaml')) as Doc;
  const rule = (adapter.rules.custom as Doc[]).find((r) => r.name.as === metric)!;
  assert.ok(rule.seriesQuery.startsWith(`${metric}{`), 'prometheus-adapter serves the metric the HPA asks for');
});

test('the optional Ingress uses the same body limit and timeouts as the nginx generator', () => {
  const ingress = kind('Ingress');
  const a = ingress.metadata.annotations as Record<string, string>;
  assert.equal(a['nginx.ingress.kubernetes.io/proxy-body-size'], `${nginxBodyLimitMb(optionSpecs.maxUploadMb.default)}m`);
  assert.ok(Number(a['nginx.ingress.kubernetes.io/proxy-read-timeout']) * 1000 > optionSpecs.requestTimeoutMs.default);
  assert.equal(ingress.spec.rules[0].http.paths[0].backend.service.name, kind('Service').metadata.name);
});

test('compose runs one GPU per doclayout service, and nginx balances exactly those services', () => {
  const compose = parse(read('deploy/compose/docker-compose.yml'), { merge: true }) as Doc;
  const services = compose.services as Record<string, Doc>;
  const backends = Object.keys(services).filter((name) => /^doclayout-gpu\d+$/.test(name));
  assert.ok(backends.length >= 2);
  const gpuIds = backends.map((name) => {
    const devices = services[name]!.deploy.resources.reservations.devices as Doc[];
    assert.deepEqual(devices[0]!.capabilities, ['gpu']);
    assert.equal(devices[0]!.device_ids.length, 1);
    return devices[0]!.device_ids[0] as string;
  });
  assert.equal(new Set(gpuIds).size, backends.length, 'each service gets its own GPU');

  const nginx = services.nginx!;
  const mount = (nginx.volumes as string[]).find((v) => v.includes('doclayout.conf'))!;
  const confPath = path.resolve(deployDir, 'compose', mount.split(':')[0]!);
  assert.ok(fs.existsSync(confPath), confPath);
  assert.equal(mount.split(':')[1], '/etc/nginx/conf.d/default.conf');
  const conf = fs.readFileSync(confPath, 'utf8');
  const upstream = conf.slice(conf.indexOf('upstream doclayout {'), conf.indexOf('}', conf.indexOf('upstream doclayout {')));
  const servers = [...upstream.matchAll(/^\s*server (\S+) /gm)].map((m) => m[1]!);
  const expected = backends.map((name) => `${name}:${services[name]!.environment.DOCLAYOUT_PORT ?? optionSpecs.port.default}`);
  assert.deepEqual(servers.sort(), expected.sort());
  for (const name of backends) assert.ok(Object.keys(nginx.depends_on).includes(name), `nginx waits for ${name}`);

  for (const name of backends) {
    const s = services[name]!;
    assert.equal(s.environment.DOCLAYOUT_MODEL, `/models/${defaultModelFile}`);
    assert.ok((s.volumes as string[]).some((v) => /:\/models:ro$/.test(v)));
    const graceS = Number(/^(\d+)s$/.exec(s.stop_grace_period)![1]);
    assert.ok(graceS * 1000 >= Number(s.environment.DOCLAYOUT_DRAIN_TIMEOUT_MS ?? optionSpecs.drainTimeoutMs.default));
    assert.equal(s.build.dockerfile, 'deploy/docker/Dockerfile');
    assert.ok(fs.existsSync(path.resolve(deployDir, 'compose', s.build.context, s.build.dockerfile)));
  }
});

test('the Dockerfile is multi-stage, builds with npm ci + npm run build, runs as non-root with the model and the data directory on volumes', () => {
  const text = read('deploy/docker/Dockerfile');
  const instructions = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const froms = instructions.filter((l) => /^FROM /i.test(l));
  assert.ok(froms.length >= 2, 'multi-stage');
  const build = text.slice(text.indexOf('AS build'), text.indexOf('AS runtime'));
  assert.match(build, /npm ci\b/);
  assert.match(build, /npm run build\b/);
  assert.match(build, /npm prune --omit=dev/);
  assert.match(text, /^ARG ONNXRUNTIME_NODE_INSTALL=/m);
  const runtime = text.slice(text.indexOf('AS runtime'));
  const user = /^USER (\S+)$/m.exec(runtime)?.[1];
  assert.ok(user && !/^(root|0)(:|$)/.test(user), `non-root USER, got ${user}`);
  const uid = user.split(':')[0];
  assert.match(runtime, new RegExp(`useradd [^\\n]*--uid ${uid}\\b`));
  assert.match(runtime, /^HEALTHCHECK .*\n?.*\/healthz/m);
  assert.match(runtime, new RegExp(`DOCLAYOUT_MODEL=/models/${defaultModelFile.replace('.', '\\.')}`));
  assert.match(runtime, /^VOLUME \["\/models", "\/data"\]$/m);
  assert.match(runtime, /DOCLAYOUT_DATA_DIR=\/data\b/);
  assert.match(runtime, new RegExp(`^EXPOSE ${optionSpecs.port.default}$`, 'm'));
  assert.match(runtime, /^ENTRYPOINT \[.*"\/app\/dist\/src\/cli\/index\.js"\]$/m);
  assert.match(runtime, /^CMD \["serve"\]$/m);

  const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const entry of ['node_modules', 'dist', '**/*.onnx', '.git']) assert.ok(ignore.includes(entry), `.dockerignore has ${entry}`);
});

test('the Grafana dashboard queries only metrics the server exports', async () => {
  const dashboard = JSON.parse(read('deploy/grafana/doclayout-dashboard.json')) as Doc;
  const exported = await exportedMetrics();
  const panels = (dashboard.panels as Doc[]).filter((p) => p.type !== 'row');
  assert.ok(panels.length >= 10);
  const ids = new Set<number>();
  const used = new Set<string>();
  for (const panel of panels) {
    assert.ok(!ids.has(panel.id), `duplicate panel id ${panel.id}`);
    ids.add(panel.id);
    assert.ok(panel.gridPos.x + panel.gridPos.w <= 24, panel.title);
    assert.ok((panel.targets as Doc[]).length > 0, panel.title);
    for (const target of panel.targets as Doc[]) {
      const series = [...(target.expr as string).matchAll(/\b(doclayout_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
      assert.ok(series.length > 0, `${panel.title}: ${target.expr}`);
      for (const s of series) {
        assert.ok(seriesDefined(s, exported), `${panel.title}: ${s} is not exported by the server`);
        used.add(s.replace(/_(bucket|sum|count)$/, ''));
      }
    }
  }
  const templated = (dashboard.templating.list as Doc[]).find((v) => v.name === 'instance')!;
  const labelSource = /label_values\((doclayout_[a-z0-9_]+),/.exec(templated.definition)![1]!;
  assert.ok(exported.names.has(labelSource));
  for (const essential of ['doclayout_queue_depth', 'doclayout_device_inflight', 'doclayout_http_request_duration_seconds', 'doclayout_gpu_utilization_ratio', 'doclayout_gpu_memory_used_bytes', 'doclayout_gpu_temperature_celsius']) {
    assert.ok(used.has(essential), `the dashboard shows ${essential}`);
  }
});

// --- Batch on a cluster (deploy/k8s-cluster, compose's "cluster" profile) --------------------

const clusterDocs = (): Doc[] => manifests('k8s-cluster');
const clusterKind = (k: string): Doc[] => clusterDocs().filter((d) => d.kind === k);

test('cluster overlay: lists files that exist, and patches the servers onto the same Redis as the workers', () => {
  const kustomization = parse(read('deploy/k8s-cluster/kustomization.yaml')) as Doc;
  for (const r of kustomization.resources as string[]) assert.ok(fs.existsSync(path.join(deployDir, 'k8s-cluster', r)), r);
  const worker = clusterKind('Deployment').find((d) => d.metadata.name === 'doclayout-worker')!;
  const container = worker.spec.template.spec.containers[0] as Doc;
  assert.deepEqual(container.args, ['worker']);
  const env = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value]));
  const redisService = clusterKind('Service').find((d) => d.metadata.name === 'doclayout-redis')!;
  assert.equal(env.DOCLAYOUT_REDIS, `redis://${redisService.metadata.name}:${redisService.spec.ports[0].port}`);
  assert.equal(container.resources.limits['nvidia.com/gpu'], 1);
  assert.equal(worker.spec.selector.matchLabels['app.kubernetes.io/name'], worker.spec.template.metadata.labels['app.kubernetes.io/name']);
  // The grace period covers a held page's whole deadline: SIGTERM finishes what the worker holds.
  assert.ok(worker.spec.template.spec.terminationGracePeriodSeconds * 1000 > optionSpecs.requestTimeoutMs.default);
  const patch = parse(read('deploy/k8s-cluster/server-redis-patch.yaml')) as Doc;
  assert.equal(patch.metadata.name, kind('Deployment').metadata.name);
  const patchEnv = Object.fromEntries((patch.spec.template.spec.containers[0].env as Doc[]).map((e) => [e.name, e.value]));
  assert.equal(patchEnv.DOCLAYOUT_REDIS, env.DOCLAYOUT_REDIS);
  assert.equal(patchEnv.DOCLAYOUT_QUEUE, env.DOCLAYOUT_QUEUE);
  const redis = clusterKind('StatefulSet')[0]!.spec.template.spec.containers[0] as Doc;
  const args = (redis.args as string[]).join(' ');
  assert.match(args, /--appendonly yes/);
  assert.match(args, /--maxmemory-policy noeviction/);
});

test('KEDA scales the workers on the list BullMQ keeps waiting page jobs in; the HPA alternative on an exported gauge', () => {
  const [scaled] = clusterKind('ScaledObject');
  assert.equal(scaled!.spec.scaleTargetRef.name, 'doclayout-worker');
  const trigger = scaled!.spec.triggers[0] as Doc;
  assert.equal(trigger.type, 'redis');
  assert.equal(trigger.metadata.listName, `${BULL_PREFIX}:${queueNames(DEFAULT_QUEUE).pages}:wait`);
  assert.equal(trigger.metadata.address, 'doclayout-redis:6379');
  const [hpa] = clusterKind('HorizontalPodAutoscaler');
  assert.equal(hpa!.spec.scaleTargetRef.name, 'doclayout-worker');
  const metric = hpa!.spec.metrics[0].external.metric.name as string;
  assert.match(read('src/server/job-metrics.ts'), new RegExp(`'${metric}'`));
  assert.ok(!(parse(read('deploy/k8s-cluster/kustomization.yaml')) as Doc).resources.includes('worker-hpa.yaml'), 'KEDA and the HPA must not both scale the workers');
});

test('compose cluster profile: Redis with AOF, and workers that reach it, run `worker` and skip the HTTP healthcheck', () => {
  const compose = parse(read('deploy/compose/docker-compose.yml'), { merge: true }) as Doc;
  const services = compose.services as Record<string, Doc>;
  const redis = services.redis!;
  const worker = services['doclayout-worker']!;
  assert.deepEqual(redis.profiles, ['cluster']);
  assert.deepEqual(worker.profiles, ['cluster']);
  assert.match((redis.command as string[]).join(' '), /--appendonly yes/);
  assert.deepEqual(worker.command, ['worker']);
  assert.equal(new URL(worker.environment.DOCLAYOUT_REDIS).hostname, 'redis');
  assert.equal(worker.healthcheck.disable, true);
  assert.equal(worker.depends_on.redis.condition, 'service_healthy');
});

test('the committed nginx configs are exactly what their own header command generates', () => {
  for (const file of ['deploy/nginx/doclayout.conf', 'deploy/nginx/doclayout-cpu.conf']) {
    const text = read(file);
    const command = /^#\s+doclayout (deploy nginx .*)$/m.exec(text)?.[1];
    assert.ok(command, `${file} names the command that generated it`);
    const generated = execFileSync(process.execPath, [path.join(repoRoot, 'dist/src/cli/index.js'), ...command.split(/\s+/)], { encoding: 'utf8' });
    assert.equal(generated, text, `${file} is stale: regenerate it with doclayout ${command}`);
  }
});

test('compose CPU override: CPU services on the host network at 127.0.0.1, nginx balancing exactly them', () => {
  const cpu = parse(read('deploy/compose/docker-compose.cpu.yml'), { merge: true }) as Doc;
  const services = cpu.services as Record<string, Doc>;
  const backends = Object.keys(services).filter((name) => /^doclayout-cpu\d+$/.test(name));
  assert.deepEqual(backends, ['doclayout-cpu0', 'doclayout-cpu1']);
  for (const [name, s] of Object.entries(services)) {
    assert.equal(s.network_mode, 'host', `${name} on the host network`);
    assert.equal(s.ports, undefined, `${name} publishes no port`);
    assert.ok(!JSON.stringify(s).includes('nvidia'), `${name} asks for no GPU`);
  }
  for (const name of [...backends, 'doclayout-worker-cpu']) assert.equal(services[name]!.environment.DOCLAYOUT_HOST ?? '127.0.0.1', '127.0.0.1');
  // The CPU Redis runs the base Redis's command (AOF, noeviction), bound to loopback.
  const base = (parse(read('deploy/compose/docker-compose.yml'), { merge: true }) as Doc).services.redis as Doc;
  const command = (services['redis-cpu']!.command as string[]).join(' ');
  assert.match(command, /--bind 127\.0\.0\.1 /);
  assert.ok(command.endsWith((base.command as string[]).slice(1).join(' ')), command);
  assert.deepEqual(services['redis-cpu']!.profiles, ['cluster']);
  assert.equal(new URL(services['doclayout-worker-cpu']!.environment.DOCLAYOUT_REDIS.replace(/\$\{[^}]*:-(\d+)\}/, '$1')).hostname, '127.0.0.1');
  // The default nginx config (no DOCLAYOUT_NGINX_CONF) balances exactly the default ports.
  const conf = read('deploy/nginx/doclayout-cpu.conf');
  const upstream = conf.slice(conf.indexOf('upstream doclayout {'), conf.indexOf('}', conf.indexOf('upstream doclayout {')));
  const servers = [...upstream.matchAll(/^\s*server (\S+) /gm)].map((m) => m[1]!);
  const ports = backends.map((name) => /:-(\d+)\}$/.exec(services[name]!.environment.DOCLAYOUT_PORT)![1]);
  assert.deepEqual(servers, ports.map((p) => `127.0.0.1:${p}`));
  assert.match(conf, /^\s*listen 127\.0\.0\.1:\d+;$/m);
  assert.deepEqual(Object.keys(services['nginx-cpu']!.depends_on).sort(), backends);
});

// --- Disk: the PDF spool (TMPDIR) -------------------------------------------------------------

/** A Kubernetes quantity (1536Mi, 2Gi, 1G) in bytes. */
function bytesOf(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(quantity);
  assert.ok(m, quantity);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

test('the k8s server and worker spool PDFs to a disk-backed /tmp sized above their spool bound', () => {
  // The full Deployments of doclayout itself (the overlay's server patch only sets Redis).
  const deployments = [...k8s(), ...clusterDocs()].filter((d) => d.kind === 'Deployment' && d.spec?.template?.spec?.volumes && /^doclayout/.test(d.spec.template.spec.containers[0].image));
  assert.deepEqual(deployments.map((d) => d.metadata.name).sort(), ['doclayout', 'doclayout-worker']);
  for (const deployment of deployments) {
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0] as Doc;
    const tmpMount = (container.volumeMounts as Doc[]).find((m) => m.mountPath === '/tmp');
    assert.ok(tmpMount, `${deployment.metadata.name}: /tmp is a volume (the root filesystem is read-only)`);
    const volume = (pod.volumes as Doc[]).find((v) => v.name === tmpMount.name)!;
    assert.ok(volume.emptyDir, `${deployment.metadata.name}: /tmp is an emptyDir`);
    assert.notEqual(volume.emptyDir.medium, 'Memory', `${deployment.metadata.name}: the spool is on disk, not in memory`);
    const env = Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value]));
    const spoolMb = Number(env.DOCLAYOUT_SPOOL_MAX_MB ?? optionSpecs.spoolMaxMb.default);
    assert.ok(spoolMb > 0, 'the spool is bounded');
    const uploadMb = Number(env.DOCLAYOUT_MAX_UPLOAD_MB ?? optionSpecs.maxUploadMb.default);
    assert.ok(spoolMb >= uploadMb, 'the largest upload fits the spool');
    // Headroom above the bound for worker temp dirs and caches: past sizeLimit the pod is evicted.
    assert.ok(bytesOf(volume.emptyDir.sizeLimit) >= spoolMb * 1e6 * 1.25, `${deployment.metadata.name}: sizeLimit ${volume.emptyDir.sizeLimit} vs spool ${spoolMb} MB`);
    assert.ok(bytesOf(container.resources.requests['ephemeral-storage']) >= bytesOf(volume.emptyDir.sizeLimit), 'ephemeral storage requested for it');
  }
});

test('compose gives every doclayout container its own disk-backed /tmp and a spool bound', () => {
  for (const file of ['deploy/compose/docker-compose.yml', 'deploy/compose/docker-compose.cpu.yml']) {
    const services = (parse(read(file), { merge: true }) as Doc).services as Record<string, Doc>;
    for (const [name, service] of Object.entries(services).filter(([n]) => /^doclayout-(gpu\d+|cpu\d+|worker)$/.test(n))) {
      assert.ok((service.volumes as string[]).includes('/tmp'), `${file} ${name}: an anonymous volume of its own at /tmp`);
      assert.ok(!(service.tmpfs ?? []).length, `${file} ${name}: not a tmpfs`);
      assert.ok(Number(service.environment.DOCLAYOUT_SPOOL_MAX_MB) > 0, `${file} ${name}: DOCLAYOUT_SPOOL_MAX_MB`);
    }
  }
});
