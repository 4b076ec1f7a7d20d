import type { TestVerdict } from './verifyProgram.js';

/**
 * Why a task's hidden tests cannot vouch for a fix, so a pass there is `pass_visible_only`,
 * counted apart and never in a solve rate:
 * - no_hidden: no hidden input could be generated within the problem's promises;
 * - one_hidden_output: every hidden test expects the same answer (`return True` would pass);
 * - multi_answer: several answers are valid and no checker exists, so only the visible tests
 *   (which accept the example's stated output too) judge, and the hidden ones are not run;
 * - nondeterministic: the oracle answered one input two ways (random by design, or order of a
 *   hash set), so its answers are not the answers.
 */
export const VISIBLE_ONLY_REASONS = ['no_hidden', 'one_hidden_output', 'multi_answer', 'nondeterministic'] as const;
export type VisibleOnlyReason = (typeof VISIBLE_ONLY_REASONS)[number];

/** A candidate's final verdict: `pass` only on the visible AND hidden tests of a task they can vouch for. */
export const FINAL_VERDICTS = ['pass', 'pass_visible_only', 'wrong_answer', 'compile_error', 'runtime_error', 'timeout', 'memory', 'output_limit'] as const;
export type FinalVerdict = TestVerdict | 'pass_visible_only';

/** Hidden tests are run (and can fail a candidate) unless the oracle's answers are not the only valid ones. */
export function hiddenTestsRun(visibleOnly: VisibleOnlyReason | null): boolean {
  return visibleOnly !== 'multi_answer' && visibleOnly !== 'nondeterministic';
}

/** The final verdict from the visible verdict, the hidden one (null when not run) and the task's reason, if any. */
export function finalVerdict(visible: TestVerdict, hidden: TestVerdict | null, visibleOnly: VisibleOnlyReason | null): FinalVerdict {
  if (visible !== 'pass') return visible;
  if (hidden !== null && hidden !== 'pass') return hidden;
  return visibleOnly === null && hidden === 'pass' ? 'pass' : 'pass_visible_only';
}

/** Solve-rate bookkeeping: `pass` counts as solved; `pass_visible_only` is reported apart. */
export function isSolved(verdict: FinalVerdict | 'no_program'): boolean {
  return verdict === 'pass';
}
