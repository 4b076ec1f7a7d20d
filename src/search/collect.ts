import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import type { CodeqConfig, SearchMode } from '../config/schema.js';
import type { PromptTemplates } from '../policy/prompts.js';
import type { Sandbox } from '../sandbox/types.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { log } from '../util/log.js';
import { processAlive } from '../util/process.js';
import { Progress } from '../util/progress.js';
import { runSearch, type SearchTask } from './engine.js';
import { judgeTargetOf } from '../verify/judgeCandidate.js';
import type { RewritePolicy } from './rewritePolicy.js';
import { readTrajectories, ShardWriter, trajectoryFiles } from './shards.js';
import { modeSettings, toTrajectory, TRAJECTORY_VERSION, type Trajectory } from './trajectory.js';

export class CollectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CollectError';
  }
}

export interface CollectOptions {
  mode: SearchMode;
  tasks: PreparedTask[];
  out: string;
  policy: RewritePolicy;
  sandbox: Sandbox;
  templates: PromptTemplates;
  config: Pick<CodeqConfig, 'search' | 'policy' | 'tasks'>;
  seed: number;
  /** Start over when `out` holds a collection made with other settings. */
  force?: boolean;
  signal?: AbortSignal;
  /** Called with each new trajectory (tests, reports). */
  onTrajectory?: (trajectory: Trajectory) => void;
}

export interface CollectSummary {
  tasks: number;
  /** Searched in this run. */
  searched: number;
  /** Already in `out` from an earlier run. */
  skipped: number;
  /** Tasks whose search failed (sandbox or policy error), listed in errors.jsonl and retried next run. */
  failed: number;
  /** Chosen programs that passed the visible tests (whatever the hidden ones said). */
  solvedVisible: number;
  /** Passed the visible AND the hidden tests, on tasks whose hidden tests can vouch: the only solves. */
  solved: number;
  /** pass_visible_only: passed every test the task has, but its hidden tests cannot vouch. Never a solve. */
  visibleOnly: number;
  /** Searched tasks of the test split (evaluation data: codeq pairs refuses their trees). */
  testSplit: number;
  generatedTokens: number;
  seconds: number;
  aborted: boolean;
}

/** Each task's seed comes from the run's seed and the task id: results do not depend on order. */
export function taskSeed(seed: number, taskId: string): number {
  return createHash('sha256').update(`${seed}\0${taskId}`).digest().readUInt32BE(0) >>> 1;
}

export function searchTaskOf(task: PreparedTask, config: Pick<CodeqConfig, 'tasks'>): SearchTask {
  return { ...task, ...judgeTargetOf(task, config.tasks) };
}

/**
 * Runs a search on every task not yet in `out`, appending trajectories shard by shard. A rerun
 * (after a crash, Ctrl-C, or with more tasks) skips the tasks already there; a rerun with other
 * settings is refused unless forced, so one directory never mixes two experiments.
 */
export async function collect(options: CollectOptions): Promise<CollectSummary> {
  mkdirSync(options.out, { recursive: true });
  const unlock = lockDirectory(options.out);
  try {
    return await collectLocked(options);
  } finally {
    unlock();
  }
}

async function collectLocked(options: CollectOptions): Promise<CollectSummary> {
  const { out, config, mode } = options;
  checkManifest(options);
  const done = new Set<string>();
  for (const t of readTrajectories(out)) done.add(t.task);
  const writer = new ShardWriter(out, config.search.collect.shardSize);
  const todo = options.tasks.filter((t) => !done.has(t.id) && (done.add(t.id), true)); // a repeated id is searched once
  const summary: CollectSummary = { tasks: options.tasks.length, searched: 0, skipped: options.tasks.length - todo.length, failed: 0, solvedVisible: 0, solved: 0, visibleOnly: 0, testSplit: 0, generatedTokens: 0, seconds: 0, aborted: false };
  if (summary.skipped > 0) log.info('resuming', { out, alreadyDone: summary.skipped, toDo: todo.length });
  const started = performance.now();
  const progress = new Progress(`collect ${mode}`, todo.length);
  for (const task of todo) {
    if (options.signal?.aborted) {
      summary.aborted = true;
      break;
    }
    const seed = taskSeed(options.seed, task.id);
    let trajectory: Trajectory;
    try {
      const outcome = await runSearch(mode, searchTaskOf(task, config), { policy: options.policy, sandbox: options.sandbox, templates: options.templates, config, seed, ...(options.signal ? { signal: options.signal } : {}) });
      if (outcome.stop === 'aborted') {
        summary.aborted = true;
        break;
      }
      trajectory = toTrajectory(outcome, task, { model: options.policy.name, adapter: options.policy.adapter, seed, system: options.templates.system, config });
    } catch (error) {
      if (options.signal?.aborted) {
        summary.aborted = true;
        break;
      }
      summary.failed += 1;
      log.error('search failed', { task: task.id, error: (error as Error).message });
      appendFileSync(join(out, 'errors.jsonl'), `${JSON.stringify({ task: task.id, error: (error as Error).message, time: new Date().toISOString() })}\n`);
      progress.advance(1, { solved: `${summary.solved}/${summary.searched}`, visibleOnly: summary.visibleOnly, failed: summary.failed });
      continue;
    }
    writer.append(trajectory);
    options.onTrajectory?.(trajectory);
    summary.searched += 1;
    summary.solvedVisible += Number(trajectory.solvedVisible);
    summary.solved += Number(trajectory.solved);
    summary.visibleOnly += Number(trajectory.verdict === 'pass_visible_only');
    summary.testSplit += Number(trajectory.split === 'test');
    summary.generatedTokens += trajectory.budget.generatedTokens;
    const seconds = (performance.now() - started) / 1000;
    progress.advance(1, { solved: `${summary.solved}/${summary.searched}`, visibleOnly: summary.visibleOnly, visible: summary.solvedVisible, 'tok/s': (summary.generatedTokens / seconds).toFixed(1) });
  }
  if (!summary.aborted) writer.seal();
  summary.seconds = Math.round((performance.now() - started) / 100) / 10;
  return summary;
}

/** The summary line of `codeq collect`: pass_visible_only counted apart, never as solved. */
export function formatCollectSummary(summary: CollectSummary, out: string, split: 'train' | 'test'): string {
  return (
    `${summary.aborted ? 'stopped' : 'done'}: ${summary.searched} searched (${summary.skipped} already in ${out}; ${split} split), ` +
    `${summary.solved} solved on visible+hidden tests, ${summary.visibleOnly} pass_visible_only (hidden tests cannot vouch: not solves), ` +
    `${summary.solvedVisible} passed the visible tests, ${summary.failed} failed, ${summary.generatedTokens} tokens in ${summary.seconds} s` +
    (summary.testSplit > 0 ? ` — ${summary.testSplit} test-split trees: evaluation data, codeq pairs refuses them` : '')
  );
}

/**
 * One collect per directory at a time: two would append to the same open shard. The lock names
 * its pid; a lock left by a dead process is taken over.
 */
function lockDirectory(dir: string): () => void {
  const file = join(dir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new CollectError(`${dir} is being written by another collect (pid ${pid}). HINT: wait for it, or use another --out`);
      }
      rmSync(file, { force: true }); // stale
    }
  }
  throw new CollectError(`cannot lock ${dir}: ${file} keeps coming back. HINT: is another collect starting there?`);
}

/** What makes two collections comparable: they must not share a directory. */
function manifestOf(options: CollectOptions): Record<string, unknown> {
  const { config, mode } = options;
  const { generation, critic, sequences, contextSize } = config.policy;
  return {
    version: TRAJECTORY_VERSION,
    mode,
    model: options.policy.name,
    adapter: options.policy.adapter,
    seed: options.seed,
    budget: config.search.budget,
    settings: modeSettings(mode, config.search, generation.temperature, sequences),
    policy: { generation, critic, sequences, contextSize },
    templates: options.templates,
    verify: config.tasks.verify,
  };
}

function checkManifest(options: CollectOptions): void {
  const file = join(options.out, 'manifest.json');
  const manifest = JSON.stringify(manifestOf(options), null, 2);
  const unknown = !existsSync(file) && trajectoryFiles(options.out).length > 0;
  if (unknown || (existsSync(file) && readFileSync(file, 'utf8') !== manifest)) {
    if (!options.force) {
      throw new CollectError(
        `${options.out} holds trajectories collected with ${unknown ? 'unknown settings (no manifest.json)' : 'other settings (see its manifest.json)'}. HINT: use another --out, or --force to delete them and start over`,
      );
    }
    for (const { file: shard } of trajectoryFiles(options.out)) rmSync(shard);
    rmSync(join(options.out, 'errors.jsonl'), { force: true });
  }
  writeFileAtomicSync(file, manifest);
}
