/**
 * The web UI: static files from the package's web/ folder (no build step, no CDN), `/` for the
 * upload viewer, `/jobs` for queued documents (POST /v1/jobs with progress) and `/dashboard` for live pool status. The class palette is generated here from
 * `labelColor`, the overlay renderer's own colours, so the browser and the PNGs always agree.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { DOCLAYOUT_L_LABELS, DOCLAYOUT_PLUS_L_LABELS, DOCLAYOUT_V3_LABELS } from '../../model/index.js';
import { labelColor, labelPalette } from '../../visualize/overlay.js';
import { packageInfo } from '../package-info.js';

/** Same-origin only: the UI loads nothing from elsewhere, and says so to the browser. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

const MAX_PALETTE_LABELS = 200;

/** Colour for every built-in label, plus any labels the caller names (`?labels=a,b`). */
function paletteFor(extra: readonly string[] = []): Record<string, string> {
  const labels = new Set<string>([...Object.keys(labelPalette), ...DOCLAYOUT_V3_LABELS, ...DOCLAYOUT_L_LABELS, ...DOCLAYOUT_PLUS_L_LABELS, ...extra]);
  return Object.fromEntries([...labels].sort().map((label) => [label, labelColor(label)]));
}

function webDir(): string {
  return path.join(packageInfo().root, 'web');
}

/** The pdf.js files the browser needs for page thumbnails: the module, its worker and fonts. */
const PDFJS_FILES = /^\/(build\/pdf(\.worker)?\.min\.mjs|standard_fonts\/[\w.-]+)$/;

/**
 * The naming scheme (export/names.ts, compiled beside this file) is the browser's too: the UI
 * imports it as /ui/js/names.js, so its download names cannot drift from the server's.
 */
const NAMES_MODULE = fileURLToPath(new URL('../../export/names.js', import.meta.url));

function pdfjsDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
}

export async function webRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: webDir(),
    prefix: '/ui/',
    index: false,
    // Assets change with the package version only; revalidate cheaply with ETags.
    cacheControl: true,
    maxAge: 0,
    setHeaders: (reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    },
  });

  // pdf.js from the server's own pdfjs-dist (same version as the rasteriser; no CDN).
  await app.register(fastifyStatic, {
    root: pdfjsDir(),
    prefix: '/ui/vendor/pdfjs/',
    decorateReply: false,
    index: false,
    cacheControl: true,
    maxAge: 0,
    allowedPath: (pathName) => PDFJS_FILES.test(pathName),
    setHeaders: (reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    },
  });

  app.get('/ui/js/names.js', { schema: { hide: true } }, (_request, reply) =>
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).sendFile(path.basename(NAMES_MODULE), path.dirname(NAMES_MODULE)));

  const page = (file: string) => (_request: unknown, reply: FastifyReply) => reply.header('content-security-policy', CONTENT_SECURITY_POLICY).type('text/html; charset=utf-8').sendFile(file);
  app.get('/', { schema: { hide: true } }, page('index.html'));
  app.get('/dashboard', { schema: { hide: true } }, page('dashboard.html'));
  app.get('/jobs', { schema: { hide: true } }, page('jobs.html'));

  app.get('/ui/palette.json', {
    schema: {
      tags: ['ui'],
      summary: 'Class colours used by the overlays and the web UI',
      querystring: { type: 'object', properties: { labels: { type: 'string', description: 'Comma-separated extra labels' } } },
    },
  }, async (request) => {
    const { labels } = request.query as { labels?: string };
    const extra = (labels ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0 && s.length <= 64).slice(0, MAX_PALETTE_LABELS);
    return paletteFor(extra);
  });
}
