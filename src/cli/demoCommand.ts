import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { debugbenchDir } from '../config/paths.js';
import type { CodeqConfig } from '../config/schema.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import { SELF_CHECK_CASES } from '../sandbox/selfCheck.js';
import { BACKENDS, LANGUAGES, type BackendName, type Sandbox, type SandboxResult } from '../sandbox/types.js';
import { loadDebugBench } from '../tasks/debugbench.js';
import { prepareTask } from '../tasks/prepare/prepareTask.js';
import { splitOfSlug } from '../tasks/split.js';
import { log } from '../util/log.js';
import { resolveCacheDir } from '../config/env.js';
import { resolveModel } from '../models/pull.js';
import { Policy } from '../policy/policy.js';
import { loadPromptTemplates, rewritePrompt } from '../policy/prompts.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { judgeCandidate } from '../verify/judgeCandidate.js';
import { commandConfig, oneOf, positiveInteger } from './options.js';

/**
 * What `npm start` runs until a full self-improvement round exists: the slices of the round that
 * exist today. (1) The sandbox judges known programs in every language on every backend. (2) A
 * sample of DebugBench records becomes tasks: tests from the oracle, hidden tests, the buggy
 * code's verdicts. (3) The default policy model repairs the sample's tasks in one pass, judged on
 * visible and hidden tests.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job so far: the sandbox self-check, a sample of DebugBench prepared into tasks, one-pass repairs by the default model')
    .option('--backend <backend>', `only this backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--sample <n>', 'DebugBench records per language to prepare (0 = skip)', (v) => (v === '0' ? 0 : positiveInteger(v)), 3)
    .option('--debugbench <dir>', 'DebugBench shards (default: $CODEQ_DEBUGBENCH or ../shared/debugbench)')
    .option('--no-repair', 'skip the repairs (they fetch the default model on first use)')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (options: { backend?: BackendName; sample: number; debugbench?: string; repair: boolean; config?: string }) => {
      const config = commandConfig(options);
      const backends = options.backend ? [options.backend] : [...BACKENDS];
      process.stdout.write(
        'codeq demo: the self-improvement round is not built yet; this runs the slices that exist:\n' +
          'the sandbox self-check, then DebugBench records turned into tasks with visible and hidden tests.\n\n',
      );
      const mismatches = await selfCheck(config, backends);
      const prepared = options.sample > 0 ? await sampleTasks(config, backends[0]!, options.sample, options.debugbench) : [];
      if (options.repair && prepared.length > 0) await repairSample(config, backends[0]!, prepared);
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

async function sampleTasks(config: CodeqConfig, backend: BackendName, perLanguage: number, dir: string | undefined): Promise<PreparedTask[]> {
  const debugbench = debugbenchDir(dir ?? config.tasks.debugbench);
  if (!existsSync(debugbench)) {
    process.stdout.write(`2. DebugBench sample: skipped, ${debugbench} does not exist (pass --debugbench DIR)\n`);
    return [];
  }
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

/** One rewrite per task by the default model, judged like any candidate: visible, then hidden tests. */
async function repairSample(config: CodeqConfig, backend: BackendName, tasks: PreparedTask[]): Promise<void> {
  let model;
  try {
    model = await resolveModel(config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir));
  } catch (error) {
    process.stdout.write(`3. Repairs: skipped, the model is not available: ${(error as Error).message}\n`);
    return;
  }
  const policy = await Policy.load(model.file, { ...config.policy, sequences: 1 });
  const sandbox = await createSandbox(config, backend);
  const templates = loadPromptTemplates(config.policy);
  const rows: string[][] = [['task', 'candidate', 'visible', 'hidden', 'verdict']];
  try {
    for (const [index, task] of tasks.entries()) {
      log.info(`repairing ${index + 1}/${tasks.length}: ${task.id}`);
      const prompt = rewritePrompt(templates, { language: task.language, description: task.description, constraints: task.constraints, code: task.buggyCode });
      const [candidate] = await policy.generate(prompt, task.language, templates.system, { k: 1 });
      if (!candidate?.code) {
        rows.push([task.id, `${candidate?.tokens ?? 0} tokens, no program`, '-', '-', 'no_code']);
        continue;
      }
      const compare = { tolerance: config.tasks.verify.tolerance, orderFree: task.orderFree };
      const { verdict, visible, hidden } = await judgeCandidate(sandbox, { ...task, compare }, candidate.code, config.tasks);
      rows.push([task.id, `${candidate.tokens} tokens, ${(candidate.ms / 1000).toFixed(1)} s`, `${visible.passed}/${visible.total}`, hidden ? `${hidden.passed}/${hidden.total}` : '-', verdict]);
    }
  } finally {
    await sandbox.dispose();
    await policy.dispose();
  }
  process.stdout.write(`3. One-pass repairs by ${policy.name} (one task: codeq repair --task ID)\n\n${table(rows)}\n`);
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
