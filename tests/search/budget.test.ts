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
    meter.critic(20); // a policy that ignored its cap: reported as spent, never negative room
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

  /** Answers as long as the configured cap allows (400 tokens), critic answers 64: every call wants its full share. */
  const GENERATION_CAP = 400;
  const CRITIC_CAP = 64;
  function settings(tokens: number): CodeqConfig {
    const c = structuredClone(config);
    c.search.budget = { tokens, executions: 1000, wallMs: 600_000 };
    c.search.mcts = { rollouts: 50, k: 2, maxDepth: 3, rolloutDepth: 1, exploration: 1, critic: true, widening: null, backup: 'mean', exhaustAfter: 2 };
    c.search.reflection.enabled = false; // the classic prompts: these tests count tokens and prompts exactly
    c.search.bestOfN.n = 50;
    c.policy.sequences = 2;
    c.policy.generation.maxTokens = GENERATION_CAP;
    c.policy.critic.maxTokens = CRITIC_CAP;
    return c;
  }
  const endless = () => Array.from({ length: 100 }, (_, i) => wrong(i));
  const search = (mode: SearchMode, tokens: number) => {
    const policy = new ScriptedPolicy(endless(), () => 0.5, GENERATION_CAP, CRITIC_CAP);
    return runSearch(mode, task, { policy, sandbox, templates, config: settings(tokens), seed: 1 }).then((outcome) => ({ outcome, policy }));
  };

  for (const mode of SEARCH_MODES) {
    it(`${mode}: the recorded tokens never exceed the budget`, async () => {
      for (const tokens of [350, 860, 1000, 2300]) {
        const { outcome, policy } = await search(mode, tokens);
        const { budget, tree } = outcome;
        expect(budget.generatedTokens, `${mode} at ${tokens}`).toBeLessThanOrEqual(tokens);
        // What was recorded is what the policy generated: rewrites plus critic answers.
        const rewriteTokens = tree.expansions.flatMap((e) => e.rewrites).reduce((sum, r) => sum + r.tokens, 0);
        expect(rewriteTokens + budget.criticTokens).toBe(budget.generatedTokens);
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
        for (const call of policy.criticCalls) expect(call.maxTokens).toBeLessThanOrEqual(CRITIC_CAP);
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

  it('mcts: the critic is capped to the remainder (860: 800 for two rewrites, 2 × 30 critic), and skipped when nothing is left', async () => {
    const capped = await search('mcts', 860);
    expect(capped.policy.criticCalls).toEqual([{ prompts: 2, maxTokens: 30 }]);
    expect(capped.outcome.budget).toMatchObject({ generatedTokens: 860, criticTokens: 60, policyCalls: 1 });
    // 800 for two rewrites, the critic would need 2 tokens and 1 is left: no critic, no further call.
    const skipped = await search('mcts', 801);
    expect(skipped.policy.criticCalls).toEqual([]);
    expect(skipped.outcome.tree.nodes.slice(1).every((n) => n.critic === null)).toBe(true);
    expect(skipped.outcome.budget.generatedTokens).toBe(800);
  });
});
