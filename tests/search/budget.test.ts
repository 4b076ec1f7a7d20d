import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_MODES, type CodeqConfig, type SearchMode } from '../../src/config/schema.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { BudgetMeter } from '../../src/search/budget.js';
import { searchTaskOf } from '../../src/search/collect.js';
import { runSearch, type SearchTask } from '../../src/search/engine.js';
import { config, openSandbox } from '../helpers/host.js';
import { ScriptedPolicy } from '../helpers/scriptedPolicy.js';
import { prepareCountPairs } from './countPairsTask.js';
import { wrong } from './programs.js';

const templates = loadPromptTemplates(config.policy);

describe('the budget meter (pure)', () => {
  it('caps a call of k answers to what is left, never above the configured cap', () => {
    const meter = new BudgetMeter({ tokens: 100, executions: 10, wallMs: 1000 });
    expect(meter.callCap(4, 64)).toBe(25);
    expect(meter.callCap(1, 64)).toBe(64);
    meter.policyCall(90);
    expect(meter.remainingTokens()).toBe(10);
    expect(meter.callCap(3, 64)).toBe(3);
    expect(meter.callCap(11, 64)).toBe(0); // cannot pay one token per answer
    meter.critic(500); // a critic pass reads its prompt and generates nothing: the budget is untouched
    expect(meter.remainingTokens()).toBe(10);
    meter.reflection(20); // a policy that ignored its cap: reported as spent, never negative room
    expect(meter.remainingTokens()).toBe(0);
    expect(meter.exhausted()).toBe('tokens');
  });
});

describe('no search spends more than its token budget, in any mode', () => {
  let sandbox: ProgramSandbox;
  let task: SearchTask;

  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    task = searchTaskOf(await prepareCountPairs(sandbox, { ...config.tasks, hidden: { ...config.tasks.hidden, count: 4 } }), config);
  }, 120_000);
  afterAll(() => sandbox?.dispose());

  /** Answers as long as the configured cap allows (400 tokens): every call wants its full share. */
  const GENERATION_CAP = 400;
  function settings(tokens: number): CodeqConfig {
    const c = structuredClone(config);
    c.search.budget = { tokens, executions: 1000, wallMs: 600_000 };
    c.search.mcts = { rollouts: 50, k: 2, maxDepth: 3, rolloutDepth: 1, exploration: 1, critic: true, puct: 1, widening: null, backup: 'mean', exhaustAfter: 2 };
    c.search.reflection.enabled = false; // the classic prompts: these tests count tokens and prompts exactly
    c.search.bestOfN.n = 50;
    c.policy.sequences = 2;
    c.policy.generation.maxTokens = GENERATION_CAP;
    return c;
  }
  const endless = () => Array.from({ length: 100 }, (_, i) => wrong(i));
  const search = (mode: SearchMode, tokens: number) => {
    const policy = new ScriptedPolicy(endless(), () => 0.5, GENERATION_CAP);
    return runSearch(mode, task, { policy, sandbox, templates, config: settings(tokens), seed: 1 }).then((outcome) => ({ outcome, policy }));
  };

  for (const mode of SEARCH_MODES) {
    it(`${mode}: the recorded tokens never exceed the budget`, async () => {
      for (const tokens of [350, 860, 1000, 2300]) {
        const { outcome, policy } = await search(mode, tokens);
        const { budget, tree } = outcome;
        expect(budget.generatedTokens, `${mode} at ${tokens}`).toBeLessThanOrEqual(tokens);
        // What was recorded is what the policy generated: the rewrites (the critic generates nothing).
        const rewriteTokens = tree.expansions.flatMap((e) => e.rewrites).reduce((sum, r) => sum + r.tokens, 0);
        expect(rewriteTokens).toBe(budget.generatedTokens);
        expect(policy.calls).toHaveLength(budget.policyCalls);
        // Every call's cap fits what was left before it.
        for (const [i, e] of tree.expansions.entries()) {
          const before = i === 0 ? 0 : tree.expansions[i - 1]!.spentTokens;
          expect(e.maxTokens * e.rewrites.length).toBeLessThanOrEqual(tokens - before);
          expect(e.maxTokens).toBe(policy.calls[i]!.maxTokens);
        }
        if (mode !== 'single') {
          // Answers here always fill their caps, and these budgets divide evenly: spent to the token.
          expect(outcome.stop).toBe('tokens');
          expect(budget.generatedTokens).toBe(tokens);
        }
        // The critic read every new program of MCTS, and only there.
        const scored = policy.criticCalls.reduce((sum, c) => sum + c.prompts, 0);
        expect(scored).toBe(mode === 'mcts' ? tree.nodes.length - 1 : 0);
        expect(budget.criticPromptTokens).toBe(100 * scored);
      }
    });
  }

  it('single: one answer capped at the budget when the budget is below the configured cap', async () => {
    const { outcome, policy } = await search('single', 350);
    expect(policy.calls.map((c) => c.maxTokens)).toEqual([350]);
    expect(outcome.budget.generatedTokens).toBe(350);
  });

  it('best-of-n spends the budget to the token and stops before a call it cannot pay for', async () => {
    const { outcome, policy } = await search('best-of-n', 1000);
    expect(policy.calls.map((c) => c.maxTokens)).toEqual([400, 100]);
    expect(outcome.budget.generatedTokens).toBe(1000);
  });

  it('mcts: the critic costs no budget (860: 2 × 400 rewrites, then a rollout call of 2 × 30), and scores every new program', async () => {
    const { outcome, policy } = await search('mcts', 860);
    expect(policy.calls.map((c) => c.maxTokens)).toEqual([400, 30]);
    expect(outcome.budget).toMatchObject({ generatedTokens: 860, policyCalls: 2 });
    // The rollout's answers were cut off (no program): only the first call's two programs were scored.
    expect(policy.criticCalls).toEqual([{ prompts: 2 }]);
    expect(outcome.tree.nodes.slice(1).every((n) => n.critic === 0.5)).toBe(true);
  });
});
