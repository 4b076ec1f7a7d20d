import { wilson } from '../evaluation/intervals.js';
import { comparePaired, pairedTable } from '../evaluation/paired.js';
import type { PromotionDecision } from '../workflows/definitions.js';

/** The two policies cannot be compared (a bug or a tampered directory): retrying cannot help. */
export class PromotionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromotionError';
  }
}

export interface PolicyScores {
  /** Task id → solved (visible AND hidden tests). */
  solved: Map<string, boolean>;
}

export interface PromotionRule {
  /** The paired improvement (candidate − incumbent, a fraction of the tasks) must be at least this, and above 0. */
  margin: number;
  /** McNemar's exact p on the tasks that flipped must be below this (1: no test, the margin alone decides). */
  alpha: number;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * Promote the candidate only when, paired on the same tasks, it solves more than the incumbent by
 * at least `margin` and McNemar's exact test says the flips are unlikely to be chance (p < alpha).
 * The decision carries its evidence: both rates with intervals, the paired difference with its
 * interval, p, and the tasks that flipped each way.
 */
export function decidePromotion(incumbent: PolicyScores, candidate: PolicyScores | null, rule: PromotionRule, noCandidate = 'no candidate'): PromotionDecision {
  const ids = [...incumbent.solved.keys()].sort();
  const tasks = ids.length;
  const incumbentSolved = ids.filter((id) => incumbent.solved.get(id)).length;
  const base = { tasks, margin: rule.margin, alpha: rule.alpha, incumbentSolved, incumbentRate: wilson(incumbentSolved, tasks) };
  if (!candidate) return { ...base, promote: false, reason: noCandidate, candidateSolved: 0, candidateRate: null, comparison: null, flipped: { gained: [], lost: [] } };
  const missing = ids.filter((id) => !candidate.solved.has(id));
  if (missing.length > 0 || candidate.solved.size !== tasks) {
    throw new PromotionError(`the candidate and the incumbent were scored on different tasks (${missing.length} of the incumbent's missing, ${candidate.solved.size} vs ${tasks})`);
  }
  const before = ids.map((id) => incumbent.solved.get(id)!);
  const after = ids.map((id) => candidate.solved.get(id)!);
  const c = comparePaired(pairedTable(before, after));
  const candidateSolved = after.filter(Boolean).length;
  const flipped = { gained: ids.filter((_, i) => !before[i] && after[i]), lost: ids.filter((_, i) => before[i] && !after[i]) };
  const comparison = { difference: c.difference, low: c.low, high: c.high, pValue: c.pValue, gained: c.secondOnly, lost: c.firstOnly };
  const evidence = `candidate ${candidateSolved}/${tasks}, incumbent ${incumbentSolved}/${tasks}; paired difference ${c.difference >= 0 ? '+' : ''}${percent(c.difference)} [${percent(c.low)}, ${percent(c.high)}], ${flipped.gained.length} gained / ${flipped.lost.length} lost, McNemar p = ${c.pValue.toPrecision(3)}`;
  let promote = false;
  let why: string;
  if (tasks === 0) why = 'no evaluation tasks: nothing to decide on';
  else if (c.difference <= 0) why = `${evidence}: no improvement; the incumbent stays`;
  else if (c.difference < rule.margin) why = `${evidence}: the improvement is below the margin ${percent(rule.margin)}; the incumbent stays`;
  else if (rule.alpha < 1 && !(c.pValue < rule.alpha)) why = `${evidence}: p is not below alpha ${rule.alpha} (too few tasks flipped to tell it from chance); the incumbent stays`;
  else ((promote = true), (why = `${evidence}: at least the margin ${percent(rule.margin)} and p < alpha ${rule.alpha}: promoted`));
  return { ...base, promote, reason: why, candidateSolved, candidateRate: wilson(candidateSolved, tasks), comparison, flipped };
}
