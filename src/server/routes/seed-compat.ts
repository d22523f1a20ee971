/**
 * The original multi-GPU guide's API, kept so its client scripts work unchanged:
 * `POST /analyze` (multipart `file`) and `GET /gpu_status`. Devices are numbered as the pool
 * numbers them; on a CPU-only host the "GPUs" are the CPU workers (`CPU_0_Ready`, …), so
 * `gpu_count` always equals the length of `gpu_loads`.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceSnapshot } from '../../pool/index.js';
import type { ServerContext } from '../context.js';
import { failedPageBody, layoutQuerySchema } from '../layout-response.js';
import { analyzeUpload } from '../analysis-route.js';

const STATE_NAMES: Readonly<Record<DeviceSnapshot['state'], string>> = {
  starting: 'Starting',
  ready: 'Ready',
  busy: 'Busy',
  draining: 'Draining',
  restarting: 'Restarting',
  failed: 'Failed',
  stopped: 'Stopped',
};

/** "cuda:1" → "GPU_1_Ready"; "cpu:0" → "CPU_0_Ready". */
function engineName(device: Pick<DeviceSnapshot, 'index' | 'id' | 'kind' | 'state'>): string {
  const ordinal = device.id.includes(':') ? device.id.split(':')[1] : String(device.index);
  return `${device.kind === 'cpu' ? 'CPU' : 'GPU'}_${ordinal}_${STATE_NAMES[device.state]}`;
}

export function seedCompatRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  app.post('/analyze', {
    schema: {
      tags: ['seed-compatible'],
      summary: 'Original guide API: one image (or PDF) → { status, gpu_used, regions_count, regions }',
      querystring: layoutQuerySchema,
    },
    config: {
      shed: true,
      errorFormat: 'seed',
      openapi: {
        body: { content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } } },
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['success', 'partial'], description: 'partial: some PDF pages failed alone (failed_pages)' },
              gpu_used: { type: 'integer', description: 'Index of the device that answered' },
              regions_count: { type: 'integer' },
              regions: { type: 'array', items: { type: 'object', additionalProperties: true } },
              failed_pages: {
                type: 'array',
                description: 'PDF pages whose own rendering failed (LAYOUT_ERR_PDF); present only with status partial',
                items: { type: 'object', properties: { page: { type: 'integer' }, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
              },
            },
          },
        },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    const { doc } = await analyzeUpload(ctx, request, reply, '/analyze');
    const results = doc.pages.map((p) => p.result);
    const first = results[0]!;
    // A PDF's regions are concatenated, each tagged with its page.
    const regions = doc.mediaType === 'pdf' ? results.flatMap((r) => r.regions.map((region) => ({ ...region, page: r.input.page }))) : first.regions;
    // A page that failed alone has no regions here: "partial", so a client that checks for
    // "success" never reads it as a blank page; failed_pages says which and why.
    const failed = doc.failedPages.map(failedPageBody);
    return {
      status: failed.length > 0 ? 'partial' : 'success',
      gpu_used: first.deviceIndex,
      device: first.device,
      regions_count: regions.length,
      regions,
      width: first.input.width,
      height: first.input.height,
      ...(doc.mediaType === 'pdf' ? { pages_count: doc.pages.length + failed.length } : {}),
      ...(failed.length > 0 ? { failed_pages: failed } : {}),
      processing_time_ms: Math.round((performance.now() - started) * 10) / 10,
    };
  });

  app.get('/gpu_status', {
    schema: { tags: ['seed-compatible'], summary: 'Original guide API: per-device load and engine states' },
    config: {
      openapi: {
        response: {
          200: {
            type: 'object',
            properties: {
              gpu_count: { type: 'integer' },
              gpu_loads: { type: 'array', items: { type: 'integer' }, description: 'Pages in flight per device' },
              inference_engines: { type: 'array', items: { type: 'string' }, example: ['GPU_0_Ready', 'GPU_1_Busy'] },
            },
          },
        },
      },
    },
  }, async () => {
    const { devices, queueDepth } = ctx.engine.load();
    return {
      gpu_count: devices.length,
      gpu_loads: devices.map((d) => d.inflight),
      inference_engines: devices.map(engineName),
      queue_depth: queueDepth,
    };
  });

  return Promise.resolve();
}
