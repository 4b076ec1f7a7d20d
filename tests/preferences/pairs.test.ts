import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { extractPairs, TestSplitError } from '../../src/preferences/extractPairs.js';
import { exactPairKey } from '../../src/preferences/pairKeys.js';
import { pairsOfTrajectory } from '../../src/preferences/pairs.js';
import { tree } from './trajectoryFixture.js';

describe('preference pairs', () => {
  it('pairs siblings of one prompt whose Q differ by more than the threshold, larger gaps first', () => {
    const { pairs, samePrograms, groups } = pairsOfTrajectory(tree(), { threshold: 0.2, maxPerGroup: 100 });
    expect(groups).toBe(2);
    const summary = pairs.map((p) => [p.chosen[0]!.content, p.rejected[0]!.content, Number((p.meta.qChosen - p.meta.qRejected).toFixed(2))]);
    expect(summary).toEqual([
      ['answer 1', 'no idea', 1],
      ['answer 1', 'answer 3', 0.6],
      ['answer 1', 'answer 3 again', 0.6],
      ['answer 1', 'answer 2', 0.5],
      ['answer 2', 'no idea', 0.5],
      ['answer 3', 'no idea', 0.4],
      ['answer 3 again', 'no idea', 0.4],
    ]);
    // 0.9 vs 0.8 and 0.5 vs 0.4 are within the threshold: no pair. Node 3, proposed twice, is counted, never paired.
    expect(samePrograms).toBe(1);
    const first = pairs[0]!;
    expect(first.prompt).toEqual([
      { role: 'system', content: 'SYSTEM' },
      { role: 'user', content: 'fix the root of python3/x/y/00000000' },
    ]);
    expect(first.meta).toMatchObject({ task: 'python3/x/y/00000000', source: 'mcts', depth: 1, parent: 0, chosenNode: 1, rejectedNode: null, qChosen: 1, qRejected: 0 });
    expect(pairsOfTrajectory(tree(), { threshold: 0.2, maxPerGroup: 2 }).pairs).toHaveLength(2);
    expect(pairsOfTrajectory(tree(), { threshold: 0.05, maxPerGroup: 100 }).pairs.filter((p) => p.meta.depth === 2)).toHaveLength(1);
  });

  it('values a rewrite that gives back its parent by that program\'s reward, not by the credit of its subtree', () => {
    const t = tree();
    t.nodes[2]!.q = 1.0; // node 2's subtree did well; its own program passes half the tests
    t.expansions[1]!.rewrites.push({ node: 2, duplicate: true, text: 'node 2 unchanged', tokens: 1, seed: 0, failure: null });
    const fromNode2 = pairsOfTrajectory(t, { threshold: 0.2, maxPerGroup: 100 }).pairs.filter((p) => p.meta.parent === 2);
    expect(fromNode2.map((p) => [p.chosen[0]!.content, p.rejected[0]!.content])).toEqual([
      ['answer 4', 'node 2 unchanged'],
      ['answer 5', 'node 2 unchanged'],
    ]);
  });

  it('labels by execution: the chosen program passes strictly more visible tests; the critic orders ties, never overturns', () => {
    const t = tree();
    // The critic loves node 3 (Q 0.95) though it passes fewer tests than node 2 (0.4 < 0.5): no pair 3 over 2, nor 2 over 3.
    t.nodes[3]!.q = 0.95;
    // Nodes 4 and 5 pass as many tests (0.5) and the critic tells them apart: a tie, so no pair.
    t.nodes[4]!.visible.reward = t.nodes[5]!.visible.reward = 0.5;
    t.nodes[4]!.q = 0.9;
    t.nodes[5]!.q = 0.3;
    const pairs = pairsOfTrajectory(t, { threshold: 0.2, maxPerGroup: 100 }).pairs;
    for (const p of pairs) expect(p.meta.rewardChosen).toBeGreaterThan(p.meta.rewardRejected);
    const names = pairs.map((p) => `${p.chosen[0]!.content} > ${p.rejected[0]!.content}`);
    expect(names).not.toContain('answer 3 > answer 2');
    expect(names).not.toContain('answer 2 > answer 3');
    expect(pairs.filter((p) => p.meta.parent === 2)).toEqual([]);
    // An answer without a program under node 2: nodes 4 and 5 beat it by the same reward gap (0.5);
    // the critic's Q orders the two pairs (0.9 before 0.3), and with one pair per group only 4's is kept.
    t.expansions[1]!.rewrites.push({ node: null, duplicate: false, text: 'cut off', tokens: 1, seed: 0, failure: 'no code block' });
    const under2 = (maxPerGroup: number) => pairsOfTrajectory(t, { threshold: 0.2, maxPerGroup }).pairs.filter((p) => p.meta.parent === 2).map((p) => `${p.chosen[0]!.content} > ${p.rejected[0]!.content}`);
    expect(under2(100)).toEqual(['answer 4 > cut off', 'answer 5 > cut off']);
    expect(under2(1)).toEqual(['answer 4 > cut off']);
  });

  it('on the train split, a program that passed the visible tests and failed the hidden ones is never chosen', () => {
    const t = tree();
    t.nodes[1]!.hidden = { verdict: 'wrong_answer', passed: 3, total: 5 };
    const train = pairsOfTrajectory(t, { threshold: 0.2, maxPerGroup: 100 });
    expect(train.pairs.filter((p) => p.meta.chosenNode === 1)).toEqual([]);
    expect(train.overfitChosen).toBe(4); // over answer 3 (twice), answer 2 and no idea
    t.nodes[1]!.hidden = { verdict: 'pass', passed: 5, total: 5 };
    expect(pairsOfTrajectory(t, { threshold: 0.2, maxPerGroup: 100 }).pairs.filter((p) => p.meta.chosenNode === 1)).toHaveLength(4);
    // Hidden tests filter training data, never evaluation data: nothing is filtered on the test split.
    const test = { ...tree(), split: 'test' as const };
    test.nodes[1]!.hidden = { verdict: 'wrong_answer', passed: 3, total: 5 };
    expect(pairsOfTrajectory(test, { threshold: 0.2, maxPerGroup: 100 }).overfitChosen).toBe(0);
  });

  it('refuses test-split trees unless allowed, and then says so in the summary and every pair', async () => {
    const config = { ...loadConfig().pairs, threshold: 0.2, maxPerGroup: 100 };
    const test = { ...tree('mcts', 'python3/t/y/00000000'), split: 'test' as const };
    const refused = extractPairs([tree(), test, { ...test, task: 'python3/t/z/00000000' }], config);
    await expect(refused).rejects.toThrow(TestSplitError);
    await expect(refused).rejects.toThrow(/^2 trajectories are of test-split tasks \(first: python3\/t\/y\/00000000\)/);
    const allowed = await extractPairs([tree(), test], config, { allowTestSplit: true });
    // Each tree gives 7 pairs, 5 once "answer 3" and "answer 3 again" (one program) count once.
    expect(allowed.summary.testSplit).toEqual({ allowed: true, trajectories: 1, pairs: 5 });
    expect(allowed.summary.bySplit).toEqual({ train: 5, test: 5 });
    expect(allowed.pairs.filter((p) => p.meta.split === 'test')).toHaveLength(5);
    expect((await extractPairs([tree()], config)).summary.testSplit).toEqual({ allowed: false, trajectories: 0, pairs: 0 });
  });

  it('deduplicates by prompt and programs up to comments and formatting; counts exact and semantic duplicates apart', async () => {
    const config = { ...loadConfig().pairs, threshold: 0.2, maxPerGroup: 100 };
    const again = tree();
    // Trailing spaces and blank lines: the same texts (an exact duplicate, so a semantic one too).
    for (const e of again.expansions) for (const r of e.rewrites) r.text = `${r.text}  \n\n`;
    // Other prose and comments around the same programs: a semantic duplicate only.
    const commented = tree();
    for (const e of commented.expansions) for (const r of e.rewrites) if (r.node !== null) r.text = `Here is the fix:\n${r.text}`;
    for (const n of commented.nodes) n.code = `# fixed\ndef f():\n    return  ${n.id}  # done\n`;
    // Another identifier: other programs, not a duplicate.
    const renamed = tree();
    for (const n of renamed.nodes) n.code = `def g():\n    return ${n.id}\n`;
    for (const e of renamed.expansions) for (const r of e.rewrites) if (r.node !== null) r.text = `${r.text}, renamed`;
    const { pairs, summary } = await extractPairs([tree(), again, commented, renamed, tree('best-of-n')], config);
    // 7 pairs a tree; within one, "answer 3" and "answer 3 again" are one program (2 semantic
    // duplicates); `again` repeats tree 1 exactly (7), `commented` semantically (7); `renamed` is new (5).
    expect(summary).toMatchObject({ trajectories: 5, skippedBySource: 1, extracted: 28, exactDuplicates: 7, semanticDuplicates: 18, pairs: 10, bySource: { mcts: 10 }, byDepth: { 1: 10 } });
    expect(summary.exactDuplicateRate).toBeCloseTo(7 / 28, 12);
    expect(summary.semanticDuplicateRate).toBeCloseTo(18 / 28, 12);
    expect(new Set(pairs.map(exactPairKey)).size).toBe(10);
    const both = await extractPairs([tree('mcts', 'a'), tree('best-of-n', 'b')], { threshold: 0.2, maxPerGroup: 100, sources: ['mcts', 'best-of-n'] });
    expect(both.summary.bySource).toEqual({ mcts: 5, 'best-of-n': 5 });
    expect(both.summary.perTask).toEqual({ tasks: 2, tasksWithPairs: 2, mean: 5, max: 5 });
  });
});
