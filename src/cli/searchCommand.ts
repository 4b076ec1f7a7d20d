import type { Command } from 'commander';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';
import { SEARCH_MODES, type CodeqConfig } from '../config/schema.js';
import { loadPromptTemplates } from '../policy/prompts.js';
import { BACKENDS, LANGUAGES, type Language } from '../sandbox/types.js';
import { collect, formatCollectSummary } from '../search/collect.js';
import type { BudgetUsed } from '../search/budget.js';
import { runSearch } from '../search/engine.js';
import { formatTree } from '../search/printTree.js';
import { toTrajectory } from '../search/trajectory.js';
import type { Expansion, SearchTree } from '../search/tree.js';
import { splitOfSlug, type SplitName } from '../tasks/split.js';
import type { Level } from '../tasks/task.js';
import { log } from '../util/log.js';
import { abortOnSignals } from './interrupt.js';
import { integer, listOf, nonNegativeNumber, oneOf, positiveInteger, requireOutputDir, UsageError } from './options.js';
import { checkSearchInputs, openSearchPolicy, searchConfig, type SearchFlags } from './searchSetup.js';
import { checkTaskSource, findTask, openTaskRun, selectTasks, type TaskFlags } from './taskRun.js';

const LEVELS = ['easy', 'medium', 'hard'] as const;

/** Options both commands take: the mode, the policy, budget overrides, the sandbox, the config. */
function searchOptions(command: Command): Command {
  return command
    .option('--mode <mode>', `search mode: ${SEARCH_MODES.join(', ')}`, oneOf(SEARCH_MODES), 'mcts')
    .option('--model <name-or-path>', 'catalog name or .gguf path (default: policy.model or models.default)')
    .option('--adapter <file>', 'a LoRA adapter GGUF (codeq train writes them) applied to the model')
    .option('--adapter-scale <s>', 'scale of the adapter (default 1)', nonNegativeNumber)
    .option('--tokens <n>', 'generated-token budget per task (default: search.budget.tokens)', positiveInteger)
    .option('--rollouts <n>', 'MCTS iterations (default: search.mcts.rollouts)', positiveInteger)
    .option('--k <n>', 'MCTS rewrites per expansion (default: search.mcts.k)', positiveInteger)
    .option('--n <n>', 'best-of-n samples at most (default: search.bestOfN.n)', positiveInteger)
    .option('--seed <n>', 'search seed (default: policy.generation.seed)', integer)
    .option('--backend <backend>', `sandbox backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--config <file>', 'config file overlaying configs/default.yaml');
}

interface CommonFlags extends SearchFlags {
  seed?: number;
  backend?: TaskFlags['backend'];
  config?: string;
}

/**
 * The split of a task found by `--task`: as prepared (tasks.jsonl), or, for one built now from
 * DebugBench, where tasks.split puts its problem.
 */
export function splitOfFound(task: object, split: CodeqConfig['tasks']['split']): SplitName {
  if ('split' in task && (task.split === 'train' || task.split === 'test')) return task.split;
  if ('slug' in task && typeof task.slug === 'string') return splitOfSlug(task.slug, split.testFraction, split.seed);
  throw new UsageError('the task has neither a split nor a slug. HINT: pass --tasks with a tasks.jsonl from codeq data prepare');
}

/** One log line per policy call of a search: what it proposed and what has been spent. */
export function logExpansion(expansion: Expansion, tree: SearchTree, used: BudgetUsed): void {
  const rewrites = expansion.rewrites;
  const best = Math.max(0, ...rewrites.map((r) => (r.node === null ? 0 : tree.node(r.node).visible.reward)));
  log.info(`${expansion.kind} #${expansion.parent}`, {
    depth: tree.node(expansion.parent).depth + 1,
    new: rewrites.filter((r) => r.node !== null && !r.duplicate).length,
    duplicates: rewrites.filter((r) => r.duplicate).length,
    noProgram: rewrites.filter((r) => r.node === null).length,
    bestReward: Number(best.toFixed(3)),
    tokens: used.generatedTokens,
    runs: used.executions,
    seconds: Math.round(used.wallMs / 1000),
  });
}

export function registerSearchCommands(program: Command): void {
  searchOptions(
    program
      .command('search')
      .description('search for a fix of one task and print the tree (visible tests guide it; hidden tests judge the answer)')
      .requiredOption('--task <id>', 'task id, e.g. python3/two-sum/condition-error/1a2b3c4d')
      .option('--tasks <file>', 'a prepared tasks.jsonl to take the task from (default: build its tests from DebugBench)')
      .option('--debugbench <dir>', 'DebugBench shards (default: $CODEQ_DEBUGBENCH or ../shared/debugbench)')
      .option('--code', 'print every program in the tree')
      .option('--json', 'print the trajectory record instead of the tree')
      .option('--out <file>', 'also write the trajectory record (JSON) to this file'),
  ).action(async (flags: CommonFlags & { task: string; tasks?: string; debugbench?: string; code?: boolean; json?: boolean; out?: string }) => {
    const { config: base, tasks: tasksConfig, sandbox } = await openTaskRun({ ...(flags.backend ? { backend: flags.backend } : {}), ...(flags.config ? { config: flags.config } : {}) }, (config) => {
      checkTaskSource(flags, config);
      checkSearchInputs(flags);
    });
    const config = searchConfig(base, flags);
    const { signal, release } = abortOnSignals('stopping after the current step; work done so far is kept');
    let policy = null;
    try {
      const target = await findTask(flags, config.tasks.debugbench, sandbox, tasksConfig);
      policy = await openSearchPolicy(config, flags);
      const templates = loadPromptTemplates(config.policy);
      const seed = flags.seed ?? config.policy.generation.seed;
      const split = splitOfFound(target.task, config.tasks.split);
      const outcome = await runSearch(flags.mode, { ...target.task, ...target, split }, { policy, sandbox, templates, config, seed, signal, onExpansion: logExpansion });
      const trajectory = toTrajectory(outcome, { ...target.task, split, visibleOnly: target.visibleOnly }, { model: policy.name, adapter: policy.adapter, seed, system: templates.system, config });
      if (flags.out) await writeFileAtomic(flags.out, `${JSON.stringify(trajectory)}\n`);
      process.stdout.write(flags.json ? `${JSON.stringify(trajectory)}\n` : formatTree(trajectory, { code: flags.code ?? false }));
      if (!trajectory.solved) process.exitCode = 4;
    } finally {
      release();
      await policy?.dispose();
      await sandbox.dispose();
    }
  });

  searchOptions(
    program
      .command('collect')
      .description('search many tasks, writing one trajectory per task to shard files (resumable: a rerun skips tasks already done)')
      .option('--tasks <file>', 'prepared tasks.jsonl (default: <cache>/data/debugbench/tasks.jsonl, from codeq data prepare)')
      .option('--split <split>', 'only tasks of this split: train, test (test-split trees are evaluation data: codeq pairs refuses them)', oneOf(['train', 'test'] as const), 'train')
      .option('--languages <list>', `comma-separated subset of ${LANGUAGES.join(',')}`, listOf(LANGUAGES))
      .option('--levels <list>', `comma-separated subset of ${LEVELS.join(',')}`, listOf(LEVELS))
      .option('--limit <n>', 'the first n tasks (after the filters)', positiveInteger)
      .requiredOption('--out <dir>', 'output directory: shard-*.jsonl, manifest.json, errors.jsonl')
      .option('--force', 'start over when --out holds trajectories collected with other settings')
      .addHelpText('after', '\nExample: codeq collect --tasks data/debugbench/tasks.jsonl --split train --mode mcts --out runs/collect-1 --limit 50'),
  ).action(async (flags: CommonFlags & { tasks?: string; split: SplitName; languages?: Language[]; levels?: Level[]; limit?: number; out: string; force?: boolean }) => {
    const { config: base, sandbox } = await openTaskRun({ ...(flags.backend ? { backend: flags.backend } : {}), ...(flags.config ? { config: flags.config } : {}) }, () => {
      checkSearchInputs(flags);
      requireOutputDir('--out', flags.out);
    });
    const config = searchConfig(base, flags);
    const { signal, release } = abortOnSignals('stopping after the current step; work done so far is kept');
    let policy = null;
    try {
      const tasks = selectTasks(flags, config);
      policy = await openSearchPolicy(config, flags);
      const summary = await collect({
        mode: flags.mode,
        tasks,
        out: flags.out,
        policy,
        sandbox,
        templates: loadPromptTemplates(config.policy),
        config,
        seed: flags.seed ?? config.policy.generation.seed,
        force: flags.force ?? false,
        signal,
      });
      process.stdout.write(`${formatCollectSummary(summary, flags.out, flags.split)}\n`);
      if (summary.failed > 0 || summary.aborted) process.exitCode = summary.aborted ? 130 : 3;
    } finally {
      release();
      await policy?.dispose();
      await sandbox.dispose();
    }
  });
}
