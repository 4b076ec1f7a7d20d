import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeqConfig } from '../../src/config/schema.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { agreementInputs, clusterByOutputs } from '../../src/search/agreement.js';
import { searchTaskOf } from '../../src/search/collect.js';
import { runSearch, type SearchTask } from '../../src/search/engine.js';
import { tokensToChosen } from '../../src/search/tokenCaps.js';
import { parseTrajectory, toTrajectory } from '../../src/search/trajectory.js';
import { formatValue } from '../../src/tasks/literal.js';
import { config, openSandbox } from '../helpers/host.js';
import { ScriptedPolicy } from '../helpers/scriptedPolicy.js';
import { prepareCountPairs } from './countPairsTask.js';
import { CORRECT, CORRECT_LOOP, MEMORIZED, wrong } from './programs.js';

const templates = loadPromptTemplates(config.policy);

describe('clustering candidates by their outputs (pure)', () => {
  const task = { compare: { tolerance: 1e-5, orderFreeLevels: [0] } } as unknown as SearchTask;
  const inputs = [[1], [2]];

  it('joins candidates that agree within the tolerance and the order rule; the largest cluster wins, its first-found member answers', () => {
    const outputs = [
      [1, [1, 2]], // 10
      [2, [1, 2]], // 11
      [1.000001, [2, 1]], // 12: agrees with 10 (tolerance, order-free)
      [1, undefined], // 13: printed nothing on the second input
      [1, undefined], // 14: agrees with 13 (both gave no answer there)
      [1, [2, 1]], // 15: joins 10
    ];
    const result = clusterByOutputs([10, 11, 12, 13, 14, 15], outputs, task, inputs);
    expect(result.clusters).toEqual([[10, 12, 15], [13, 14], [11]]);
    expect(result.chosen).toBe(10);
  });

  it('breaks a tie between clusters by which was found first', () => {
    expect(clusterByOutputs([5, 6, 7, 8], [[1], [2], [2], [1]], task, [[0]])).toEqual({ clusters: [[5, 8], [6, 7]], chosen: 5 });
  });
});

describe('choosing among visible passes by agreement, in the real sandbox', () => {
  let sandbox: ProgramSandbox;
  let task: SearchTask;

  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    task = searchTaskOf(await prepareCountPairs(sandbox, { ...config.tasks, hidden: { ...config.tasks.hidden, count: 8 } }, 'test'), config);
  }, 120_000);
  afterAll(() => sandbox?.dispose());

  function settings(candidates: number): CodeqConfig {
    const c = structuredClone(config);
    c.search.budget = { tokens: 10_000, executions: 100, wallMs: 600_000 };
    c.search.bestOfN.n = 8;
    c.search.mcts = { rollouts: 20, k: 1, maxDepth: 3, rolloutDepth: 1, exploration: 1, widening: { c: 1, alpha: 0.5 }, backup: 'mean', exhaustAfter: 2, critic: false, puct: 1 };
    c.search.reflection.enabled = false;
    c.search.agreement = { candidates, inputs: 12 };
    c.policy.sequences = 1;
    return c;
  }
  const search = (mode: 'best-of-n' | 'mcts', script: string[], candidates: number) =>
    runSearch(mode, task, { policy: new ScriptedPolicy(script), sandbox, templates, config: settings(candidates), seed: 7 });

  it("generates its own inputs from the visible examples' types, never with the hidden tests' seed", () => {
    const inputs = agreementInputs(task, config.tasks, 12, 7);
    expect(inputs.length).toBeGreaterThan(6);
    expect(agreementInputs(task, config.tasks, 12, 7)).toEqual(inputs); // deterministic for a seed
    const hidden = new Set(task.hidden.map((c) => formatValue(c.input as never)));
    expect(inputs.every((input) => hidden.has(formatValue(input as never)))).toBe(false);
    for (const input of inputs) {
      const [nums, target] = input as [number[], number];
      expect(Array.isArray(nums) && nums.every(Number.isInteger)).toBe(true);
      expect(Number.isInteger(target)).toBe(true);
    }
  });

  it('best-of-n: the first visible pass memorized the examples; three passes and agreement choose a correct one', async () => {
    const script = [MEMORIZED, wrong(0), CORRECT, CORRECT_LOOP, wrong(1)];
    const first = await search('best-of-n', script, 1);
    expect(first.chosen!.code).toBe(MEMORIZED);
    expect(first.verdict).toBe('wrong_answer');
    expect(first.agreement).toBeNull();

    const agreed = await search('best-of-n', script, 3);
    expect(agreed.stop).toBe('solved');
    expect(agreed.tree.expansions).toHaveLength(4); // stopped at the third pass
    expect(agreed.agreement).toMatchObject({ clusters: [[3, 4], [1]], chosen: 3 });
    expect(agreed.agreement!.inputs).toBeGreaterThan(6);
    expect(agreed.chosen!.code).toBe(CORRECT);
    expect(agreed.verdict).toBe('pass');
    // Recorded, and counted at a token cap only once every candidate it chose among was found.
    const record = parseTrajectory(JSON.stringify(toTrajectory(agreed, task, { model: 'scripted.gguf', adapter: null, seed: 7, system: templates.system, config: settings(3) })), 'test');
    expect(record.agreement).toEqual(agreed.agreement);
    expect(tokensToChosen(record)).toBe(40);
  });

  it('mcts: searches on after a visible pass without rewriting it, then chooses by agreement', async () => {
    const result = await search('mcts', [MEMORIZED, CORRECT, CORRECT_LOOP], 3);
    // The root widened three times; no rollout from a passing program.
    expect(result.tree.expansions.map((e) => [e.parent, e.kind])).toEqual([[0, 'expand'], [0, 'expand'], [0, 'expand']]);
    expect(result.agreement).toMatchObject({ clusters: [[2, 3], [1]], chosen: 2 });
    expect(result.verdict).toBe('pass');
  });

  it('with fewer passes than asked for, the budget ends the search and agreement still chooses among those found', async () => {
    const result = await search('best-of-n', [MEMORIZED, CORRECT, wrong(0), wrong(1), wrong(2), wrong(3), wrong(4), wrong(5)], 3);
    expect(result.stop).toBe('samples');
    // Two clusters of one: the tie goes to the first found.
    expect(result.agreement).toMatchObject({ clusters: [[1], [2]], chosen: 1 });
  });
});
