import { existsSync, readFileSync } from 'node:fs';
import { debugbenchDir } from '../config/paths.js';
import type { CodeqConfig, TasksConfig } from '../config/schema.js';
import type { Sandbox } from '../sandbox/types.js';
import { loadDebugBench } from '../tasks/debugbench.js';
import { buildTests } from '../tasks/prepare/buildTests.js';
import { parseTaskLine } from '../tasks/store.js';
import type { Task } from '../tasks/task.js';
import { judgeTargetOf, judgeTargetOfTests, type JudgeTarget } from '../verify/judgeCandidate.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import type { ProgramSandbox } from '../sandbox/programSandbox.js';
import type { BackendName } from '../sandbox/types.js';
import { commandConfig, UsageError } from './options.js';

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
 * at once as tasks are verified at once.
 */
export async function openTaskRun(flags: TaskFlags): Promise<{ config: CodeqConfig; tasks: TasksConfig; sandbox: ProgramSandbox }> {
  const config = commandConfig(flags);
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

/** One task and its tests: from a prepared tasks.jsonl, or built now from DebugBench. */
export async function findTask(
  flags: { task: string; tasks?: string; debugbench?: string },
  configured: string | null,
  sandbox: Sandbox,
  tasksConfig: TasksConfig,
): Promise<TaskWithTests> {
  if (flags.tasks) {
    if (!existsSync(flags.tasks)) throw new UsageError(`--tasks ${flags.tasks}: no such file`);
    for (const line of readFileSync(flags.tasks, 'utf8').split('\n')) {
      if (!line.includes(`"id":"${flags.task}"`)) continue;
      const task = parseTaskLine(line);
      return { task, ...judgeTargetOf(task, tasksConfig) };
    }
    throw new UsageError(`--task ${flags.task} is not in ${flags.tasks}`);
  }
  const task = loadDebugBench(debugbenchDir(flags.debugbench ?? configured)).tasks.find((t) => t.id === flags.task);
  if (!task) throw new UsageError(`no DebugBench task ${flags.task}. HINT: ids look like python3/<slug>/<bug-type>/<8 hex>; see tasks.jsonl from codeq data prepare`);
  const built = await buildTests(task, sandbox, tasksConfig);
  if (!built.ok) throw new UsageError(`task ${task.id} cannot be tested: ${built.reason}: ${built.detail}`);
  return { task, ...judgeTargetOfTests(built.tests) };
}
