import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_MODES, type CodeqConfig, type SearchMode } from '../../src/config/schema.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import type { RunRequest, Sandbox } from '../../src/sandbox/types.js';
import { searchTaskOf } from '../../src/search/collect.js';
import { runSearch, type SearchTask } from '../../src/search/engine.js';
import { toTrajectory } from '../../src/search/trajectory.js';
import { CASES_FILE } from '../../src/tasks/harness/spec.js';
import type { PreparedTask } from '../../src/tasks/prepare/prepareTask.js';
import { config, openSandbox } from '../helpers/host.js';
import { ScriptedPolicy, type ScriptedAnswer } from '../helpers/scriptedPolicy.js';
import { prepareCountPairs } from './countPairsTask.js';
import { HALF, MEMORIZED, TWO, wrong, ZERO } from './programs.js';

/** A value no visible test, description or program holds: it may reach the judge, never a prompt. */
const CANARY = 918273645;

/**
 * No hidden input ever reaches the policy: the task's first hidden case holds the canary, each
 * mode searches with a policy that records every prompt (rewrites and critic), and none holds
 * it. The control: the canary does reach the sandbox (the hidden tests are run), so the test
 * would see a leak if there were one.
 */
describe('hidden inputs never reach a prompt', () => {
  let sandbox: ProgramSandbox;
  const judged: RunRequest[] = [];
  let recording: Sandbox;
  let prepared: PreparedTask;

  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    recording = { backend: sandbox.backend, run: (r) => (judged.push(r), sandbox.run(r)), settle: () => sandbox.settle(), dispose: () => sandbox.dispose() };
    const task = await prepareCountPairs(sandbox, { ...config.tasks, hidden: { ...config.tasks.hidden, count: 4 } });
    // First among the hidden cases, so any "first failing hidden case" feedback would show it.
    prepared = { ...task, hidden: [{ input: [[CANARY, 1], CANARY + 1], expected: 1 }, ...task.hidden] };
  }, 120_000);
  afterAll(() => sandbox?.dispose());

  const settings = (): CodeqConfig => {
    const c = structuredClone(config);
    c.search.mcts = { rollouts: 4, k: 2, maxDepth: 3, rolloutDepth: 1, exploration: 1, critic: true, puct: 1, widening: null, backup: 'mean', exhaustAfter: 2 };
    c.search.reflection.enabled = false;
    c.search.bestOfN.n = 6;
    c.policy.sequences = 2;
    c.search.budget = { tokens: 10_000, executions: 100, wallMs: 600_000 };
    return c;
  };
  /** Wrong programs first (their visible feedback goes into later prompts), then one that passes the visible tests only. */
  const SCRIPTS: Record<SearchMode, ScriptedAnswer[]> = {
    single: [MEMORIZED],
    'best-of-n': [ZERO, { text: 'no idea' }, TWO, MEMORIZED, HALF, wrong(1)],
    mcts: [ZERO, HALF, TWO, wrong(2), wrong(3), MEMORIZED, wrong(4), wrong(5), wrong(6), wrong(7)],
  };

  // The default MCTS (widening, k 1) with reflection: sibling failures and self-reflections go
  // into prompts, and they are built from visible feedback only.
  for (const split of ['train', 'test'] as const) {
    it(`mcts with reflection, ${split} split: no prompt holds the canary, reflections included; the judge saw it`, async () => {
      const task: SearchTask = searchTaskOf({ ...prepared, split }, config);
      const c = structuredClone(config);
      c.search.budget = { tokens: 10_000, executions: 100, wallMs: 600_000 };
      expect(c.search.reflection).toMatchObject({ enabled: true, selfReflection: true });
      const policy = new ScriptedPolicy([ZERO, HALF, TWO, wrong(2), wrong(3), wrong(4), MEMORIZED, ...Array.from({ length: 12 }, (_, i) => wrong(10 + i))]);
      judged.length = 0;
      const outcome = await runSearch('mcts', task, { policy, sandbox: recording, templates: loadPromptTemplates(config.policy), config: c, seed: 3 });
      expect(outcome.chosen!.visible.verdict).toBe('pass');
      expect(outcome.verdict).toBe('wrong_answer');
      expect(policy.reflectPrompts.length).toBeGreaterThan(0);
      expect(policy.prompts.some((p) => p.includes('Other attempts already made from this code'))).toBe(true);
      expect(policy.prompts.some((p) => p.includes('Wrong answer on input'))).toBe(true);
      expect(judged.some((r) => r.files?.[CASES_FILE]?.includes(String(CANARY)))).toBe(true);
      for (const prompt of policy.allPrompts) expect(prompt).not.toContain(String(CANARY));
      const record = toTrajectory(outcome, { ...task, split }, { model: policy.name, adapter: null, seed: 3, system: 'SYSTEM', config: c });
      expect(JSON.stringify(record)).not.toContain(String(CANARY));
    });
  }

  for (const mode of SEARCH_MODES) {
    for (const split of ['train', 'test'] as const) {
      it(`${mode}, ${split} split: no prompt holds the canary; the judge saw it`, async () => {
        const task: SearchTask = searchTaskOf({ ...prepared, split }, config);
        expect(JSON.stringify(task.visible)).not.toContain(String(CANARY));
        const critic = (code: string) => (code.includes('# half') ? 0.9 : 0.3);
        const policy = new ScriptedPolicy(SCRIPTS[mode], critic);
        judged.length = 0;
        const outcome = await runSearch(mode, task, { policy, sandbox: recording, templates: loadPromptTemplates(config.policy), config: settings(), seed: 3 });
        // The search went through several prompts and found a program that passes the visible tests…
        expect(policy.prompts.length).toBeGreaterThanOrEqual(mode === 'single' ? 1 : 2);
        if (mode === 'mcts') expect(policy.criticPrompts.length).toBeGreaterThan(0);
        expect(outcome.chosen!.visible.verdict).toBe('pass');
        // …which the hidden tests (the canary among them) failed: the control that they were run.
        expect(outcome.verdict).toBe('wrong_answer');
        expect(judged.some((r) => r.files?.[CASES_FILE]?.includes(String(CANARY)))).toBe(true);
        for (const prompt of policy.allPrompts) expect(prompt).not.toContain(String(CANARY));
        // Nor does the record pairs are made from: it keeps hidden verdicts and counts, not inputs.
        const record = toTrajectory(outcome, { ...task, split }, { model: policy.name, adapter: null, seed: 3, system: 'SYSTEM', config: settings() });
        expect(JSON.stringify(record)).not.toContain(String(CANARY));
      });
    }
  }
});
