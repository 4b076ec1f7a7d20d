import type { PairsConfig } from '../config/schema.js';
import type { Trajectory } from '../search/trajectory.js';
import { exactPairKey, semanticPairKey } from './pairKeys.js';
import { pairsOfTrajectory, type PreferencePair } from './pairs.js';
import { programTokenizer } from './programTokens.js';

/** Trajectories of test-split tasks among the sources, without allowTestSplit: pairs from them would train on evaluation data. */
export class TestSplitError extends Error {
  constructor(
    readonly trajectories: number,
    readonly firstTask: string,
  ) {
    super(`${trajectories} trajectories are of test-split tasks (first: ${firstTask}); pairs from them would train on evaluation data`);
    this.name = 'TestSplitError';
  }
}

export interface PairsSummary {
  trajectories: number;
  /** Trajectories whose mode is not among the configured sources. */
  skippedBySource: number;
  groups: number;
  /** Pairs before deduplication. */
  extracted: number;
  /** Pairs whose prompt and answer texts were seen before (a subset of the semantic duplicates). */
  exactDuplicates: number;
  exactDuplicateRate: number;
  /** Pairs removed: prompt and both programs seen before, up to comments and formatting. */
  semanticDuplicates: number;
  semanticDuplicateRate: number;
  /** Sibling pairs that are the same program twice (never a preference, whatever the threshold). */
  samePrograms: number;
  /** Sibling pairs left out because the better program overfits (visible pass, hidden fail; train split). */
  overfitChosen: number;
  pairs: number;
  bySource: Record<string, number>;
  byDepth: Record<string, number>;
  bySplit: Record<string, number>;
  perTask: { tasks: number; tasksWithPairs: number; mean: number; max: number };
  /** Whether test-split trajectories were let through (--allow-test-split), how many, and the pairs they gave. */
  testSplit: { allowed: boolean; trajectories: number; pairs: number };
}

export interface ExtractOptions {
  /** Let pairs from test-split tasks through (then the summary says so); otherwise they are refused. */
  allowTestSplit?: boolean;
}

/**
 * Pairs from many trajectories, deduplicated by prompt and the two programs up to comments and
 * formatting (first kept), with what was dropped and why. Throws TestSplitError when a source
 * trajectory is of a test-split task, unless allowTestSplit.
 */
export async function extractPairs(trajectories: Iterable<Trajectory>, config: PairsConfig, options: ExtractOptions = {}): Promise<{ pairs: PreferencePair[]; summary: PairsSummary }> {
  const allowTestSplit = options.allowTestSplit ?? false;
  const tokenizer = await programTokenizer();
  const sources = new Set<string>(config.sources);
  const exact = new Set<string>();
  const semantic = new Set<string>();
  const pairs: PreferencePair[] = [];
  const perTask = new Map<string, number>();
  const summary: PairsSummary = {
    trajectories: 0,
    skippedBySource: 0,
    groups: 0,
    extracted: 0,
    exactDuplicates: 0,
    exactDuplicateRate: 0,
    semanticDuplicates: 0,
    semanticDuplicateRate: 0,
    samePrograms: 0,
    overfitChosen: 0,
    pairs: 0,
    bySource: {},
    byDepth: {},
    bySplit: {},
    perTask: { tasks: 0, tasksWithPairs: 0, mean: 0, max: 0 },
    testSplit: { allowed: allowTestSplit, trajectories: 0, pairs: 0 },
  };
  let firstTestTask: string | null = null;
  for (const t of trajectories) {
    summary.trajectories += 1;
    if (!sources.has(t.mode)) {
      summary.skippedBySource += 1;
      continue;
    }
    if (t.split === 'test') {
      summary.testSplit.trajectories += 1;
      firstTestTask ??= t.task;
      if (!allowTestSplit) continue; // counted, refused below
    }
    perTask.set(t.task, perTask.get(t.task) ?? 0);
    const found = pairsOfTrajectory(t, config);
    summary.groups += found.groups;
    summary.samePrograms += found.samePrograms;
    summary.overfitChosen += found.overfitChosen;
    for (const pair of found.pairs) {
      summary.extracted += 1;
      const exactKey = exactPairKey(pair);
      if (exact.has(exactKey)) summary.exactDuplicates += 1;
      exact.add(exactKey);
      const key = semanticPairKey(pair, t, tokenizer);
      if (semantic.has(key)) {
        summary.semanticDuplicates += 1;
        continue;
      }
      semantic.add(key);
      pairs.push(pair);
      summary.bySource[pair.meta.source] = (summary.bySource[pair.meta.source] ?? 0) + 1;
      summary.byDepth[pair.meta.depth] = (summary.byDepth[pair.meta.depth] ?? 0) + 1;
      summary.bySplit[pair.meta.split] = (summary.bySplit[pair.meta.split] ?? 0) + 1;
      perTask.set(t.task, perTask.get(t.task)! + 1);
    }
  }
  if (firstTestTask !== null && !allowTestSplit) throw new TestSplitError(summary.testSplit.trajectories, firstTestTask);
  summary.pairs = pairs.length;
  summary.testSplit.pairs = summary.bySplit.test ?? 0;
  const rate = (n: number) => (summary.extracted === 0 ? 0 : n / summary.extracted);
  summary.exactDuplicateRate = rate(summary.exactDuplicates);
  summary.semanticDuplicateRate = rate(summary.semanticDuplicates);
  const counts = [...perTask.values()];
  summary.perTask = {
    tasks: counts.length,
    tasksWithPairs: counts.filter((c) => c > 0).length,
    mean: counts.length === 0 ? 0 : pairs.length / counts.length,
    max: Math.max(0, ...counts),
  };
  return { pairs, summary };
}
