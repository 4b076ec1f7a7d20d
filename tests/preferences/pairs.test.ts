import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { extractPairs, pairKey, pairsOfTrajectory } from '../../src/preferences/pairs.js';
import { TRAJECTORY_VERSION, type Trajectory, type TrajectoryNode } from '../../src/search/trajectory.js';

function node(id: number, parent: number | null, q: number, code = `program ${id}`): TrajectoryNode {
  return {
    id,
    hash: `h${id}`,
    code,
    parent,
    depth: parent === null ? 0 : 1,
    visits: 1,
    value: q,
    critic: null,
    q,
    visible: { verdict: q === 1 ? 'pass' : 'wrong_answer', passed: 0, total: 2, reward: q, feedback: '' },
    hidden: null,
    expansion: parent === null ? null : 0,
  };
}

/**
 * A hand-built tree: the root's prompt gave four answers (Q 1.0, 0.5, 0.4, no program) over two
 * policy calls; node 2's prompt gave two (Q 0.9 and 0.8, below the threshold apart).
 */
function tree(mode: Trajectory['mode'] = 'mcts', task = 'python3/x/y/00000000'): Trajectory {
  const nodes = [node(0, null, 0.2), node(1, 0, 1.0), node(2, 0, 0.5), node(3, 0, 0.4), node(4, 2, 0.9), node(5, 2, 0.8)];
  nodes[4]!.depth = nodes[5]!.depth = 2;
  const rewrite = (n: number | null, text = `answer ${n}`, duplicate = false) => ({ node: n, duplicate, text, tokens: 5, seed: 0, failure: n === null ? 'no code block' : null });
  return {
    version: TRAJECTORY_VERSION,
    task,
    language: 'python3',
    split: 'train',
    visibleOnly: null,
    mode,
    policy: { model: 'm.gguf', adapter: null },
    seed: 1,
    settings: { budget: {}, mode: {}, alpha: 0.5 },
    budget: { rollouts: 1, policyCalls: 3, generatedTokens: 30, criticTokens: 0, executions: 6, duplicates: 1, wallMs: 1 },
    stop: 'solved',
    system: 'SYSTEM',
    nodes,
    expansions: [
      { id: 0, parent: 0, kind: 'expand', maxTokens: 5, spentTokens: 0, prompt: `fix the root of ${task}`, rewrites: [rewrite(2), rewrite(3), rewrite(null, 'no idea')] },
      { id: 1, parent: 2, kind: 'rollout', maxTokens: 5, spentTokens: 0, prompt: 'fix node 2', rewrites: [rewrite(4), rewrite(5)] },
      // The root's prompt again (another call): siblings of the first call; node 3 proposed again.
      { id: 2, parent: 0, kind: 'expand', maxTokens: 5, spentTokens: 0, prompt: `fix the root of ${task}`, rewrites: [rewrite(1), rewrite(3, 'answer 3 again', true)] },
    ],
    chosen: { node: 1, visible: { verdict: 'pass', passed: 2, total: 2 }, hidden: { verdict: 'pass', passed: 5, total: 5 } },
    verdict: 'pass',
    solvedVisible: true,
    solved: true,
  };
}

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

  it('deduplicates across trees (normalized), keeps the source, filters by source', () => {
    const again = tree();
    // Trailing spaces and blank lines do not make a pair new.
    for (const e of again.expansions) for (const r of e.rewrites) r.text = `${r.text}  \n\n`;
    const { pairs, summary } = extractPairs([tree(), again, tree('best-of-n')], { ...loadConfig().pairs, threshold: 0.2, maxPerGroup: 100 });
    expect(summary).toMatchObject({ trajectories: 3, skippedBySource: 1, extracted: 14, duplicates: 7, duplicateRate: 0.5, pairs: 7, bySource: { mcts: 7 }, byDepth: { 1: 7 } });
    expect(new Set(pairs.map(pairKey)).size).toBe(7);
    const both = extractPairs([tree('mcts', 'a'), tree('best-of-n', 'b')], { threshold: 0.2, maxPerGroup: 100, sources: ['mcts', 'best-of-n'] });
    expect(both.summary.bySource).toEqual({ mcts: 7, 'best-of-n': 7 });
    expect(both.summary.perTask).toEqual({ tasks: 2, tasksWithPairs: 2, mean: 7, max: 7 });
  });
});
