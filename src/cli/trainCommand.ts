import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadTrainConfig } from '../config/load.js';
import { checkTrainableBase, train } from '../training/trainRun.js';
import { Progress } from '../util/progress.js';
import { abortOnSignals } from './interrupt.js';
import { readPairsFile } from '../training/pairsFile.js';
import { requireInputFile, UsageError } from './options.js';

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('DPO on a LoRA adapter with the native trainer: metrics.jsonl, checkpoints, adapter.gguf (llama.cpp LoRA)')
    .requiredOption('--pairs <file>', 'preference pairs (codeq pairs writes them; TRL conversational format)')
    .requiredOption('--base <model.gguf>', 'the base model (a qwen2 GGUF: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q6_K)')
    .option('--config <file>', 'training config overlaying configs/train.yaml (TRL/PEFT names)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--resume', 'continue from the newest checkpoint in --out (bit for bit on the CPU)')
    .option('--merge', 'also write merged-f16.gguf: the base with the adapter merged in (F16)')
    .option('--allow-test-split', 'train on pairs from test-split tasks too (refused otherwise: evaluation data); the summary says so')
    .addHelpText('after', '\nExample: codeq train --pairs runs/pairs.jsonl --base ~/.cache/codeq/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf --out runs/train-1')
    .action(async (flags: { pairs: string; base: string; config?: string; out: string; resume?: boolean; merge?: boolean; allowTestSplit?: boolean }) => {
      // Every input is checked before anything is written to --out.
      const config = loadTrainConfig(flags.config);
      checkTrainInputs(flags);
      const created = !existsSync(flags.out);
      const { signal, release } = abortOnSignals('stopping after the current pair; a checkpoint keeps the steps done');
      let progress: Progress | null = null;
      try {
        const summary = await train({
          pairs: flags.pairs,
          base: flags.base,
          config,
          out: flags.out,
          resume: flags.resume ?? false,
          merge: flags.merge ?? false,
          allowTestSplit: flags.allowTestSplit ?? false,
          signal,
          onStart: (step) => (progress = new Progress(step > 0 ? `train (from step ${step})` : 'train', config.max_steps - step, 5_000)),
          onStep: (m) =>
            progress?.advance(1, {
              loss: m.loss.toFixed(4),
              acc: m['rewards/accuracies'].toFixed(2),
              margin: m['rewards/margins'].toFixed(3),
              'tok/s': m['tokens/s'].toFixed(0),
            }),
        });
        const f = summary.final;
        if (summary.split.test > 0) process.stdout.write(`TEST SPLIT: ${summary.split.test} of ${summary.pairs} pairs are from test-split tasks (--allow-test-split); do not evaluate this adapter on the test split\n`);
        process.stdout.write(
          `${summary.stopped ? 'stopped' : 'done'} at step ${summary.steps}/${config.max_steps} on ${summary.pairs} pairs (${summary.truncated} cut to max_length)` +
            (f ? `: loss ${f.loss.toFixed(4)}, rewards/accuracies ${f['rewards/accuracies'].toFixed(2)}, rewards/margins ${f['rewards/margins'].toFixed(3)}` : '') +
            `\n${summary.adapter ? `adapter: ${summary.adapter}\n` : `resume with: codeq train ... --out ${flags.out} --resume\n`}${summary.merged ? `merged model: ${summary.merged}\n` : ''}`,
        );
        if (summary.stopped) process.exitCode = 130;
      } catch (error) {
        if (created) removeIfNothingKept(flags.out);
        throw error;
      } finally {
        release();
      }
    });
}

/** What codeq train writes into --out: a directory holding any of them holds a training run. */
const RUN_FILES = ['train.json', 'metrics.jsonl', 'ref_logps.jsonl', 'checkpoints', 'adapter.gguf', 'merged-f16.gguf', 'summary.json'];

/** The pairs parse and are not empty, the base is a qwen2 GGUF the trainer reads, --out can take a new run. */
export function checkTrainInputs(flags: { pairs: string; base: string; out: string; resume?: boolean; allowTestSplit?: boolean }): void {
  requireInputFile('--pairs', flags.pairs, `codeq pairs --trajectories DIR --out ${flags.pairs} makes one`);
  if (readFileSync(flags.pairs, 'utf8').trim() === '') {
    throw new UsageError(`--pairs ${flags.pairs}: the file is empty, no pairs to train on. HINT: codeq pairs writes them; if it found none, collect more tasks or lower --threshold`);
  }
  readPairsFile(flags.pairs, { allowTestSplit: flags.allowTestSplit ?? false });
  checkTrainableBase(flags.base);
  if (!existsSync(flags.out)) return;
  if (!statSync(flags.out).isDirectory()) throw new UsageError(`--out ${flags.out}: exists and is not a directory. HINT: give a new directory`);
  const found = RUN_FILES.filter((name) => existsSync(join(flags.out, name)));
  if (found.length && !flags.resume) throw new UsageError(`--out ${flags.out} holds a training run (${found.join(', ')}). HINT: --resume continues it; another --out starts anew`);
}

/** After a failed run in a directory it created: removed, unless it holds work worth resuming (reference log-probs, checkpoints). */
function removeIfNothingKept(out: string): void {
  if (!existsSync(out)) return;
  const checkpoints = join(out, 'checkpoints');
  const kept = existsSync(join(out, 'ref_logps.jsonl')) || (existsSync(checkpoints) && readdirSync(checkpoints).length > 0);
  if (!kept) rmSync(out, { recursive: true, force: true });
}
