/**
 * The GPU variants cannot be built here (their CUDA runtime image and onnxruntime-node's CUDA
 * provider come from registries this machine cannot reach, and there is no GPU to run them on),
 * so what they need is checked instead: Compose resolves the stack, every build argument it
 * passes is one the Dockerfile declares, ONNXRUNTIME_NODE_INSTALL is a flavour onnxruntime-node's
 * installer has for linux/x64, RUNTIME_IMAGE is a CUDA 12 + cuDNN runtime image, and every GPU
 * service runs the image those arguments build.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../../fixtures/paths.js';
import { composeFiles, stack } from './compose.js';
import type { LiveContext } from './live-context.js';

type Doc = Record<string, any>;

export function gpuVariantSuite(ctx: LiveContext): void {
  describe('the GPU variants (not buildable here: checked, not built)', () => {
    it('compose resolves them; their build arguments are declared and mean what they say', async () => {
      const config = await stack(ctx.get().engine, 'dlgpu', {}).compose(['--profile', 'cluster', '--profile', 'setup', 'config']);
      const services = (parse(config.stdout) as Doc).services as Record<string, Doc>;
      const gpu = Object.entries(services).filter(([, s]) => JSON.stringify(s.deploy ?? {}).includes('"gpu"'));
      assert.deepEqual(gpu.map(([name]) => name).sort(), ['doclayout-gpu0', 'doclayout-gpu1', 'doclayout-worker']);

      const dockerfile = fs.readFileSync(path.join(repoRoot, 'deploy/docker/Dockerfile'), 'utf8');
      const declared = new Set([...dockerfile.matchAll(/^ARG (\w+)/gm)].map((m) => m[1]!));
      const require = createRequire(path.join(repoRoot, 'package.json'));
      const installer = require('onnxruntime-node/script/install-metadata.js') as { requirements: Record<string, string[]> };
      const built = new Set<string>();
      for (const [name, service] of Object.entries(services)) {
        if (!service.build) continue;
        assert.equal(path.resolve(service.build.context, service.build.dockerfile), path.join(repoRoot, 'deploy/docker/Dockerfile'), name);
        for (const arg of Object.keys(service.build.args ?? {})) assert.ok(declared.has(arg), `${name}: build arg ${arg} is not an ARG of the Dockerfile`);
        if (!gpu.some(([n]) => n === name)) continue;
        const args = service.build.args as Record<string, string>;
        assert.ok(installer.requirements['linux/x64']!.includes(args.ONNXRUNTIME_NODE_INSTALL!), `${name}: onnxruntime-node has no ${args.ONNXRUNTIME_NODE_INSTALL} build for linux/x64`);
        assert.match(args.RUNTIME_IMAGE!, /^nvidia\/cuda:12\.[\d.]+-cudnn-runtime-/, `${name}: the CUDA provider needs CUDA 12 and cuDNN at run time`);
        built.add(service.image);
      }
      // Services without a build section (the worker, models-pull) run the image the GPU services build.
      assert.deepEqual([...built], ['doclayout:cuda12']);
      for (const [name, service] of gpu) assert.equal(service.image, 'doclayout:cuda12', name);
      assert.equal(services['models-pull']!.image, 'doclayout:cuda12');
      // The CPU override is resolved too (same command, both files): nothing in it asks for a GPU.
      assert.equal(composeFiles.length, 2);
      for (const name of ['doclayout-cpu0', 'doclayout-cpu1', 'nginx-cpu', 'doclayout-worker-cpu', 'redis-cpu']) {
        assert.ok(services[name], `${name} missing`);
        assert.equal(services[name]!.network_mode, 'host', name);
        assert.ok(!JSON.stringify(services[name]!.deploy ?? {}).includes('gpu'), `${name} asks for a GPU`);
      }
    });
  });
}
