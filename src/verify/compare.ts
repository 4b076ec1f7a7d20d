import type { CaseInput } from '../tasks/harness/spec.js';
import { formatValue, isInteger, type Value } from '../tasks/literal.js';
import { answerChecker } from './answerCheckers.js';

export interface CompareOptions {
  /** Relative (and, below 1, absolute) tolerance for non-integer numbers. LeetCode accepts 1e-5. */
  tolerance: number;
  /**
   * List levels compared as multisets (0 = the result itself): [] = order matters everywhere,
   * [0] = "return the answer in any order", [0, 1] = the groups and the words in each group
   * (group anagrams), [1] = only the inner lists ("the integers in the lists may be returned in
   * any order", while answer[0] and answer[1] keep their places).
   */
  orderFreeLevels: number[];
  /**
   * The slug of the problem's answer checker (several valid answers, see answerCheckers.ts):
   * an answer is acceptable when the checker accepts it for the case's input, whatever the oracle said.
   */
  checker?: string;
}

function sameNumber(a: number | bigint, b: number | bigint, tolerance: number): boolean {
  if (isInteger(a) && isInteger(b)) return BigInt(a) === BigInt(b);
  const x = Number(a);
  const y = Number(b);
  return Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(y));
}

/** Deep equality of two results, numbers within the tolerance. */
export function sameValue(actual: Value, expected: Value, tolerance: number): boolean {
  const numeric = (v: Value): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
  if (numeric(actual) && numeric(expected)) return sameNumber(actual, expected, tolerance);
  if (Array.isArray(actual) && Array.isArray(expected)) {
    return actual.length === expected.length && actual.every((item, i) => sameValue(item, expected[i]!, tolerance));
  }
  return actual === expected;
}

/**
 * The value with the lists at the given levels put in one canonical order, innermost first (so
 * two groups holding the same words in other orders sort to the same place). Items are ordered
 * by their exact text: order-free results are rarely floats.
 */
export function canonicalOrder(value: Value, levels: readonly number[], level = 0): Value {
  if (!Array.isArray(value) || !levels.some((l) => l >= level)) return value;
  const items = value.map((item) => canonicalOrder(item, levels, level + 1));
  if (!levels.includes(level)) return items;
  const keyed = items.map((item) => [formatValue(item), item] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, item]) => item);
}

/** Is `actual` an acceptable result where the oracle gave `expected` on `input`? */
export function acceptable(actual: Value, expected: Value, options: CompareOptions, input?: CaseInput): boolean {
  if (options.checker !== undefined) {
    const check = answerChecker(options.checker);
    if (!check) throw new Error(`no answer checker named ${options.checker}`);
    if (input === undefined) throw new Error(`the ${options.checker} checker needs the case's input`);
    return check(input, actual);
  }
  if (sameValue(actual, expected, options.tolerance)) return true;
  if (options.orderFreeLevels.length === 0 || !Array.isArray(actual) || !Array.isArray(expected)) return false;
  return sameValue(canonicalOrder(actual, options.orderFreeLevels), canonicalOrder(expected, options.orderFreeLevels), options.tolerance);
}

