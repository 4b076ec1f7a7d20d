import type { CodeqConfig, TasksConfig } from '../config/schema.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import type { ProgramSandbox } from '../sandbox/programSandbox.js';
import type { BackendName } from '../sandbox/types.js';
import { commandConfig } from './options.js';

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
