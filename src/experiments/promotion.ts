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

/**
 * Promote the candidate only when it solves more of the same tasks than the incumbent by more
 * than `margin` (a fraction of the tasks). Both must have been scored on exactly the same tasks.
 */
export function decidePromotion(incumbent: PolicyScores, candidate: PolicyScores | null, margin: number, noCandidate = 'no candidate'): PromotionDecision {
  const tasks = incumbent.solved.size;
  const incumbentSolved = [...incumbent.solved.values()].filter(Boolean).length;
  if (!candidate) return { promote: false, reason: noCandidate, incumbentSolved, candidateSolved: 0, tasks, margin };
  const missing = [...incumbent.solved.keys()].filter((id) => !candidate.solved.has(id));
  if (missing.length > 0 || candidate.solved.size !== tasks) {
    throw new PromotionError(`the candidate and the incumbent were scored on different tasks (${missing.length} of the incumbent's missing, ${candidate.solved.size} vs ${tasks})`);
  }
  const candidateSolved = [...candidate.solved.values()].filter(Boolean).length;
  const gain = tasks === 0 ? 0 : (candidateSolved - incumbentSolved) / tasks;
  const percent = (x: number) => `${(100 * x).toFixed(1)}%`;
  const promote = tasks > 0 && gain > margin;
  const reason = tasks === 0
    ? 'no evaluation tasks: nothing to decide on'
    : promote
      ? `candidate solved ${candidateSolved}/${tasks}, incumbent ${incumbentSolved}/${tasks}: +${percent(gain)} > margin ${percent(margin)}`
      : `candidate solved ${candidateSolved}/${tasks}, incumbent ${incumbentSolved}/${tasks}: ${gain >= 0 ? '+' : ''}${percent(gain)} is not above the margin ${percent(margin)}; the incumbent stays`;
  return { promote, reason, incumbentSolved, candidateSolved, tasks, margin };
}
