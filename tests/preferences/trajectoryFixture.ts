import { TRAJECTORY_VERSION, type Trajectory, type TrajectoryNode } from '../../src/search/trajectory.js';

/** A node whose reward (fraction of visible tests passed) is its Q unless said otherwise; its program returns its id. */
export function node(id: number, parent: number | null, q: number, code = `def f():\n    return ${id}\n`): TrajectoryNode {
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
    reflection: null,
    hidden: null,
    expansion: parent === null ? null : 0,
  };
}

/**
 * A hand-built tree: the root's prompt gave four answers (Q 1.0, 0.5, 0.4, no program) over two
 * policy calls; node 2's prompt gave two (Q 0.9 and 0.8, below the threshold apart).
 */
export function tree(mode: Trajectory['mode'] = 'mcts', task = 'python3/x/y/00000000'): Trajectory {
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
    settings: { budget: {}, mode: {} },
    budget: { rollouts: 1, policyCalls: 3, generatedTokens: 30, criticPromptTokens: 0, reflectionTokens: 0, executions: 6, duplicates: 1, wallMs: 1 },
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
    agreement: null,
  };
}
