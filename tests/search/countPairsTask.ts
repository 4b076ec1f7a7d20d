import type { CodeqConfig } from '../../src/config/schema.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { prepareTask, type PreparedTask } from '../../src/tasks/prepare/prepareTask.js';
import { FIXTURES, fixtureTask } from '../fixtures/problems.js';

/** The Python count-target-pairs fixture prepared into a task (the programs in programs.ts are for it). */
export async function prepareCountPairs(sandbox: Sandbox, tasks: CodeqConfig['tasks'], split: PreparedTask['split'] = 'train'): Promise<PreparedTask> {
  const fixture = FIXTURES.find((f) => f.language === 'python3' && f.slug === 'count-target-pairs')!;
  const result = await prepareTask(fixtureTask(fixture), split, sandbox, tasks);
  if (result.status !== 'testable') throw new Error(`fixture not testable: ${JSON.stringify(result)}`);
  return result.task;
}
