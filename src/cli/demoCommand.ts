import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { debugbenchDir } from '../config/paths.js';
import type { CodeqConfig, SearchMode } from '../config/schema.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import { SELF_CHECK_CASES } from '../sandbox/selfCheck.js';
import { BACKENDS, LANGUAGES, type BackendName, type Sandbox, type SandboxResult } from '../sandbox/types.js';
import { loadDebugBench } from '../tasks/debugbench.js';
import { prepareTask } from '../tasks/prepare/prepareTask.js';
import { splitOfSlug } from '../tasks/split.js';
import { log } from '../util/log.js';
import { env, resolveCacheDir } from '../config/env.js';
import { resolveModel } from '../models/pull.js';
import { Policy } from '../policy/policy.js';
import { loadPromptTemplates } from '../policy/prompts.js';
import { extractPairs } from '../preferences/extractPairs.js';
import { searchTaskOf, taskSeed } from '../search/collect.js';
import { runSearch } from '../search/engine.js';
import { verdictText } from '../search/printTree.js';
import { toTrajectory, type Trajectory } from '../search/trajectory.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { commandConfig, oneOf, positiveInteger, requireDebugBench } from './options.js';
import { logExpansion } from './searchCommand.js';

/**
 * What `npm start` runs until a full self-improvement round exists: the slices of the round that
 * exist today. (1) The sandbox judges known programs in every language on every backend. (2) A
 * sample of DebugBench records becomes tasks: tests from the oracle, hidden tests, the buggy
 * code's verdicts. (3) The default policy model searches for fixes: one pass, then MCTS where one
 * pass failed the visible tests, judged on visible and hidden tests; the train-split trees give
 * preference pairs.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job so far: the sandbox self-check, a sample of DebugBench prepared into tasks, searches for fixes by the default model')
    .option('--backend <backend>', `only this backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--sample <n>', 'DebugBench records per language to prepare (0 = skip)', (v) => (v === '0' ? 0 : positiveInteger(v)), 3)
    .option('--debugbench <dir>', 'DebugBench shards (default: $CODEQ_DEBUGBENCH or ../shared/debugbench)')
    .option('--no-search', 'skip the searches by the default model')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (options: { backend?: BackendName; sample: number; debugbench?: string; search: boolean; config?: string }) => {
      const config = commandConfig(options);
      // Inputs first: a DebugBench directory that was asked for (flag, config, environment) must exist.
      const debugbench = options.sample > 0 ? demoDebugBench(options.debugbench, config) : null;
      const backends = options.backend ? [options.backend] : [...BACKENDS];
      process.stdout.write(
        'codeq demo: the self-improvement round is not built yet; this runs the slices that exist:\n' +
          'the sandbox self-check, DebugBench records turned into tasks with visible and hidden tests,\n' +
          'then searches for fixes by the default model and the preference pairs they give.\n\n',
      );
      const mismatches = await selfCheck(config, backends);
      const prepared = options.sample === 0 ? [] : debugbench ? await sampleTasks(config, backends[0]!, options.sample, debugbench) : skipSample();
      if (options.search && prepared.length > 0) await searchSample(config, backends[0]!, prepared);
      if (mismatches > 0) process.exitCode = 1;
    });
}

async function selfCheck(config: CodeqConfig, backends: BackendName[]): Promise<number> {
  const results = new Map<BackendName, SandboxResult[]>();
  for (const backend of backends) {
    const sandbox: Sandbox = await createSandbox(config, backend);
    try {
      const runs: SandboxResult[] = [];
      for (const [index, check] of SELF_CHECK_CASES.entries()) {
        log.info(`${backend} ${index + 1}/${SELF_CHECK_CASES.length}: ${check.language} ${check.name}`);
        runs.push(await sandbox.run({ ...check, limits: check.limits }));
      }
      results.set(backend, runs);
    } finally {
      await sandbox.dispose();
    }
  }
  let mismatches = 0;
  const header = ['language', 'program', 'expected', ...backends.map((b) => `${b} (ms)`)];
  const rows = SELF_CHECK_CASES.map((check, index) => [
    check.language,
    check.name,
    check.expect,
    ...backends.map((backend) => {
      const result = results.get(backend)?.[index];
      if (!result) return '-';
      if (result.verdict !== check.expect) mismatches++;
      return `${result.verdict === check.expect ? '' : '✗ '}${result.verdict} (${result.durationMs})`;
    }),
  ]);
  process.stdout.write(`1. Sandbox self-check\n\n${table([header, ...rows])}\n`);
  process.stdout.write(mismatches === 0 ? '\nevery verdict as expected\n\n' : `\n${mismatches} unexpected verdicts\n\n`);
  return mismatches;
}

/**
 * The DebugBench directory of the sample: one named by --debugbench, tasks.debugbench or
 * $CODEQ_DEBUGBENCH must exist (an error otherwise); the built-in default may be missing (null:
 * the sample is skipped, and the demo says so).
 */
function demoDebugBench(flag: string | undefined, config: CodeqConfig): string | null {
  if (flag !== undefined || config.tasks.debugbench || env.debugbench) return requireDebugBench(flag, config.tasks.debugbench);
  const dir = debugbenchDir(null);
  return existsSync(dir) ? dir : null;
}

function skipSample(): PreparedTask[] {
  process.stdout.write(`2. DebugBench sample: skipped, ${debugbenchDir(null)} does not exist (pass --debugbench DIR or set CODEQ_DEBUGBENCH)\n`);
  return [];
}

async function sampleTasks(config: CodeqConfig, backend: BackendName, perLanguage: number, debugbench: string): Promise<PreparedTask[]> {
  const { tasks } = loadDebugBench(debugbench);
  // A spread of problems, the same every run: every k-th task of each language.
  const sample = LANGUAGES.flatMap((language) => {
    const mine = tasks.filter((t) => t.language === language).sort((a, b) => (a.id < b.id ? -1 : 1));
    const step = Math.max(1, Math.floor(mine.length / perLanguage));
    return mine.filter((_, i) => i % step === 0).slice(0, perLanguage);
  });
  const sandbox = await createSandbox(config, backend);
  const rows: string[][] = [['task', 'visible', 'hidden', 'buggy code (visible / hidden)']];
  const prepared: PreparedTask[] = [];
  try {
    for (const [index, task] of sample.entries()) {
      log.info(`preparing ${index + 1}/${sample.length}: ${task.id}`);
      const outcome = await prepareTask(task, splitOfSlug(task.slug, config.tasks.split.testFraction, config.tasks.split.seed), sandbox, config.tasks);
      if (outcome.status === 'testable') prepared.push(outcome.task);
      rows.push(
        outcome.status === 'testable'
          ? [task.id, String(outcome.task.visible.length), String(outcome.task.hidden.length), `${outcome.task.buggy.visible} / ${outcome.task.buggy.hidden ?? '-'}`]
          : [task.id, '-', '-', `dropped: ${outcome.reason}`],
      );
    }
  } finally {
    await sandbox.dispose();
  }
  process.stdout.write(`2. DebugBench records prepared into tasks (${backend}; all of them: codeq data prepare)\n\n${table(rows)}\n\n`);
  return prepared;
}

/**
 * Search on the sample with the default model: one pass for every task, then MCTS (the default
 * budget) where one pass failed the visible tests (the pipeline decides from the visible verdict
 * only; the hidden one is evaluation's); each answer judged on visible, then hidden tests. The
 * MCTS trees of train-split tasks give preference pairs, as a round's collection would.
 */
async function searchSample(config: CodeqConfig, backend: BackendName, tasks: PreparedTask[]): Promise<void> {
  let model;
  try {
    model = await resolveModel(config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir));
  } catch (error) {
    process.stdout.write(`3. Search: skipped, the model is not available: ${(error as Error).message}\n`);
    return;
  }
  const policy = await Policy.load(model.file, { ...config.policy, sequences: config.search.mcts.k });
  const sandbox = await createSandbox(config, backend);
  const templates = loadPromptTemplates(config.policy);
  const rows: string[][] = [['task', 'single pass', 'MCTS (if single failed)']];
  const trees: Trajectory[] = [];
  /** Each task's last search: what the sample's figures count. */
  const finals: Trajectory[] = [];
  const cell = (t: Trajectory) =>
    `${verdictText(t)}${t.chosen ? ` (visible ${t.chosen.visible.passed}/${t.chosen.visible.total}${t.chosen.hidden ? `, hidden ${t.chosen.hidden.passed}/${t.chosen.hidden.total}` : ''})` : ''}, ${t.budget.generatedTokens} tok, ${t.nodes.length - 1} programs, ${(t.budget.wallMs / 1000).toFixed(0)} s`;
  try {
    for (const [index, task] of tasks.entries()) {
      const seed = taskSeed(config.policy.generation.seed, task.id);
      const search = async (mode: SearchMode) => {
        log.info(`${mode} ${index + 1}/${tasks.length}: ${task.id}`);
        const outcome = await runSearch(mode, searchTaskOf(task, config), { policy, sandbox, templates, config, seed, onExpansion: logExpansion });
        return toTrajectory(outcome, task, { model: policy.name, adapter: policy.adapter, seed, system: templates.system, config });
      };
      const single = await search('single');
      const mcts = single.solvedVisible ? null : await search('mcts');
      if (mcts) trees.push(mcts);
      finals.push(mcts ?? single);
      rows.push([`${task.id} (${task.split})`, cell(single), mcts ? cell(mcts) : '-']);
    }
  } finally {
    await sandbox.dispose();
    await policy.dispose();
  }
  const train = trees.filter((t) => t.split === 'train');
  const { summary } = await extractPairs(train, config.pairs);
  const count = (test: (t: Trajectory) => boolean) => finals.filter(test).length;
  process.stdout.write(
    `3. Search by ${policy.name}: one pass, then MCTS within ${config.search.budget.tokens} generated tokens where one pass failed the visible tests (one task: codeq search --task ID; many: codeq collect)\n\n${table(rows)}\n\n` +
      `Solved (visible and hidden tests): ${count((t) => t.solved)} of ${finals.length}; pass_visible_only (hidden tests cannot vouch, not solves): ${count((t) => t.verdict === 'pass_visible_only')}; ` +
      `passed the visible tests only to fail hidden ones: ${count((t) => t.solvedVisible && !t.solved && t.verdict !== 'pass_visible_only')}.\n` +
      `Preference pairs from the train-split MCTS trees (codeq pairs; ${trees.length - train.length} test-split trees are evaluation data, not paired): ${summary.pairs} ` +
      `(${summary.semanticDuplicates} duplicates removed, ${summary.exactDuplicates} of them exact), from ${summary.perTask.tasksWithPairs} of ${summary.perTask.tasks} trees.\n`,
  );
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
