import { canonicalOrder, sameValue } from '../../verify/compare.js';
import type { Value } from '../literal.js';

/**
 * What a problem accepts as an answer, as LeetCode's judge would: the order of which lists does
 * not matter, and whether several different answers are valid. Read from the statement's
 * wording and from examples whose stated output differs from the oracle's.
 */

/** Sentences of a statement (LeetCode's descriptions are prose with newlines). */
function sentences(description: string): string[] {
  return description.split(/(?<=[.!?])\s+|\n/).map((s) => s.trim()).filter(Boolean);
}

/**
 * Only sentences about the answer count: "you can plant the seeds in any order" and "you can
 * order the deck in any order you want" describe the input or the process, not the output.
 */
const ANSWER_ORDER = /\b(?:return|returned|appear|output)\b[^.]*\bin any order\b/i;
/** "Note that the integers in the lists may be returned in any order": the inner lists only. */
const INNER_ORDER = /\b(?:integers|elements|values|items|numbers) in (?:the|each) (?:lists?|arrays?|groups?)\b[^.]*\bin any order\b/i;

/** List levels the statement lets come in any order ([] when none). */
export function statedOrderFreeLevels(description: string): number[] {
  const about = sentences(description).filter((s) => ANSWER_ORDER.test(s));
  if (about.length === 0) return [];
  return about.some((s) => INNER_ORDER.test(s)) ? [1] : [0];
}

/**
 * Wording that admits several valid answers ("return any valid arrangement", "if there are many
 * valid solutions, you can return any of them", "return the index to any of the peaks").
 */
const SEVERAL_ANSWERS = [
  /\breturn any (?:of them|one of them|valid|possible|rearrangement|permutation|such|answer|solution)\b/i,
  /\breturn the \w+ (?:to|of) any of the\b/i,
  /\bfind and return any\b/i,
  /\b(?:any|either) (?:of them|one) (?:is|will be) accepted\b/i,
];

export function statesSeveralAnswers(description: string): boolean {
  return sentences(description).some((s) => SEVERAL_ANSWERS.some((pattern) => pattern.test(s)));
}

/** Candidate level sets, smallest first: the fewest order-free levels that explain a difference. */
const LEVEL_SETS: number[][] = [[0], [1], [0, 1], [2], [1, 2], [0, 1, 2]];

/**
 * The least set of order-free list levels under which the oracle's answer equals the stated
 * one; null when order does not explain the difference (another valid answer, or a typo).
 */
export function orderLevelsExplaining(oracle: Value, stated: Value, tolerance: number): number[] | null {
  if (!Array.isArray(oracle) || !Array.isArray(stated)) return null;
  return LEVEL_SETS.find((levels) => sameValue(canonicalOrder(oracle, levels), canonicalOrder(stated, levels), tolerance)) ?? null;
}

export interface AnswerForm {
  orderFreeLevels: number[];
  /** Several valid answers that differ by more than order: no checker, so visible tests only. */
  multiAnswer: boolean;
  /** Examples whose stated output no order-free reading reconciles with the oracle's. */
  unexplained: number[];
}

/**
 * The answer form of a task from its statement and, for each example, the oracle's answer and
 * the stated one (undefined where the example's Output did not parse).
 */
export function answerForm(description: string, examples: { oracle: Value; stated: Value | undefined }[], tolerance: number): AnswerForm {
  const levels = new Set(statedOrderFreeLevels(description));
  const several = statesSeveralAnswers(description);
  const unexplained: number[] = [];
  examples.forEach(({ oracle, stated }, index) => {
    if (stated === undefined || sameValue(oracle, stated, tolerance)) return;
    // "Return any rearrangement": another valid answer may be a permutation of the oracle's,
    // and most permutations are not valid: order-free comparison would accept them all.
    const explaining = several ? null : orderLevelsExplaining(oracle, stated, tolerance);
    if (explaining) for (const level of explaining) levels.add(level);
    else unexplained.push(index);
  });
  return { orderFreeLevels: [...levels].sort((a, b) => a - b), multiAnswer: several || unexplained.length > 0, unexplained };
}
