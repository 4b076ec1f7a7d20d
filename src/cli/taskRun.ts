import { join } from 'node:path';
import { resolveCacheDir } from '../config/env.js';
import { debugbenchDir } from '../config/paths.js';
import type { CodeqConfig, TasksConfig } from '../config/schema.js';
import type { Sandbox } from '../sandbox/types.js';
import { loadDebugBench } from '../tasks/debugbench.js';
import { buildTests } from '../tasks/prepare/buildTests.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { findTaskInFile, readTaskFile } from '../tasks/taskFile.js';
import type { Task } from '../tasks/task.js';
import { judgeTargetOf, judgeTargetOfTests, type JudgeTarget } from '../verify/judgeCandidate.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import type { ProgramSandbox } from '../sandbox/programSandbox.js';
import type { BackendName } from '../sandbox/types.js';
import { commandConfig, requireDebugBench, UsageError } from './options.js';

/** Flags every command that builds tests shares. */
export interface TaskFlags {
  hidden?: number;
  seed?: number;
  concurrency?: number;
  backend?: BackendName;
  config?: string;
}

/**
 * The tasks settings with the command line's overrides, and a sandbox that runs as many programs
 * at once as tasks are verified at once. `checkInputs` runs first, with the config: a command's
 * inputs are checked before anything starts.
 */
export async function openTaskRun(flags: TaskFlags, checkInputs?: (config: CodeqConfig) => void): Promise<{ config: CodeqConfig; tasks: TasksConfig; sandbox: ProgramSandbox }> {
  const config = commandConfig(flags);
  checkInputs?.(config); // before the sandbox starts: a missing input is reported at once
  const tasks = structuredClone(config.tasks);
  if (flags.hidden !== undefined) tasks.hidden.count = flags.hidden;
  if (flags.seed !== undefined) tasks.hidden.seed = flags.seed;
  if (flags.concurrency !== undefined) tasks.verify.concurrency = flags.concurrency;
  const sandboxConfig = structuredClone(config);
  sandboxConfig.sandbox.concurrency = Math.max(config.sandbox.concurrency, tasks.verify.concurrency);
  return { config, tasks, sandbox: await createSandbox(sandboxConfig, flags.backend) };
}

/** A task with the tests it is judged on. */
export interface TaskWithTests extends JudgeTarget {
  task: Pick<Task, 'id' | 'language' | 'description' | 'constraints' | 'buggyCode'>;
}

/** Where `--task` comes from, checked before anything starts: the tasks file, else the DebugBench directory. */
export function checkTaskSource(flags: { tasks?: string; debugbench?: string }, config: CodeqConfig): void {
  if (flags.tasks) readTaskFile(flags.tasks, { limit: 1 });
  else requireDebugBench(flags.debugbench, config.tasks.debugbench);
}

/** One task and its tests: from a prepared tasks.jsonl, or built now from DebugBench. */
export async function findTask(
  flags: { task: string; tasks?: string; debugbench?: string },
  configured: string | null,
  sandbox: Sandbox,
  tasksConfig: TasksConfig,
): Promise<TaskWithTests> {
  if (flags.tasks) {
    // The same checks as codeq collect's: a missing file, or one that is not a tasks file, says so.
    const task = findTaskInFile(flags.tasks, flags.task);
    return { task, ...judgeTargetOf(task, tasksConfig) };
  }
  const task = loadDebugBench(debugbenchDir(flags.debugbench ?? configured)).tasks.find((t) => t.id === flags.task);
  if (!task) throw new UsageError(`no DebugBench task ${flags.task}. HINT: ids look like python3/<slug>/<bug-type>/<8 hex>; see tasks.jsonl from codeq data prepare`);
  const built = await buildTests(task, sandbox, tasksConfig);
  if (!built.ok) throw new UsageError(`task ${task.id} cannot be tested: ${built.reason}: ${built.detail}. HINT: pick another task (codeq data prepare lists the testable ones in tasks.jsonl)`);
  return { task, ...judgeTargetOfTests(built.tests) };
}

/** Filters `collect` and `eval` share. */
export interface TaskSelection {
  tasks?: string;
  split: 'train' | 'test';
  languages?: Task['language'][];
  levels?: Task['level'][];
  limit?: number;
}

/** The selected tasks of --tasks (default: the prepared dataset in the cache); none is an error with a hint. */
export function selectTasks(flags: TaskSelection, config: CodeqConfig): PreparedTask[] {
  const file = flags.tasks ?? join(resolveCacheDir(config.cacheDir), 'data', 'debugbench', 'tasks.jsonl');
  const tasks = readTaskFile(file, {
    split: flags.split,
    ...(flags.languages ? { languages: flags.languages } : {}),
    ...(flags.levels ? { levels: flags.levels } : {}),
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
  });
  if (tasks.length === 0) throw new UsageError(`no ${flags.split}-split task in ${file} matches the filters. HINT: ${flags.split === 'train' ? '--split test takes the others; ' : ''}loosen --languages, --levels or --split`);
  return tasks;
}
