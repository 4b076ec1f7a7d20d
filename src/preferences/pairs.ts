import { createHash } from 'node:crypto';
import type { PairsConfig, SearchMode } from '../config/schema.js';
import { normalizeCode } from '../tasks/normalize.js';
import type { Trajectory } from '../search/trajectory.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Where a pair came from and how far apart its two answers were. */
export interface PairMeta {
  task: string;
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
}

/**
 * Pairs from one tree: rewrites proposed from the same prompt (one parent, one or more policy
 * calls) are siblings; every two whose blended Q differ by more than the threshold give a pair,
 * the larger gaps first, at most maxPerGroup per group. An answer with no program has Q 0.
 */
export function pairsOfTrajectory(t: Trajectory, config: Pick<PairsConfig, 'threshold' | 'maxPerGroup'>): { pairs: PreferencePair[]; samePrograms: number; groups: number } {
  const groups = new Map<string, { parent: number; prompt: string; siblings: Sibling[] }>();
  for (const e of t.expansions) {
    const key = `${e.parent}\0${e.prompt}`;
    const group = groups.get(key) ?? { parent: e.parent, prompt: e.prompt, siblings: [] };
    groups.set(key, group);
    const ancestors = ancestorsOf(t, e.parent);
    for (const r of e.rewrites) group.siblings.push({ node: r.node, text: r.text, q: rewriteValue(t, r.node, ancestors) });
  }
  const pairs: PreferencePair[] = [];
  let samePrograms = 0;
  for (const { parent, prompt, siblings } of groups.values()) {
    const candidates: { chosen: Sibling; rejected: Sibling }[] = [];
    siblings.forEach((a, i) => {
      siblings.forEach((b, j) => {
        if (a.node !== null && a.node === b.node) {
          if (i < j) samePrograms += 1; // the same program twice: never a preference
          return;
        }
        if (a.q - b.q > config.threshold) candidates.push({ chosen: a, rejected: b });
      });
    });
    // Larger gaps first; among equal gaps, the better chosen answer first.
    candidates.sort((x, y) => y.chosen.q - y.rejected.q - (x.chosen.q - x.rejected.q) || y.chosen.q - x.chosen.q);
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
          source: t.mode,
          model: t.policy.model,
          adapter: t.policy.adapter,
          depth,
          parent,
          chosenNode: chosen.node!,
          rejectedNode: rejected.node,
          qChosen: chosen.q,
          qRejected: rejected.q,
        },
      });
    }
  }
  return { pairs, samePrograms, groups: groups.size };
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

/** Identity of a pair: prompt, chosen and rejected, each with trailing spaces and blank lines ignored. */
export function pairKey(pair: PreferencePair): string {
  const text = (messages: ChatMessage[]) => messages.map((m) => `${m.role}:${normalizeCode(m.content)}`).join('\u0001');
  return createHash('sha256').update(`${text(pair.prompt)}\0${text(pair.chosen)}\0${text(pair.rejected)}`).digest('hex');
}

export interface PairsSummary {
  trajectories: number;
  /** Trajectories whose mode is not among the configured sources. */
  skippedBySource: number;
  groups: number;
  /** Pairs before deduplication. */
  extracted: number;
  duplicates: number;
  duplicateRate: number;
  /** Sibling pairs that are the same program twice (never a preference, whatever the threshold). */
  samePrograms: number;
  pairs: number;
  bySource: Record<string, number>;
  byDepth: Record<string, number>;
  perTask: { tasks: number; tasksWithPairs: number; mean: number; max: number };
}

/** Pairs from many trajectories, deduplicated (first kept), with what was dropped and why. */
export function extractPairs(trajectories: Iterable<Trajectory>, config: PairsConfig): { pairs: PreferencePair[]; summary: PairsSummary } {
  const sources = new Set<string>(config.sources);
  const seen = new Set<string>();
  const pairs: PreferencePair[] = [];
  const perTask = new Map<string, number>();
  const summary: PairsSummary = {
    trajectories: 0,
    skippedBySource: 0,
    groups: 0,
    extracted: 0,
    duplicates: 0,
    duplicateRate: 0,
    samePrograms: 0,
    pairs: 0,
    bySource: {},
    byDepth: {},
    perTask: { tasks: 0, tasksWithPairs: 0, mean: 0, max: 0 },
  };
  for (const t of trajectories) {
    summary.trajectories += 1;
    if (!sources.has(t.mode)) {
      summary.skippedBySource += 1;
      continue;
    }
    perTask.set(t.task, perTask.get(t.task) ?? 0);
    const found = pairsOfTrajectory(t, config);
    summary.groups += found.groups;
    summary.samePrograms += found.samePrograms;
    for (const pair of found.pairs) {
      summary.extracted += 1;
      const key = pairKey(pair);
      if (seen.has(key)) {
        summary.duplicates += 1;
        continue;
      }
      seen.add(key);
      pairs.push(pair);
      summary.bySource[pair.meta.source] = (summary.bySource[pair.meta.source] ?? 0) + 1;
      summary.byDepth[pair.meta.depth] = (summary.byDepth[pair.meta.depth] ?? 0) + 1;
      perTask.set(t.task, perTask.get(t.task)! + 1);
    }
  }
  summary.pairs = pairs.length;
  summary.duplicateRate = summary.extracted === 0 ? 0 : summary.duplicates / summary.extracted;
  const counts = [...perTask.values()];
  summary.perTask = {
    tasks: counts.length,
    tasksWithPairs: counts.filter((c) => c > 0).length,
    mean: counts.length === 0 ? 0 : pairs.length / counts.length,
    max: Math.max(0, ...counts),
  };
  return { pairs, summary };
}
