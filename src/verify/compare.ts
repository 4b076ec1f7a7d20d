import { formatValue, isInteger, type Value } from '../tasks/literal.js';

export interface CompareOptions {
  /** Relative (and, below 1, absolute) tolerance for non-integer numbers. LeetCode accepts 1e-5. */
  tolerance: number;
  /** The top-level list is a multiset ("return the answer in any order"). */
  orderFree: boolean;
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

/** Is `actual` an acceptable result where the oracle gave `expected`? */
export function acceptable(actual: Value, expected: Value, options: CompareOptions): boolean {
  if (sameValue(actual, expected, options.tolerance)) return true;
  if (!options.orderFree || !Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
  // Multiset comparison: numbers are compared exactly here; order-free results are rarely floats.
  const key = (v: Value) => formatValue(v);
  const counts = new Map<string, number>();
  for (const item of expected) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  for (const item of actual) {
    const left = counts.get(key(item)) ?? 0;
    if (left === 0) return false;
    counts.set(key(item), left - 1);
  }
  return true;
}

/** Problems whose statement lets the answer come in any order. */
export function isOrderFree(description: string): boolean {
  return /\bin any order\b/i.test(description);
}
