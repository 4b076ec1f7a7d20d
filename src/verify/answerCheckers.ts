import type { CaseInput } from '../tasks/harness/spec.js';
import { formatValue, isInteger, type Value } from '../tasks/literal.js';

/**
 * Checkers for problems with several valid answers, as LeetCode's special judges: instead of
 * comparing with the oracle's one answer, they check the answer against the input. A problem
 * with a checker is judged on its hidden tests like any single-answer problem; one without stays
 * multi_answer (visible tests only). Keyed by the problem's slug, since each checks one contract.
 */
export type AnswerChecker = (input: CaseInput, answer: Value) => boolean;

const isPair = (v: Value): v is [Value, Value] => Array.isArray(v) && v.length === 2 && v.every((x) => isInteger(x as number | bigint));

/** "Return any valid arrangement of pairs": the same pairs, each pair's end the next one's start. */
const validArrangement: AnswerChecker = (input, answer) => {
  if (!Array.isArray(input) || !Array.isArray(input[0]) || !Array.isArray(answer)) return false;
  const pairs = input[0] as Value[];
  if (answer.length !== pairs.length || !answer.every(isPair)) return false;
  const left = new Map<string, number>();
  for (const p of pairs) left.set(formatValue(p), (left.get(formatValue(p)) ?? 0) + 1);
  for (const p of answer) {
    const key = formatValue(p);
    const count = left.get(key) ?? 0;
    if (count === 0) return false;
    left.set(key, count - 1);
  }
  return answer.every((p, i) => i === 0 || formatValue((answer[i - 1] as Value[])[1]!) === formatValue((p as Value[])[0]!));
};

const CHECKERS: Record<string, AnswerChecker> = {
  'valid-arrangement-of-pairs': validArrangement,
};

/** The checker of a problem (undefined: none, its several answers cannot be judged beyond the examples). */
export function answerChecker(slug: string): AnswerChecker | undefined {
  return Object.hasOwn(CHECKERS, slug) ? CHECKERS[slug] : undefined;
}
