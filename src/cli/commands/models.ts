/**
 * `doclayout models list|pull|verify|path|info`: the model registry and cache from the shell.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { resolveConfig } from '../../config.js';
import { ChecksumError, DownloadError, UnknownModelError } from '../../errors.js';
import { pullModel, sha256File } from '../../model/index.js';
import { DEFAULT_MODEL_NAME, findKnownModel, knownModels, type KnownModel } from '../../model/index.js';
import { resolveModelPath } from '../../model/index.js';
import { openSession } from '../../model/index.js';
import { probeBatch } from '../../pipeline/index.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';

function known(name: string): KnownModel {
  const model = findKnownModel(name);
  if (!model) throw UnknownModelError(name, knownModels.map((m) => m.name).join(', '));
  return model;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

function offlineHint(model: KnownModel, modelDir: string): string {
  return [
    `doclayout: no download of ${model.name}. Without internet:`,
    `  - copy ${model.file} (sha256 ${model.sha256}) from a machine that has it to ${path.join(modelDir, model.file)}, then \`doclayout models verify ${model.name}\`;`,
    '  - or give any PP-DocLayout ONNX file with --model /path/to/model.onnx (env DOCLAYOUT_MODEL);',
    '  - or, to try the tools without the real model, `npm run make:standin` and --model bench/models/pp-doclayoutv3-standin.onnx (random weights).',
    '',
  ].join('\n');
}

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('List, download and verify models');

  addConfigOptions(models.command('list').description('Known models and whether they are in the model dir'), ['modelDir'])
    .option('--json', 'machine-readable output')
    .action((options: Record<string, unknown>) => {
      const config = configFromOptions(options, ['modelDir']);
      const rows = knownModels.map((m) => {
        const file = path.join(config.modelDir, m.file);
        return { name: m.name, default: m.name === DEFAULT_MODEL_NAME, installed: fs.existsSync(file), file, size: m.sizeBytes, description: m.description };
      });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(`model dir: ${config.modelDir}\n`);
      for (const row of rows) {
        const size = row.size === undefined ? '' : ` (${mb(row.size)})`;
        process.stdout.write(`${row.installed ? '✔' : ' '} ${row.name}${row.default ? ' [default]' : ''}${size}\n    ${row.description}\n`);
      }
    });

  addConfigOptions(models.command('pull').argument('[name]', 'model name', DEFAULT_MODEL_NAME).description('Download a model with checksum verification'), ['modelDir'])
    .option('--force', 're-download even if present')
    .action(async (name: string, options: Record<string, unknown>) => {
      const config = configFromOptions(options, ['modelDir']);
      const model = known(name);
      const bar = process.stderr.isTTY
        ? new cliProgress.SingleBar({ format: `${model.name} [{bar}] {percentage}% {value}/{total} MB {speed} MB/s ETA {eta_formatted}`, hideCursor: true }, cliProgress.Presets.shades_classic)
        : undefined;
      const started = Date.now();
      let lastLine = 0;
      const file = await pullModel(model, {
        modelDir: config.modelDir,
        force: Boolean(options.force),
        onProgress: ({ receivedBytes, totalBytes }) => {
          const total = totalBytes ?? model.sizeBytes ?? receivedBytes;
          const speed = (receivedBytes / 1e6 / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(1);
          if (bar) {
            if (bar.getTotal() !== Math.round(total / 1e6)) bar.start(Math.round(total / 1e6), 0, { speed });
            bar.update(Math.round(receivedBytes / 1e6), { speed });
          } else if (Date.now() - lastLine > 2000) {
            lastLine = Date.now();
            process.stderr.write(`${model.name}: ${mb(receivedBytes)} / ${mb(total)}\n`);
          }
        },
      }).catch((err: unknown) => {
        bar?.stop();
        // The reasons are in the error; what to do without a download is here.
        if (DownloadError.is(err)) process.stderr.write(offlineHint(model, config.modelDir));
        throw err;
      }).finally(() => bar?.stop());
      process.stdout.write(`${file}\n`);
    });

  addConfigOptions(models.command('verify').argument('[name]', 'model name', DEFAULT_MODEL_NAME).description('Check a downloaded model against its sha256'), ['modelDir'])
    .action(async (name: string, options: Record<string, unknown>) => {
      const config = configFromOptions(options, ['modelDir']);
      const model = known(name);
      const file = resolveModelPath({ model: model.name, modelDir: config.modelDir });
      const digest = await sha256File(file);
      if (digest !== model.sha256) throw ChecksumError(file, model.sha256, digest);
      process.stdout.write(`ok ${file} sha256 ${digest}\n`);
    });

  addConfigOptions(models.command('path').argument('[name]', 'model name or file').description('Print the file the engine would load'), ['modelDir'])
    .action((name: string | undefined, options: Record<string, unknown>) => {
      const config = resolveConfig({ modelDir: configFromOptions(options, ['modelDir']).modelDir, ...(name ? { model: name } : {}) });
      process.stdout.write(`${resolveModelPath(config)}\n`);
    });

  addConfigOptions(models.command('info').argument('[name]', 'model name or file').description('Load a model and print its detected contract'), ['modelDir'])
    .action(async (name: string | undefined, options: Record<string, unknown>) => {
      const config = resolveConfig({ modelDir: configFromOptions(options, ['modelDir']).modelDir, ...(name ? { model: name } : {}) });
      const session = await openSession(resolveModelPath(config));
      try {
        const { metadata, ...info } = session.info;
        // The device workers' probe: one real batch of 2 says whether the graph takes batches.
        process.stdout.write(`${JSON.stringify({ ...info, metadataKeys: Object.keys(metadata), batchOk: await probeBatch(session, 2) }, null, 2)}\n`);
      } finally {
        await session.release();
      }
    });
}
