import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debugbenchDir } from '../../src/config/paths.js';
import { loadDebugBench } from '../../src/tasks/debugbench.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { LANGUAGES } from '../../src/sandbox/types.js';
import { parseExample } from '../../src/tasks/examples.js';
import { prepareTask, taskCompare, type PreparedTask } from '../../src/tasks/prepare/prepareTask.js';
import { parseTaskLine, serializeTask } from '../../src/tasks/store.js';
import type { Task } from '../../src/tasks/task.js';
import { verifyProgram } from '../../src/verify/verifyProgram.js';
import { FIXTURES, fixtureTask } from '../fixtures/problems.js';
import { config, openSandbox } from '../helpers/host.js';

/** Real oracles and buggy code (our own fixtures) through the whole preparation, in the real sandbox. */
const tasksConfig = { ...config.tasks, hidden: { ...config.tasks.hidden, count: 8 } };

describe.each(LANGUAGES)('preparing %s tasks', (language) => {
  let sandbox: ProgramSandbox;
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
  });
  afterAll(() => sandbox?.dispose());

  it.each(FIXTURES.filter((f) => f.language === language).map((f) => [f.slug, f] as const))('%s', async (_, fixture) => {
    const outcome = await prepareTask(fixtureTask(fixture), 'train', sandbox, tasksConfig);
    if (outcome.status !== 'testable') throw new Error(`dropped: ${outcome.reason}: ${outcome.detail}`);
    const task = outcome.task;
    // The oracle's answers on the examples are the examples' own outputs.
    expect(task.exampleDisagreements).toEqual([]);
    expect(task.visible.map((v) => v.expected)).toEqual(fixture.examples.map((e) => parseExample(e).output));
    expect(task.buggy.visible).toBe(fixture.buggyVerdict);
    if (task.spec.mode === 'call') {
      expect(task.hidden.length).toBeGreaterThanOrEqual(5);
      // The oracle passes its own hidden tests; a bug that fails every input fails them too.
      const oracle = await verifyProgram(sandbox, task.spec, task.oracleCode, task.hidden, taskCompare(task, 1e-5));
      expect(oracle.verdict, oracle.message).toBe('pass');
      if (fixture.buggyVerdict !== 'wrong_answer') expect(task.buggy.hidden).toBe(fixture.buggyVerdict);
    }
    const restored: PreparedTask = parseTaskLine(serializeTask(task));
    expect(restored).toEqual(task);
  });
});

describe('a different correct fix passes, a fix that only fits the examples does not', () => {
  let sandbox: ProgramSandbox;
  let task: PreparedTask;
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    const outcome = await prepareTask(fixtureTask(FIXTURES.find((f) => f.language === 'python3' && f.slug === 'count-target-pairs')!), 'test', sandbox, tasksConfig);
    if (outcome.status !== 'testable') throw new Error('fixture dropped');
    task = outcome.task;
  });
  afterAll(() => sandbox?.dispose());

  it('judges candidates on visible and hidden tests', async () => {
    const compare = { tolerance: 1e-5, orderFreeLevels: [] };
    const other = 'class Solution:\n    def countPairs(self, nums, target):\n        seen, n = {}, 0\n        for x in nums:\n            n += seen.get(target - x, 0)\n            seen[x] = seen.get(x, 0) + 1\n        return n\n';
    const all = [...task.visible, ...task.hidden];
    expect((await verifyProgram(sandbox, task.spec, other, all, compare)).verdict).toBe('pass');
    const overfit = 'class Solution:\n    def countPairs(self, nums, target):\n        return {(4, 5): 2, (3, 2): 3}.get((len(nums), target), 0)\n';
    expect((await verifyProgram(sandbox, task.spec, overfit, task.visible, compare)).verdict).toBe('pass');
    const hidden = await verifyProgram(sandbox, task.spec, overfit, task.hidden, compare);
    expect(hidden.verdict).toBe('wrong_answer');
    expect(hidden.firstFailure?.actual).toBeDefined();
  });
});

describe('drivers work in the docker runner image too', () => {
  it.each(['cpp', 'java', 'python3'] as const)('%s', async (language) => {
    const sandbox = await openSandbox('docker');
    try {
      const outcome = await prepareTask(fixtureTask(FIXTURES.find((f) => f.language === language && f.slug === 'tree-height')!), 'train', sandbox, tasksConfig);
      expect(outcome.status).toBe('testable');
    } finally {
      await sandbox.dispose();
    }
  });
});

/** The shared DebugBench, when this checkout has it beside it: real records of every kind. */
const DEBUGBENCH = debugbenchDir(null);
const REAL = [
  'cpp/find-the-minimum-and-maximum-number-of-nodes-between-critical-points/condition-error/cf302a5a',
  'cpp/closest-nodes-queries-in-a-binary-search-tree/condition-error/af3f8bc4',
  'cpp/design-twitter/double/9658f41e',
  'java/remove-nth-node-from-end-of-list/undefined-objects/641c5a1d',
  'java/check-completeness-of-a-binary-tree/condition-error/824877ee',
  'java/apply-discount-every-n-orders/condition-error/eebe191b',
  'python3/design-a-text-editor/double/6e5ea5de',
  'python3/the-kth-factor-of-n/condition-error/d6578372',
];

describe.skipIf(!existsSync(DEBUGBENCH))('real DebugBench records (trees, lists, design)', () => {
  let sandbox: ProgramSandbox;
  let tasks: Map<string, Task>;
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    tasks = new Map(loadDebugBench(DEBUGBENCH).tasks.map((t) => [t.id, t]));
  });
  afterAll(() => sandbox?.dispose());

  it.each(REAL)('%s', async (id) => {
    const task = tasks.get(id);
    expect(task, `no task ${id} in ${DEBUGBENCH}`).toBeDefined();
    const outcome = await prepareTask(task!, 'train', sandbox, tasksConfig);
    expect(outcome.status, outcome.status === 'dropped' ? outcome.detail : '').toBe('testable');
    if (outcome.status === 'testable' && outcome.task.spec.mode === 'call') expect(outcome.task.hidden.length).toBeGreaterThanOrEqual(5);
  });
});
