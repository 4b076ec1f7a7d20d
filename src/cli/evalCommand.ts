import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { SEARCH_MODES, type SearchMode } from '../config/schema.js';
import { formatEvalMarkdown } from '../evaluation/markdown.js';
import { labelPolicies, parsePolicySpec, runEvaluation } from '../evaluation/runEvaluation.js';
import { BACKENDS, LANGUAGES, type BackendName, type Language } from '../sandbox/types.js';
import type { SplitName } from '../tasks/split.js';
import type { Level } from '../tasks/task.js';
import { abortOnSignals } from './interrupt.js';
import { listOf, oneOf, positiveInteger, requireInputFile, requireOutputDir } from './options.js';
import { openTaskRun, selectTasks } from './taskRun.js';

const LEVELS = ['easy', 'medium', 'hard'] as const;

/** "0,1,2": distinct whole numbers ≥ 0. */
function seedList(value: string): number[] {
  const seeds = value.split(',').map((s) => s.trim());
  if (seeds.some((s) => !/^\d+$/.test(s))) throw new InvalidArgumentError(`expected comma-separated whole numbers ≥ 0, got ${JSON.stringify(value)}`);
  const out = [...new Set(seeds.map(Number))];
  return out;
}

function tokenCaps(value: string): number[] {
  const caps = value.split(',').map((s) => positiveInteger(s.trim()));
  return [...new Set(caps)].sort((a, b) => a - b);
}

interface EvalFlags {
  policy: string;
  baseline?: string;
  tasks?: string;
  split: SplitName;
  modes: SearchMode[];
  tokens: number[];
  seeds: number[];
  languages?: Language[];
  levels?: Level[];
  limit?: number;
  out: string;
  backend?: BackendName;
  config?: string;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('score policies on the same held-out tasks (visible AND hidden tests), by mode, token cap, language, bug category, difficulty; paired comparisons with McNemar')
    .requiredOption('--policy <model[+adapter]>', 'the policy: a GGUF (or "default", the configured model), optionally +ADAPTER.gguf')
    .option('--baseline <model[+adapter]>', 'compare against this policy, paired on the same tasks')
    .option('--tasks <file>', 'prepared tasks.jsonl (default: <cache>/data/debugbench/tasks.jsonl, from codeq data prepare)')
    .option('--split <split>', 'tasks of this split: test (held out) or train', oneOf(['train', 'test'] as const), 'test')
    .option('--modes <list>', `comma-separated subset of ${SEARCH_MODES.join(',')}`, listOf(SEARCH_MODES), ['single', 'best-of-n', 'mcts'])
    .option('--tokens <list>', 'generated-token caps: each search gets the largest, and is counted at every cap', tokenCaps, [512, 1024, 2048])
    .option('--seeds <list>', 'repeat every search with each seed', seedList, [0])
    .option('--languages <list>', `comma-separated subset of ${LANGUAGES.join(',')}`, listOf(LANGUAGES))
    .option('--levels <list>', `comma-separated subset of ${LEVELS.join(',')}`, listOf(LEVELS))
    .option('--limit <n>', 'the first n tasks (after the filters)', positiveInteger)
    .requiredOption('--out <dir>', 'output directory: results.json, summary.md, trajectories/ (a rerun resumes)')
    .option('--backend <name>', `sandbox backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--config <file>', 'config file (YAML), overlaying the defaults')
    .addHelpText('after', '\nExample: codeq eval --policy default+runs/exp/round-1/train/adapter.gguf --baseline default --modes single,mcts --limit 30 --out runs/eval-1')
    .action(async (flags: EvalFlags) => {
      // Every input is checked before anything is created.
      const specs = [...(flags.baseline ? [parsePolicySpec(flags.baseline, '--baseline')] : []), parsePolicySpec(flags.policy, '--policy')];
      for (const [option, s] of specs.map((spec, i) => [i === specs.length - 1 ? '--policy' : '--baseline', spec] as const)) {
        if (s.adapter) requireInputFile(`${option} adapter`, s.adapter, 'a round writes its adapter under <experiment>/round-<n>/train/');
        if (s.model && (s.model.endsWith('.gguf') || s.model.includes('/'))) requireInputFile(`${option} model`, s.model, 'give a GGUF path, or "default" for the configured model');
      }
      requireOutputDir('--out', flags.out);
      const { config, sandbox } = await openTaskRun({ ...(flags.backend ? { backend: flags.backend } : {}), ...(flags.config ? { config: flags.config } : {}) });
      const { signal, release } = abortOnSignals('stopping after the current search; a rerun continues');
      try {
        const tasks = selectTasks(flags, config);
        const tty = process.stderr.isTTY;
        const results = await runEvaluation({
          policies: labelPolicies(specs),
          compare: Boolean(flags.baseline),
          modes: flags.modes,
          caps: flags.tokens,
          seeds: flags.seeds,
          tasks,
          out: flags.out,
          config,
          sandbox,
          signal,
          onProgress: (p) => {
            const line = `${p.policy} ${p.mode} seed ${p.seed}: ${p.done}/${p.total} tasks, ${p.solved} solved`;
            if (tty) process.stderr.write(`\r\x1b[2K${line}${p.done === p.total ? '\n' : ''}`);
            else process.stderr.write(`${JSON.stringify({ level: 'info', msg: 'eval progress', ...p })}\n`);
          },
        });
        process.stdout.write(formatEvalMarkdown(results));
        process.stdout.write(`\nresults: ${join(flags.out, 'results.json')}; summary: ${join(flags.out, 'summary.md')}\n`);
      } finally {
        release();
        await sandbox.dispose();
      }
    });
}
