/**
 * `kustomize build` for the part of kustomize our kustomizations use, so the manifests are
 * checked as a cluster would get them on a machine without kubectl (none is packaged for npm or
 * Debian here): `resources` (files and other kustomization folders), `labels` (metadata labels
 * only, as kustomize does without includeSelectors/includeTemplates) and `patches` by path
 * (strategic merge). A field or directive it does not implement throws instead of being
 * ignored, so a kustomization can never be rendered silently wrong; where kubectl is installed,
 * k8s-schema.test.ts checks this renderer against `kubectl kustomize`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Doc = Record<string, any>;

const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'labels', 'patches']);
const LABEL_FIELDS = new Set(['pairs', 'includeSelectors', 'includeTemplates']);

/**
 * The key a strategic merge matches list items on (the Kubernetes API's patchMergeKey), by field
 * name; a list whose field is not here is replaced whole, as the API does for lists without one.
 * `ports` is a container's (containerPort) or a Service's (port): told apart by the items.
 */
const MERGE_KEYS: Record<string, string | ((items: Doc[]) => string)> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  ports: (items) => (items.some((item) => 'containerPort' in item) ? 'containerPort' : 'port'),
};

export const parseDocs = (text: string): Doc[] => parseAllDocuments(text).map((d) => d.toJS() as Doc).filter((d) => d?.kind);

export const objectLabel = (doc: Doc): string => `${doc.kind}/${doc.metadata?.name}`;

const isMap = (value: unknown): value is Doc => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Renders the kustomization in `dir`, as `kustomize build dir` would (up to object order). */
export function renderKustomization(dir: string): Doc[] {
  const file = path.join(dir, 'kustomization.yaml');
  const [kustomization] = parseDocs(fs.readFileSync(file, 'utf8'));
  if (kustomization?.kind !== 'Kustomization') throw new Error(`${file}: not a Kustomization`);
  const unknown = Object.keys(kustomization).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unknown.length > 0) throw new Error(`${file}: ${unknown.join(', ')} not implemented by kustomize-render.ts`);

  const objects = (kustomization.resources as string[] ?? []).flatMap((resource) => {
    const where = path.join(dir, resource);
    return fs.statSync(where).isDirectory() ? renderKustomization(where) : parseDocs(fs.readFileSync(where, 'utf8'));
  });
  const seen = new Set<string>();
  for (const object of objects) {
    const id = `${object.apiVersion} ${objectLabel(object)} ${object.metadata?.namespace ?? ''}`;
    if (seen.has(id)) throw new Error(`${file}: ${id} is listed twice (kustomize refuses it)`);
    seen.add(id);
  }

  for (const patch of kustomization.patches as Doc[] ?? []) {
    const extra = Object.keys(patch).filter((key) => key !== 'path');
    if (extra.length > 0) throw new Error(`${file}: patch ${extra.join(', ')} not implemented by kustomize-render.ts`);
    for (const body of parseDocs(fs.readFileSync(path.join(dir, patch.path), 'utf8'))) {
      const matches = (o: Doc): boolean => o.apiVersion === body.apiVersion && o.kind === body.kind
        && o.metadata?.name === body.metadata?.name && o.metadata?.namespace === body.metadata?.namespace;
      const count = objects.filter(matches).length;
      if (count !== 1) throw new Error(`${file}: patch ${patch.path} matches ${count} objects, not one`);
      const at = objects.findIndex(matches);
      objects[at] = strategicMerge(objects[at]!, body, patch.path);
    }
  }

  for (const entry of kustomization.labels as Doc[] ?? []) {
    const extra = Object.keys(entry).filter((key) => !LABEL_FIELDS.has(key));
    if (extra.length > 0 || entry.includeSelectors || entry.includeTemplates) {
      throw new Error(`${file}: labels other than plain pairs are not implemented by kustomize-render.ts`);
    }
    for (const object of objects) {
      object.metadata ??= {};
      object.metadata.labels = { ...object.metadata.labels, ...entry.pairs };
    }
  }
  return objects;
}

/** A strategic merge patch of `patch` onto `target`: maps merge, keyed lists merge by key, null deletes. */
export function strategicMerge(target: Doc, patch: Doc, where: string): Doc {
  const merged: Doc = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`${where}: the ${key} directive is not implemented by kustomize-render.ts`);
    if (value === null) delete merged[key];
    else if (isMap(value) && isMap(merged[key])) merged[key] = strategicMerge(merged[key], value, `${where}.${key}`);
    else if (Array.isArray(value) && Array.isArray(merged[key]) && MERGE_KEYS[key]) merged[key] = mergeList(key, merged[key], value, where);
    else merged[key] = structuredClone(value);
  }
  return merged;
}

/**
 * Items the patch names come first, in the patch's order (merged into the target's item of the
 * same key where there is one), then the target's other items in their order: kustomize's order.
 */
function mergeList(field: string, target: Doc[], patch: Doc[], where: string): Doc[] {
  const rule = MERGE_KEYS[field]!;
  const key = typeof rule === 'string' ? rule : rule([...target, ...patch]);
  for (const item of [...target, ...patch]) {
    if (!isMap(item) || !(key in item)) throw new Error(`${where}.${field}: an item without its merge key ${key}`);
  }
  const named = new Set(patch.map((item) => item[key]));
  const fromPatch = patch.map((item) => {
    const existing = target.find((t) => t[key] === item[key]);
    return existing ? strategicMerge(existing, item, `${where}.${field}[${key}=${item[key]}]`) : structuredClone(item);
  });
  return [...fromPatch, ...target.filter((item) => !named.has(item[key])).map((item) => structuredClone(item))];
}
