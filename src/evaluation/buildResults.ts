import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchMode } from '../config/schema.js';
import { readTrajectories } from '../search/shards.js';
import { aggregate } from './aggregate.js';
import { EVAL_RESULTS_VERSION, recordOf, type EvalRecord, type TaskFacts } from './records.js';
import type { EvalResults } from './resultsFile.js';

export interface PolicyTrajectories {
  label: string;
  model: string;
  adapter: string | null;
  /** Runs of codeq collect's format: a directory of trajectory shards (or of such directories) and the run's seed. */
  runs: { dir: string; seed: number }[];
}

/** Trajectory directories under `dir`: itself when it holds shards, else its subdirectories, recursively. */
function shardDirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).sort();
  if (names.some((n) => n.endsWith('.jsonl') && n.startsWith('shard-'))) return [dir];
  return names.map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory()).flatMap(shardDirs);
}

export function recordsOf(policy: PolicyTrajectories, tasks: Map<string, TaskFacts>): EvalRecord[] {
  const out: EvalRecord[] = [];
  for (const run of policy.runs) {
    for (const dir of shardDirs(run.dir)) {
      for (const t of readTrajectories(dir)) {
        const task = tasks.get(t.task);
        if (!task) throw new RangeError(`${dir}: trajectory of task ${t.task}, which is not in the tasks file`);
        out.push(recordOf(t, task, policy.label, run.seed));
      }
    }
  }
  return out;
}

export interface BuildOptions {
  split: 'train' | 'test';
  caps: number[];
  policyPairs?: [string, string][];
  modePairs?: [SearchMode, SearchMode][];
  /** Count only these tasks (a benchmark still under way: the tasks every search of it has done). */
  only?: ReadonlySet<string>;
}

/** results.json's content from the trajectories of each policy. */
export function buildResults(policies: PolicyTrajectories[], tasks: Map<string, TaskFacts>, options: BuildOptions): EvalResults {
  const records = policies.flatMap((p) => recordsOf(p, tasks)).filter((r) => !options.only || options.only.has(r.task));
  const modes = [...new Set(records.map((r) => r.mode))];
  const defaultModePairs: [SearchMode, SearchMode][] = modes.includes('mcts') ? modes.filter((m) => m !== 'mcts').map((m) => [m, 'mcts']) : [];
  return {
    version: EVAL_RESULTS_VERSION,
    createdAt: new Date().toISOString(),
    split: options.split,
    policies: policies.map(({ label, model, adapter }) => ({ label, model, adapter })),
    modes,
    seeds: [...new Set(records.map((r) => r.seed))].sort((a, b) => a - b),
    caps: options.caps,
    records,
    aggregates: aggregate(records, { caps: options.caps, policyPairs: options.policyPairs ?? [], modePairs: options.modePairs ?? defaultModePairs }),
  };
}

/** Task id → solved, for the tasks whose hidden tests vouch (what promotion pairs on). */
export function solvedByTask(records: EvalRecord[]): Map<string, boolean> {
  return new Map(records.filter((r) => r.visibleOnly === null).map((r) => [r.task, r.solved]));
}
