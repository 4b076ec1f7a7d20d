import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeqConfig } from '../../src/config/schema.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { searchTaskOf } from '../../src/search/collect.js';
import { runSearch, type SearchTask } from '../../src/search/engine.js';
import { formatTree } from '../../src/search/printTree.js';
import { toTrajectory, parseTrajectory } from '../../src/search/trajectory.js';
import { puct, SearchTree, siblingPriors, ucb1, type SelectionRule, type VisibleOutcome } from '../../src/search/tree.js';
import { config, openSandbox } from '../helpers/host.js';
import { ScriptedPolicy } from '../helpers/scriptedPolicy.js';
import { prepareCountPairs } from './countPairsTask.js';
import { BROKEN, CORRECT, HALF, MEMORIZED, TWO, wrong, ZERO } from './programs.js';

const templates = loadPromptTemplates(config.policy);

function settings(change: (c: CodeqConfig) => void = () => {}): CodeqConfig {
  const c = structuredClone(config);
  c.tasks.hidden.count = 6;
  c.search.mcts = { rollouts: 8, k: 2, maxDepth: 3, rolloutDepth: 1, exploration: 1, critic: true, puct: 1, widening: null, backup: 'mean', exhaustAfter: 2 };
  c.search.reflection.enabled = false; // the classic prompts: these tests count tokens and prompts exactly
  c.search.budget = { tokens: 10_000, executions: 100, wallMs: 600_000 };
  change(c);
  return c;
}

const outcome = (reward: number): VisibleOutcome => ({ verdict: reward === 1 ? 'pass' : 'wrong_answer', passed: reward * 2, total: 2, reward, feedback: '' });

const leaves = (maxDepth: number) => ({ maxDepth, widening: null });
const ucb = (exploration: number): SelectionRule => ({ kind: 'ucb1', exploration });

describe('UCB1, widening and backup (pure)', () => {
  it('selects by Q + c·sqrt(ln N / n), then the less visited sibling once the better one is well known', () => {
    const tree = new SearchTree('root', outcome(0));
    const a = tree.add('a', 0, outcome(0.5), null);
    const b = tree.add('b', 0, outcome(0.4), null);
    expect(tree.root.visits).toBe(3);
    expect(tree.select(leaves(3), ucb(1))!.id).toBe(a.id);
    a.visits = 10;
    a.valueSum = 5;
    tree.root.visits = 12;
    expect(ucb1(a, 12, 1)).toBeCloseTo(0.5 + Math.sqrt(Math.log(12) / 10), 12);
    expect(ucb1(b, 12, 1)).toBeCloseTo(0.4 + Math.sqrt(Math.log(12) / 1), 12);
    expect(tree.select(leaves(3), ucb(1))!.id).toBe(b.id);
    // With no exploration only Q counts.
    expect(tree.select(leaves(3), ucb(0))!.id).toBe(a.id);
  });

  it("PUCT: Q + c·P·sqrt(N)/(1 + n), P the critic's prior over the siblings; the critic is never part of Q", () => {
    const tree = new SearchTree('root', outcome(0));
    const a = tree.add('a', 0, outcome(0.5), null);
    const b = tree.add('b', 0, outcome(0.25), null);
    // No scores yet: uniform priors; Q decides.
    expect(siblingPriors([a, b])).toEqual([0.5, 0.5]);
    expect(tree.select(leaves(3), { kind: 'puct', puct: 1 })!.id).toBe(a.id);
    a.critic = 0.1;
    b.critic = 0.9;
    expect(siblingPriors([a, b]).map((p) => +p.toFixed(12))).toEqual([0.1, 0.9]);
    // a: 0.5 + 0.1·sqrt(3)/2 = 0.587; b: 0.25 + 0.9·sqrt(3)/2 = 1.029.
    expect(puct(b, 0.9, 3, 1)).toBeCloseTo(0.25 + (0.9 * Math.sqrt(3)) / 2, 12);
    expect(tree.select(leaves(3), { kind: 'puct', puct: 1 })!.id).toBe(b.id);
    // With c = 0 the prior has no say: Q alone.
    expect(tree.select(leaves(3), { kind: 'puct', puct: 0 })!.id).toBe(a.id);
    expect(tree.value(b)).toBe(0.25);
    // A sibling not scored gets the mean of the others' scores.
    const c = tree.add('c', 0, outcome(0), null);
    expect(siblingPriors([a, b, c]).map((p) => +p.toFixed(12))).toEqual([0.1 / 1.5, 0.9 / 1.5, 0.5 / 1.5].map((p) => +p.toFixed(12)));
  });

  it('without widening descends to a leaf, skips subtrees that cannot grow (depth limit, passing), and returns null when none can', () => {
    const tree = new SearchTree('root', outcome(0));
    const a = tree.add('a', 0, outcome(0.9), null);
    tree.add('b', 0, outcome(0.1), null);
    const aa = tree.add('aa', a.id, outcome(0.5), null);
    expect(tree.select(leaves(3), ucb(0))!.id).toBe(aa.id);
    expect(tree.select(leaves(2), ucb(0))!.code).toBe('b'); // aa is at depth 2 = maxDepth
    expect(tree.select(leaves(1), ucb(0))).toBeNull();
    const passing = new SearchTree('root', outcome(0));
    passing.add('p', 0, outcome(1), null);
    expect(passing.select(leaves(3), ucb(1))).toBeNull();
  });

  it('widens any node, the root included, while its children are fewer than c·N^alpha, and descends otherwise', () => {
    const growth = { maxDepth: 3, widening: { c: 1, alpha: 0.5 } };
    const tree = new SearchTree('root', outcome(0));
    // N = 1: 0 < 1 child allowed; N = 2: 1 < 1.41.
    expect(tree.select(growth, ucb(1))!.id).toBe(0);
    const a = tree.add('a', 0, outcome(0.5), null);
    expect(tree.select(growth, ucb(1))!.id).toBe(0);
    tree.add('b', 0, outcome(0), null);
    // N = 3: 2 children ≥ 1.73: descend to a (higher Q), which may take its first child.
    expect(tree.select(growth, ucb(1))!.id).toBe(a.id);
    const aa = tree.add('aa', a.id, outcome(0.5), null);
    tree.add('ab', a.id, outcome(0.5), null);
    // N = 5: 2 < 2.24 at the root: it samples again, as best-of-N would.
    expect(tree.root.visits).toBe(5);
    expect(tree.select(growth, ucb(1))!.id).toBe(0);
    // A fixed width (alpha 0, c 2): the full root descends to a, full too, and on to aa.
    const fixed = (maxDepth: number) => ({ maxDepth, widening: { c: 2, alpha: 0 } });
    expect(tree.select(fixed(3), ucb(0))!.id).toBe(aa.id);
    // A node whose children cannot grow (the depth limit) takes one more child beyond the width.
    expect(tree.select(fixed(2), ucb(0))!.id).toBe(a.id);
    expect(tree.select(fixed(1), ucb(0))!.id).toBe(0);
    // Exhausted nodes are not grown again, though widening would allow it.
    a.exhausted = true;
    expect(tree.select(fixed(2), ucb(0))!.code).toBe('b');
    tree.node(2).exhausted = true;
    expect(tree.select(fixed(2), ucb(0))!.id).toBe(0);
    tree.root.exhausted = true;
    expect(tree.select(fixed(2), ucb(0))).toBeNull();
  });

  it('backs every new program up at once: visits = 1 + Σ children, Q the mean or the max of the subtree', () => {
    for (const rule of ['mean', 'max'] as const) {
      const tree = new SearchTree('root', outcome(0), rule);
      const a = tree.add('a', 0, outcome(0.5), null);
      const b = tree.add('b', 0, outcome(0), null);
      const aa = tree.add('aa', a.id, outcome(1), null);
      tree.add('ab', a.id, outcome(0), null);
      for (const n of tree.nodes) expect(n.visits, n.code).toBe(1 + n.children.reduce((sum, c) => sum + tree.node(c).visits, 0));
      expect([tree.root.visits, a.visits, b.visits, aa.visits]).toEqual([5, 3, 1, 1]);
      if (rule === 'mean') expect([tree.value(tree.root), tree.value(a), tree.value(b)]).toEqual([1.5 / 5, 1.5 / 3, 0]);
      else expect([tree.value(tree.root), tree.value(a), tree.value(b)]).toEqual([1, 1, 0]);
    }
    const tree = new SearchTree('root', outcome(0));
    tree.add('a', 0, outcome(0), null);
    expect(() => tree.add('a\n\n', 0, outcome(0), null)).toThrow(/already node 1/);
  });
});

describe('search on a real task in the real sandbox, with a scripted policy', () => {
  let sandbox: ProgramSandbox;
  let counted: Sandbox;
  let runs = 0;
  let task: SearchTask;

  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    counted = { backend: sandbox.backend, run: (r) => (runs++, sandbox.run(r)), settle: () => sandbox.settle(), dispose: () => sandbox.dispose() };
    task = searchTaskOf(await prepareCountPairs(sandbox, settings().tasks), config);
  }, 120_000);
  afterAll(() => sandbox?.dispose());

  const search = (policy: ScriptedPolicy, mode: 'mcts' | 'best-of-n' | 'single', c = settings()) =>
    runSearch(mode, task, { policy, sandbox: counted, templates, config: c, seed: 100 });

  it('MCTS: expands the root, rolls out from the best new program, stops on a visible pass, judges it on hidden tests', async () => {
    const critic = (code: string) => (code.includes('# half') ? 0.9 : 0.2);
    const policy = new ScriptedPolicy([ZERO, HALF, ZERO, CORRECT], critic);
    const result = await search(policy, 'mcts');
    const t = result.tree;
    expect(t.nodes.map((n) => [n.parent, n.depth, n.visible.reward])).toEqual([
      [null, 0, 0.5],
      [0, 1, 0],
      [0, 1, 0.5],
      [2, 2, 1],
    ]);
    // The rollout step started from HALF (reward 0.5 beats 0), with its visible feedback in the prompt.
    expect(policy.prompts[1]).toContain('# half');
    expect(policy.prompts[1]).toContain('Wrong answer on input [1,1,1], 2: expected 3, got 0');
    expect(policy.prompts[0]).toContain('range(i, len(nums))'); // the buggy root
    expect(t.expansions.map((e) => [e.parent, e.kind, e.rewrites.map((r) => [r.node, r.duplicate])])).toEqual([
      [0, 'expand', [[1, false], [2, false]]],
      [2, 'rollout', [[1, true], [3, false]]],
    ]);
    expect(result.stop).toBe('solved');
    expect(result.chosen!.id).toBe(3);
    expect(result.verdict).toBe('pass');
    expect(result.hidden!.total).toBeGreaterThan(0);
    // Every program backed up as it was run: root 0.5 + ZERO 0 + HALF 0.5 + CORRECT 1.
    expect([t.root.visits, t.root.valueSum]).toEqual([4, 2]);
    expect([t.node(1).visits, t.node(1).valueSum]).toEqual([1, 0]);
    expect([t.node(2).visits, t.node(2).valueSum]).toEqual([2, 1.5]);
    expect([t.node(3).visits, t.node(3).valueSum]).toEqual([1, 1]);
    expect(t.node(1).critic).toBe(0.2);
    // The critic scored the first expansion only (after a solve it has nothing to decide), from
    // the program and its visible feedback, in one pass each: no tokens generated.
    expect(policy.criticPrompts).toHaveLength(2);
    expect(policy.criticPrompts[1]).toContain('# half');
    expect(policy.criticPrompts[1]).toContain('Wrong answer on input [1,1,1], 2: expected 3, got 0');
    expect(result.budget).toMatchObject({ rollouts: 1, policyCalls: 2, executions: 4, duplicates: 1, criticPromptTokens: 200, generatedTokens: 40 });
    expect(t.node(3).critic).toBeNull();
    // Seeds: candidate i of a call gets seed + rewrites before it + i.
    expect(policy.calls.map((c) => c.seed)).toEqual([100, 102]);
  });

  const widened = (change: (m: CodeqConfig['search']['mcts']) => void = () => {}) =>
    settings((c) => {
      c.search.mcts = { rollouts: 20, k: 1, maxDepth: 3, rolloutDepth: 1, exploration: 1, widening: { c: 1, alpha: 0.5 }, backup: 'mean', exhaustAfter: 2, critic: false, puct: 1 };
      change(c.search.mcts);
    });

  it('MCTS with widening and k = 1: the root keeps sampling, the best branch is refined, every program is backed up', async () => {
    const policy = new ScriptedPolicy([ZERO, wrong(0), HALF, wrong(1), wrong(2), wrong(3), CORRECT]);
    const result = await search(policy, 'mcts', widened());
    const t = result.tree;
    // Root widened to 3 children (N = 1, 3, 5 allowed 1, 1.7, 2.2), each rolled out one step; then
    // N = 7 allows 2.6 < 3: descend to HALF (mean 0.25 beats 0), which takes a second child.
    expect(t.nodes.map((n) => n.parent)).toEqual([null, 0, 1, 0, 3, 0, 5, 3]);
    expect(t.expansions.map((e) => [e.parent, e.kind])).toEqual([[0, 'expand'], [1, 'rollout'], [0, 'expand'], [3, 'rollout'], [0, 'expand'], [5, 'rollout'], [3, 'expand']]);
    expect(policy.calls.every((c) => c.k === 1)).toBe(true);
    expect(policy.prompts[6]).toContain('# half');
    expect(result.stop).toBe('solved');
    expect(result.chosen!.code).toBe(CORRECT);
    for (const n of t.nodes) expect(n.visits, `node ${n.id}`).toBe(1 + n.children.reduce((sum, c) => sum + t.node(c).visits, 0));
    expect(t.root.valueSum).toBe(t.nodes.reduce((sum, n) => sum + n.visible.reward, 0));
    expect(result.budget).toMatchObject({ rollouts: 4, policyCalls: 7, criticPromptTokens: 0 });
    // Max backup: a subtree is as good as its best program.
    const max = await search(new ScriptedPolicy([ZERO, wrong(0), HALF, wrong(1), wrong(2), wrong(3), CORRECT]), 'mcts', widened((m) => (m.backup = 'max')));
    expect([max.tree.value(max.tree.root), max.tree.value(max.tree.node(3)), max.tree.value(max.tree.node(1))]).toEqual([1, 1, 0]);
  });

  it('reflection: prompts carry the original program, the attempt, sibling failures and a self-reflection made once per node', async () => {
    const policy = new ScriptedPolicy([ZERO, wrong(0), HALF, CORRECT]);
    const c = widened();
    c.search.reflection = { enabled: true, siblings: 3, feedbackChars: 240, selfReflection: true, reflectionTokens: 8, temperature: 0.2 };
    const result = await runSearch('mcts', task, { policy, sandbox: counted, templates, config: c, seed: 100 });
    const t = result.tree;
    expect(t.nodes.map((n) => n.parent)).toEqual([null, 0, 1, 0, 3]);
    // Root, ZERO and HALF reflected on once each; the root's second child reused the root's.
    expect(policy.reflectPrompts).toHaveLength(3);
    expect(policy.reflectPrompts[1]).toContain('# zero');
    expect(policy.reflectPrompts[1]).toContain(t.node(1).visible.feedback);
    expect([t.root.reflection, t.node(1).reflection, t.node(3).reflection, t.node(2).reflection]).toEqual(['reflection 1', 'reflection 2', 'reflection 3', null]);
    const [first, belowZero, rootAgain, belowHalf] = policy.prompts;
    expect(first).toContain('reflection 1');
    expect(first).not.toContain('Other attempts');
    // Below the root: the original buggy program, the attempt, its feedback, its reflection.
    expect(belowZero).toContain('The original code with a bug');
    expect(belowZero).toContain('range(i, len(nums))');
    expect(belowZero).toContain('# zero');
    expect(belowZero).toContain(t.node(1).visible.feedback.split('\n')[0]!);
    expect(belowZero).toContain('reflection 2');
    // The root asked again: the attempt already made from it and how it failed.
    expect(rootAgain).toContain(`- Attempt 1: ${t.node(1).visible.feedback.replace(/\s+/g, ' ').trim()}`);
    expect(rootAgain).toContain('reflection 1');
    expect(belowHalf).toContain('# half');
    expect(belowHalf).toContain('reflection 3');
    // Reflections are generated tokens: counted in the budget, and recorded with the tree.
    expect(result.budget).toMatchObject({ reflectionTokens: 3 * 5, generatedTokens: 4 * 10 + 3 * 5, policyCalls: 4 });
    const record = toTrajectory(result, { ...task, visibleOnly: null }, { model: policy.name, adapter: null, seed: 100, system: 'SYSTEM', config: c });
    expect(parseTrajectory(JSON.stringify(record), 'x').nodes.map((n) => n.reflection)).toEqual(['reflection 1', 'reflection 2', null, 'reflection 3', null]);

    // Sibling failures are cut to feedbackChars; without selfReflection no reflection is asked for.
    const short = new ScriptedPolicy([ZERO, wrong(0), HALF, CORRECT]);
    c.search.reflection = { ...c.search.reflection, feedbackChars: 12, selfReflection: false };
    await runSearch('mcts', task, { policy: short, sandbox: counted, templates, config: c, seed: 100 });
    expect(short.reflectPrompts).toHaveLength(0);
    expect(/- Attempt 1: (.*)\n/.exec(short.prompts[2]!)![1]!.length).toBeLessThanOrEqual(12);
  });

  it('a node whose answers only repeat known programs exhaustAfter times in a row is not grown again', async () => {
    const policy = new ScriptedPolicy([ZERO, ZERO, `${ZERO}\n`, CORRECT]);
    const result = await search(policy, 'mcts', widened((m) => (m.rolloutDepth = 0)));
    expect(result.tree.root.exhausted).toBe(true);
    expect(result.budget.duplicates).toBe(2);
    expect(result.tree.nodes.map((n) => n.parent)).toEqual([null, 0, 1]);
    expect(result.stop).toBe('solved');
  });

  it('never runs the same program twice, however it is spelled', async () => {
    const before = runs;
    const policy = new ScriptedPolicy([TWO, `${TWO}\n\n`, `${TWO}   `, task.buggyCode, CORRECT, TWO], () => 0.5);
    const result = await search(policy, 'mcts', settings((c) => (c.search.mcts.k = 3)));
    // Root, TWO, CORRECT: three runs on visible tests (+1 for CORRECT's hidden tests).
    expect(result.budget.executions).toBe(3);
    expect(runs - before).toBe(4);
    expect(result.budget.duplicates).toBe(4);
    expect(result.tree.nodes).toHaveLength(3);
  });

  it('answers without a program are recorded, not run, and count as failures', async () => {
    const policy = new ScriptedPolicy([{ text: 'I cannot help.' }, CORRECT]);
    const result = await search(policy, 'best-of-n', settings((c) => (c.policy.sequences = 2)));
    expect(result.tree.expansions[0]!.rewrites[0]).toMatchObject({ node: null, failure: 'no code block', text: 'I cannot help.' });
    expect(result.verdict).toBe('pass');
  });

  it('stops on each budget: tokens, executions, rollouts, samples', async () => {
    const endless = Array.from({ length: 60 }, (_, i) => wrong(i));
    const tokenPolicy = new ScriptedPolicy(endless);
    const byTokens = await search(tokenPolicy, 'mcts', settings((c) => (c.search.budget.tokens = 25)));
    expect(byTokens.stop).toBe('tokens');
    // 2 × 10 tokens (the critic generates nothing); the rollout step gets what is left, 5 / 2 = 2
    // tokens per answer (cut off: no program, no critic); then 1 token cannot pay for 2 answers.
    expect(tokenPolicy.calls.map((c) => c.maxTokens)).toEqual([12, 2]);
    expect(tokenPolicy.criticCalls).toEqual([{ prompts: 2 }]);
    expect(byTokens.budget.policyCalls).toBe(2);
    expect(byTokens.budget.generatedTokens).toBe(24);

    const byRuns = await search(new ScriptedPolicy(endless), 'mcts', settings((c) => (c.search.budget.executions = 4)));
    expect(byRuns.stop).toBe('executions');
    expect(byRuns.budget.executions).toBe(5); // root + 2 + 2: checked before each step

    const byRollouts = await search(new ScriptedPolicy(endless), 'mcts', settings((c) => (c.search.mcts.rollouts = 2)));
    expect(byRollouts.stop).toBe('rollouts');
    expect(byRollouts.budget.rollouts).toBe(2);
    expect(byRollouts.budget.policyCalls).toBe(4); // each rollout: an expansion and one greedy step
    expect(byRollouts.verdict).toBe('wrong_answer');

    const samples = new ScriptedPolicy(endless);
    const byN = await search(samples, 'best-of-n', settings((c) => ((c.search.bestOfN.n = 3), (c.policy.sequences = 2))));
    expect(byN.stop).toBe('samples');
    expect(samples.calls.map((c) => c.k)).toEqual([2, 1]);
    expect(byN.tree.nodes.every((n) => n.depth <= 1)).toBe(true);
  });

  it('stops on wall time; stops when nothing can grow; an answer without a program does not end the search', async () => {
    const byWall = await search(new ScriptedPolicy([ZERO]), 'mcts', settings((c) => (c.search.budget.wallMs = 1)));
    expect(byWall.stop).toBe('wall');
    expect(byWall.budget.policyCalls).toBe(0);
    expect(byWall.verdict).toBe('no_program');

    // Depth 1: only the root grows; it proposes only itself, so it is exhausted — and echoing the
    // buggy program is an answer (judged as such), not "no program".
    const echo = await search(new ScriptedPolicy([task.buggyCode, task.buggyCode]), 'mcts', settings((c) => (c.search.mcts.maxDepth = 1)));
    expect(echo.stop).toBe('exhausted');
    expect(echo.chosen!.id).toBe(0);
    expect(echo.verdict).toBe('wrong_answer');

    const retry = new ScriptedPolicy([{ text: 'cut off' }, { text: 'cut off' }, CORRECT, ZERO]);
    const retried = await search(retry, 'mcts', settings((c) => (c.search.mcts.maxDepth = 1)));
    expect(retried.stop).toBe('solved');
    expect(retry.calls).toHaveLength(2);
  });

  it('an interrupted search returns the tree so far, unjudged on hidden tests', async () => {
    const controller = new AbortController();
    const policy = new ScriptedPolicy(Array.from({ length: 20 }, (_, i) => wrong(i)));
    const generate = policy.generate.bind(policy);
    policy.generate = async (...args) => {
      if (policy.calls.length === 2) {
        controller.abort();
        throw new Error('aborted mid-generation');
      }
      return generate(...args);
    };
    const result = await runSearch('mcts', task, { policy, sandbox: counted, templates, config: settings(), seed: 1, signal: controller.signal });
    expect(result.stop).toBe('aborted');
    expect(result.tree.nodes.length).toBe(5); // root and two expansions of two
    expect(result.hidden).toBeNull();
  });

  it('best-of-n stops at the first passing sample; single draws one at its own temperature', async () => {
    const policy = new ScriptedPolicy([ZERO, CORRECT, TWO, ZERO]);
    const result = await search(policy, 'best-of-n', settings((c) => ((c.search.bestOfN.n = 8), (c.policy.sequences = 2))));
    expect(result.stop).toBe('solved');
    expect(policy.answersUsed).toBe(2);
    const single = new ScriptedPolicy([TWO]);
    const one = await search(single, 'single', settings((c) => (c.search.singlePass.temperature = 0.125)));
    expect(single.calls).toEqual([{ k: 1, seed: 100, temperature: 0.125, maxTokens: config.policy.generation.maxTokens }]);
    expect(one.stop).toBe('samples');
    expect(one.chosen!.code).toBe(TWO);
    expect(one.verdict).toBe('wrong_answer');
  });

  it('keeps "passed visible" apart from the final verdict (visible AND hidden)', async () => {
    const c = settings();
    const result = await search(new ScriptedPolicy([MEMORIZED, BROKEN]), 'mcts', c);
    expect(result.chosen!.visible.verdict).toBe('pass');
    expect(result.verdict).toBe('wrong_answer');
    const record = toTrajectory(result, task, { model: 'scripted.gguf', adapter: null, seed: 100, system: templates.system, config: c });
    expect(record.settings).toMatchObject({ mode: { k: 2, rollouts: 8, critic: true, puct: 1, agreementCandidates: 1 } });
    expect(record).toMatchObject({ solvedVisible: true, solved: false, verdict: 'wrong_answer', split: 'train', visibleOnly: null });
    expect(record.chosen!.hidden!.passed).toBeLessThan(record.chosen!.hidden!.total);
    // On the train split the node that passed the visible tests carries its hidden result too (for pairs).
    expect(record.nodes[record.chosen!.node]!.hidden).toEqual(record.chosen!.hidden);
    expect(record.nodes.filter((n) => n.hidden !== null)).toHaveLength(1);
    expect(record.nodes.find((n) => n.code === BROKEN)!.visible).toMatchObject({ verdict: 'compile_error', reward: 0 });
    // The record survives its own reader, and prints as a tree.
    expect(parseTrajectory(JSON.stringify(record), 'test')).toEqual(record);
    expect(formatTree(record)).toMatch(/#1 +pass 2\/2 .*← chosen/);
  });
});
