import type { SearchMode } from '../config/schema.js';
import { wilson, type Proportion } from './intervals.js';
import { comparePaired, pairedTable, seedSpread, type PairedComparison, type SeedSpread } from './paired.js';
import { solvedVisibleWithin, solvedWithin, type EvalRecord } from './records.js';

/**
 * Aggregates of an evaluation, from its records alone. Solve rates count only tasks whose hidden
 * tests can vouch for a pass (visibleOnly null); the others are reported apart. With several
 * seeds a task's outcome is the share of its seeds that solved it; the interval treats tasks,
 * not searches, as the sample (searches of one task are not independent), so it is Wilson's at
 * n = tasks on the seed-averaged rate, and the per-seed rates and their spread are given beside.
 */
export interface Rate {
  /** Solved on visible AND hidden tests. */
  hidden: Proportion;
  /** Passed the visible tests (what fitting the examples alone would score). */
  visible: Proportion;
  /** Hidden rate per seed, in seed order. */
  seeds: SeedSpread;
}

export const BREAKDOWNS = ['language', 'category', 'bugType', 'level'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface PolicyModeAggregate {
  policy: string;
  mode: SearchMode;
  tasks: number;
  overall: Rate;
  /** Group value → rate, per breakdown. */
  by: Record<Breakdown, Record<string, Rate>>;
  /** Token cap → rate, from the same searches counted at each cap. */
  byCap: Record<string, Rate>;
  /** Tasks whose hidden tests cannot vouch: how many, and how many passed the visible tests. */
  visibleOnlyTasks: { tasks: number; passedVisible: number };
  tokens: { total: number; perTask: number; perSolve: number | null };
}

export interface FlippedTasks {
  /** Solved by the second (e.g. the candidate) and not by the first. */
  gained: string[];
  lost: string[];
}

/** Two policies (same mode) or two modes (same policy) at one cap, paired on the same tasks. */
export interface Comparison extends PairedComparison {
  first: string;
  second: string;
  mode: SearchMode | null;
  policy: string | null;
  cap: number | null;
  flipped: FlippedTasks;
}

export interface Aggregates {
  results: PolicyModeAggregate[];
  policyComparisons: Comparison[];
  modeComparisons: Comparison[];
}

const key = (...parts: (string | number)[]) => parts.join('\u0000');

/** Counted records (hidden tests vouch), grouped by task, each with its seeds' outcomes. */
function byTask(records: EvalRecord[]): Map<string, EvalRecord[]> {
  const out = new Map<string, EvalRecord[]>();
  for (const r of records) out.set(r.task, [...(out.get(r.task) ?? []), r]);
  return out;
}

function rateOf(records: EvalRecord[], seeds: number[], cap: number | null): Rate {
  const tasks = byTask(records);
  const n = tasks.size;
  const share = (rs: EvalRecord[], f: (r: EvalRecord) => boolean) => rs.filter(f).length / rs.length;
  let hidden = 0;
  let visible = 0;
  for (const rs of tasks.values()) {
    hidden += share(rs, (r) => solvedWithin(r, cap));
    visible += share(rs, (r) => solvedVisibleWithin(r, cap));
  }
  const perSeed = seeds.map((seed) => {
    const mine = records.filter((r) => r.seed === seed);
    return mine.length === 0 ? Number.NaN : mine.filter((r) => solvedWithin(r, cap)).length / mine.length;
  });
  return { hidden: fractionalWilson(hidden, n), visible: fractionalWilson(visible, n), seeds: seedSpread(perSeed.filter((r) => !Number.isNaN(r))) };
}

/** Wilson at n tasks for a seed-averaged success count (rounded for the interval, exact rate kept). */
function fractionalWilson(successes: number, n: number): Proportion {
  const rounded = Math.min(n, Math.max(0, Math.round(successes)));
  const p = wilson(rounded, n);
  return { ...p, successes: Number(successes.toFixed(6)), rate: n === 0 ? Number.NaN : successes / n };
}

/** A task counts as solved for a paired comparison when a strict majority of its seeds solved it. */
function majoritySolved(records: EvalRecord[], cap: number | null): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const [task, rs] of byTask(records)) out.set(task, rs.filter((r) => solvedWithin(r, cap)).length * 2 > rs.length);
  return out;
}

export function compare(first: EvalRecord[], second: EvalRecord[], labels: { first: string; second: string; mode: SearchMode | null; policy: string | null; cap: number | null }): Comparison {
  const a = majoritySolved(first, labels.cap);
  const b = majoritySolved(second, labels.cap);
  const tasks = [...a.keys()].filter((t) => b.has(t)).sort();
  const left = tasks.map((t) => a.get(t)!);
  const right = tasks.map((t) => b.get(t)!);
  const flipped = { gained: tasks.filter((t) => !a.get(t) && b.get(t)), lost: tasks.filter((t) => a.get(t) && !b.get(t)) };
  return { ...comparePaired(pairedTable(left, right)), ...labels, flipped };
}

export interface AggregateOptions {
  caps: number[];
  /** Comparisons of policies: [first (incumbent/baseline), second (candidate/policy)]. */
  policyPairs: [string, string][];
  /** Comparisons of modes at every cap: [first, second], e.g. ['best-of-n', 'mcts']. */
  modePairs: [SearchMode, SearchMode][];
}

export function aggregate(records: EvalRecord[], options: AggregateOptions): Aggregates {
  const groups = new Map<string, EvalRecord[]>();
  for (const r of records) groups.set(key(r.policy, r.mode), [...(groups.get(key(r.policy, r.mode)) ?? []), r]);
  const results: PolicyModeAggregate[] = [];
  for (const rs of groups.values()) {
    const { policy, mode } = rs[0]!;
    const counted = rs.filter((r) => r.visibleOnly === null);
    const apart = rs.filter((r) => r.visibleOnly !== null);
    const seeds = [...new Set(rs.map((r) => r.seed))].sort((x, y) => x - y);
    const by = Object.fromEntries(
      BREAKDOWNS.map((b) => {
        const values = [...new Set(counted.map((r) => r[b]))].sort();
        return [b, Object.fromEntries(values.map((v) => [v, rateOf(counted.filter((r) => r[b] === v), seeds, null)]))];
      }),
    ) as Record<Breakdown, Record<string, Rate>>;
    const tokens = counted.reduce((s, r) => s + r.generatedTokens, 0);
    const solved = counted.filter((r) => r.solved).length;
    const apartTasks = byTask(apart);
    results.push({
      policy,
      mode,
      tasks: byTask(counted).size,
      overall: rateOf(counted, seeds, null),
      by,
      byCap: Object.fromEntries(options.caps.map((cap) => [String(cap), rateOf(counted, seeds, cap)])),
      visibleOnlyTasks: { tasks: apartTasks.size, passedVisible: [...apartTasks.values()].filter((x) => x.some((r) => r.solvedVisible)).length },
      tokens: { total: tokens, perTask: counted.length === 0 ? 0 : tokens / counted.length, perSolve: solved === 0 ? null : tokens / solved },
    });
  }
  const of = (policy: string, mode: SearchMode) => (groups.get(key(policy, mode)) ?? []).filter((r) => r.visibleOnly === null);
  const modes = [...new Set(records.map((r) => r.mode))];
  const policies = [...new Set(records.map((r) => r.policy))];
  const policyComparisons = options.policyPairs.flatMap(([first, second]) =>
    modes.filter((mode) => of(first, mode).length > 0 && of(second, mode).length > 0).map((mode) => compare(of(first, mode), of(second, mode), { first, second, mode, policy: null, cap: null })),
  );
  const modeComparisons = options.modePairs.flatMap(([first, second]) =>
    policies
      .filter((policy) => of(policy, first).length > 0 && of(policy, second).length > 0)
      .flatMap((policy) => [...options.caps, null].map((cap) => compare(of(policy, first), of(policy, second), { first, second, mode: null, policy, cap }))),
  );
  return { results, policyComparisons, modeComparisons };
}
