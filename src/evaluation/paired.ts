import { wilson } from './intervals.js';

/**
 * Paired comparison of two policies on the same tasks: the 2×2 table of solved/unsolved, McNemar's
 * exact test on the discordant tasks, and Newcombe's interval for the paired difference of rates.
 */
export interface PairedTable {
  /** Solved by both. */
  both: number;
  /** Solved by the first only (e.g. the incumbent). */
  firstOnly: number;
  /** Solved by the second only (e.g. the candidate). */
  secondOnly: number;
  neither: number;
}

export interface PairedComparison extends PairedTable {
  n: number;
  firstRate: number;
  secondRate: number;
  /** secondRate − firstRate, with Newcombe's hybrid score 95% interval (method 10). */
  difference: number;
  low: number;
  high: number;
  /** McNemar's exact two-sided p (binomial on the discordant tasks; 1 when there are none). */
  pValue: number;
}

/** log C(n, k), exact enough for the tail sums below (n up to a few thousand). */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log(n - k + i) - Math.log(i);
  return s;
}

/** Exact two-sided McNemar p: 2·P(X ≤ min(b, c)) for X ~ Binomial(b + c, ½), capped at 1. */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) throw new RangeError(`mcnemarExact: need counts, got ${b}, ${c}`);
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  let tail = 0;
  for (let i = 0; i <= k; i++) tail += Math.exp(logChoose(n, i) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

export function pairedTable(first: boolean[], second: boolean[]): PairedTable {
  if (first.length !== second.length) throw new RangeError(`pairedTable: ${first.length} vs ${second.length} outcomes; pair them on the same tasks`);
  const t = { both: 0, firstOnly: 0, secondOnly: 0, neither: 0 };
  first.forEach((a, i) => {
    const b = second[i]!;
    if (a && b) t.both++;
    else if (a) t.firstOnly++;
    else if (b) t.secondOnly++;
    else t.neither++;
  });
  return t;
}

/**
 * Newcombe (1998), method 10: the Wilson intervals of both marginal rates combined with the
 * table's (continuity-corrected) phi correlation. Stays inside [−1, 1] and is sensible at 0 or n discordant tasks,
 * where the Wald interval collapses to a point.
 */
export function comparePaired(table: PairedTable, z = 1.96): PairedComparison {
  const { both, firstOnly, secondOnly, neither } = table;
  const n = both + firstOnly + secondOnly + neither;
  const pValue = mcnemarExact(firstOnly, secondOnly);
  if (n === 0) return { ...table, n, firstRate: Number.NaN, secondRate: Number.NaN, difference: 0, low: -1, high: 1, pValue };
  const first = wilson(both + firstOnly, n, z);
  const second = wilson(both + secondOnly, n, z);
  const p1 = second.rate;
  const p2 = first.rate;
  // Rows: second solved / not; columns: first solved / not.
  const a = both, b = secondOnly, c = firstOnly, d = neither;
  const denominator = Math.sqrt((a + b) * (c + d) * (a + c) * (b + d));
  // Newcombe's continuity-corrected phi: plain phi is 1 when nothing flipped, which would
  // collapse the interval to a point however few the tasks.
  const concordance = a * d - b * c;
  const phi = denominator === 0 ? 0 : (concordance > 0 ? Math.max(concordance - n / 2, 0) : concordance) / denominator;
  const difference = p1 - p2;
  const dl1 = p1 - second.low, du1 = second.high - p1, dl2 = p2 - first.low, du2 = first.high - p2;
  const low = difference - Math.sqrt(Math.max(0, dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2));
  const high = difference + Math.sqrt(Math.max(0, du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2));
  return { ...table, n, firstRate: p2, secondRate: p1, difference, low: Math.max(-1, low), high: Math.min(1, high), pValue };
}

/** Spread of per-seed rates: mean, sample standard deviation, min and max. */
export interface SeedSpread {
  rates: number[];
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function seedSpread(rates: number[]): SeedSpread {
  if (rates.length === 0) return { rates, mean: Number.NaN, sd: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = rates.reduce((s, r) => s + r, 0) / rates.length;
  const sd = rates.length < 2 ? 0 : Math.sqrt(rates.reduce((s, r) => s + (r - mean) ** 2, 0) / (rates.length - 1));
  return { rates, mean, sd, min: Math.min(...rates), max: Math.max(...rates) };
}
