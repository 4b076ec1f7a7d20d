import { formatValue, isInteger, type Value } from '../tasks/literal.js';

export interface CompareOptions {
  /** Relative (and, below 1, absolute) tolerance for non-integer numbers. LeetCode accepts 1e-5. */
  tolerance: number;
  /**
   * How many outer list levels are multisets: 0 = order matters everywhere, 1 = the top-level
   * list ("return the answer in any order"), 2 = it and each of its lists (groups of anagrams:
   * the groups and the words in each group), and so on.
   */
  orderFreeDepth: number;
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
 * The value with its `depth` outer list levels put in one canonical order (innermost first, so
 * two groups holding the same words in other orders sort to the same place). Numbers in an
 * order-free level are ordered by their exact text: order-free results are rarely floats.
 */
export function canonicalOrder(value: Value, depth: number): Value {
  if (depth <= 0 || !Array.isArray(value)) return value;
  const items = value.map((item) => canonicalOrder(item, depth - 1));
  const keyed = items.map((item) => [formatValue(item), item] as const);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return keyed.map(([, item]) => item);
}

/** Is `actual` an acceptable result where the oracle gave `expected`? */
export function acceptable(actual: Value, expected: Value, options: CompareOptions): boolean {
  if (sameValue(actual, expected, options.tolerance)) return true;
  if (options.orderFreeDepth <= 0 || !Array.isArray(actual) || !Array.isArray(expected)) return false;
  return sameValue(canonicalOrder(actual, options.orderFreeDepth), canonicalOrder(expected, options.orderFreeDepth), options.tolerance);
}

/** Problems whose statement lets the answer come in any order (see orderFreeDepth). */
export function isOrderFree(description: string): boolean {
  return /\bin any order\b/i.test(description);
}
