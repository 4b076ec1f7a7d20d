import type { PairsConfig, SearchMode } from '../config/schema.js';
import type { Trajectory, TrajectoryNode } from '../search/trajectory.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Where a pair came from and how far apart its two answers were. */
export interface PairMeta {
  task: string;
  /** The task's split: training refuses test-split pairs unless told otherwise. */
  split: Trajectory['split'];
  source: SearchMode;
  model: string;
  adapter: string | null;
  /** Depth of the two rewrites (their parent's depth + 1). */
  depth: number;
  parent: number;
  /** Tree nodes of the two programs; null for an answer that held no program. */
  chosenNode: number;
  rejectedNode: number | null;
  qChosen: number;
  qRejected: number;
  /** Execution rewards (fraction of visible tests passed; 0 without a program): chosen's is strictly higher. */
  rewardChosen: number;
  rewardRejected: number;
}

/**
 * One preference pair in TRL's conversational format: the prompt exactly as the policy saw it
 * (system and user messages), the preferred and the dispreferred answers as generated.
 */
export interface PreferencePair {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  meta: PairMeta;
}

interface Sibling {
  node: number | null;
  text: string;
  q: number;
  /** Fraction of visible tests its program passed; 0 for an answer with no program. */
  reward: number;
  /** Passed the visible tests and failed the hidden ones (train split): it overfits the examples. */
  overfits: boolean;
}

export interface TreePairs {
  pairs: PreferencePair[];
  /** Sibling pairs that are the same program twice (never a preference, whatever the threshold). */
  samePrograms: number;
  /** Sibling pairs left out because the better one overfits (passes visible, fails hidden; train split). */
  overfitChosen: number;
  groups: number;
}

/**
 * Pairs from one tree: rewrites proposed from the same prompt (one parent, one or more policy
 * calls) are siblings. Labels come from execution: a pair's chosen answer has a strictly higher
 * reward (fraction of visible tests passed; an answer with no program has 0) than its rejected
 * one, and their Q (the backed-up visible reward of their subtrees) differ by more than the
 * threshold in the same direction. Larger reward gaps first, then larger Q gaps; at most
 * maxPerGroup per group (Q in trees from before issue 14 may blend in a critic). On the train
 * split a program that passed the visible tests but failed the hidden ones is never chosen.
 */
export function pairsOfTrajectory(t: Trajectory, config: Pick<PairsConfig, 'threshold' | 'maxPerGroup'>): TreePairs {
  const groups = new Map<string, { parent: number; prompt: string; siblings: Sibling[] }>();
  for (const e of t.expansions) {
    const key = `${e.parent}\0${e.prompt}`;
    const group = groups.get(key) ?? { parent: e.parent, prompt: e.prompt, siblings: [] };
    groups.set(key, group);
    const ancestors = ancestorsOf(t, e.parent);
    for (const r of e.rewrites) {
      const node = r.node === null ? null : t.nodes[r.node]!;
      group.siblings.push({ node: r.node, text: r.text, q: rewriteValue(t, r.node, ancestors), reward: node?.visible.reward ?? 0, overfits: node !== null && overfits(t, node) });
    }
  }
  const pairs: PreferencePair[] = [];
  let samePrograms = 0;
  let overfitChosen = 0;
  for (const { parent, prompt, siblings } of groups.values()) {
    const candidates: { chosen: Sibling; rejected: Sibling }[] = [];
    siblings.forEach((a, i) => {
      siblings.forEach((b, j) => {
        if (a.node !== null && a.node === b.node) {
          if (i < j) samePrograms += 1; // the same program twice: never a preference
          return;
        }
        if (!(a.reward > b.reward && a.q - b.q > config.threshold)) return;
        if (a.overfits) overfitChosen += 1;
        else candidates.push({ chosen: a, rejected: b });
      });
    });
    // Larger reward gaps first; Q orders equal ones; then the better chosen answer.
    const gap = (x: { chosen: Sibling; rejected: Sibling }, key: 'reward' | 'q') => x.chosen[key] - x.rejected[key];
    candidates.sort((x, y) => gap(y, 'reward') - gap(x, 'reward') || gap(y, 'q') - gap(x, 'q') || y.chosen.q - x.chosen.q);
    const depth = t.nodes[parent]!.depth + 1;
    for (const { chosen, rejected } of candidates.slice(0, config.maxPerGroup)) {
      pairs.push({
        prompt: [
          { role: 'system', content: t.system },
          { role: 'user', content: prompt },
        ],
        chosen: [{ role: 'assistant', content: chosen.text }],
        rejected: [{ role: 'assistant', content: rejected.text }],
        meta: {
          task: t.task,
          split: t.split,
          source: t.mode,
          model: t.policy.model,
          adapter: t.policy.adapter,
          depth,
          parent,
          chosenNode: chosen.node!,
          rejectedNode: rejected.node,
          qChosen: chosen.q,
          qRejected: rejected.q,
          rewardChosen: chosen.reward,
          rewardRejected: rejected.reward,
        },
      });
    }
  }
  return { pairs, samePrograms, overfitChosen, groups: groups.size };
}

/**
 * Whether a program fits the examples only: it passed the visible tests and, on the train split
 * (where the search records hidden results for every such program), failed the hidden ones.
 * Hidden tests filter training data, never evaluation data: on the test split nothing is filtered.
 */
function overfits(t: Trajectory, node: TrajectoryNode): boolean {
  return t.split === 'train' && node.visible.verdict === 'pass' && node.hidden !== null && node.hidden.verdict !== 'pass';
}

/** The node and every node above it. */
function ancestorsOf(t: Trajectory, id: number): Set<number> {
  const ids = new Set<number>();
  for (let n: number | null = id; n !== null; n = t.nodes[n]!.parent) ids.add(n);
  return ids;
}

/**
 * A rewrite's value: its program's blended Q; 0 for an answer with no program. A rewrite that
 * gives back its parent or an ancestor (no change, or a step back) gets that program's own reward,
 * not the Q its subtree earned: that credit belongs to the rewrites that moved on from it.
 */
function rewriteValue(t: Trajectory, node: number | null, ancestors: Set<number>): number {
  if (node === null) return 0;
  const n = t.nodes[node]!;
  return ancestors.has(node) ? n.visible.reward : n.q;
}

