import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../artifacts/atomicWrite.js';
import type { TasksConfig } from '../../config/schema.js';
import type { Language, Sandbox } from '../../sandbox/types.js';
import { log } from '../../util/log.js';
import { Progress } from '../../util/progress.js';
import { Semaphore } from '../../util/semaphore.js';
import { LANGUAGES } from '../../sandbox/types.js';
import { VISIBLE_ONLY_REASONS, type VisibleOnlyReason } from '../../verify/verdicts.js';
import { loadDebugBench, type LoadProblem } from '../debugbench.js';
import { formatValue } from '../literal.js';
import { splitOfSlug } from '../split.js';
import { VerifySandboxError } from '../../verify/verifyProgram.js';
import { serializeTask } from '../store.js';
import type { Task } from '../task.js';
import { writtenInPython } from './buildTests.js';
import type { PeerOracle } from './oracles.js';
import { DROP_REASONS, prepareTask, type DropReason, type PrepareOutcome, type PreparedTask } from './prepareTask.js';

/** Bump when the way tasks and tests are made changes: an out dir made otherwise is not resumed. */
export const RECIPE_VERSION = 4;

/** The bar for hidden tests that can fail a wrong program: reported, not enforced. */
export const HIDDEN_TARGET = { minTests: 10, minDistinctOutputs: 2, share: 0.95 } as const;
const CHUNK_SIZE = 25;
const SHORT_PROBLEMS_LISTED = 3;

export interface PrepareOptions {
  debugbench: string;
  out: string;
  languages: readonly Language[];
  config: TasksConfig;
  /** Start over even if the out dir was prepared with other settings. */
  force?: boolean;
  signal?: AbortSignal;
}

export interface LanguageStats {
  records: number;
  duplicates: number;
  /** duplicates / records */
  duplicateRate: number;
  tasks: number;
  testable: number;
  /** Testable share of the unique tasks, and of all records (duplicates count as their task). */
  testableRate: number;
  testableRateOfRecords: number;
  /** Testable share of the tasks whose oracle is in the record's language (DebugBench has some that are not). */
  testableRateWithoutDataErrors: number;
  /** Testable tasks whose buggy code passes the visible tests (only hidden tests catch it). */
  buggyPassesVisibleOnly: number;
  /** Tasks dropped because the buggy code passes visible and hidden tests: not debugging tasks. */
  buggyPassesAll: number;
  dropped: Record<DropReason, number>;
  visibleTests: number;
  hiddenTests: number;
  tasksWithoutHiddenTests: number;
  exampleDisagreements: number;
  /** Tasks whose pass is pass_visible_only, by reason (see VisibleOnlyReason). */
  visibleOnly: Record<VisibleOnlyReason, number>;
  /**
   * Tasks with at least HIDDEN_TARGET.minTests hidden tests and minDistinctOutputs distinct
   * expected outputs: of all testable tasks, and of those with one valid, deterministic answer
   * (multi_answer and nondeterministic tasks cannot have hidden tests until a checker exists).
   */
  hiddenCoverage: {
    tasks: number;
    share: number;
    singleAnswerTasks: number;
    shareOfSingleAnswer: number;
    /** The problems with the most tasks short of the target (where a checker or a generator would pay most). */
    shortProblems: { slug: string; tasks: number }[];
  };
  /** Hidden inputs checked by other correct solutions: tasks with at least one peer, inputs dropped, tasks with frozen parameters. */
  peers: { tasksChecked: number; inputsDropped: number; tasksFrozen: number };
  /** Tasks with hidden inputs near the constraint maxima, and how many such inputs in all. */
  largeCases: { tasks: number; cases: number };
  split: { train: number; test: number };
}

export interface PrepareStats {
  recipe: number;
  debugbench: string;
  settings: TasksConfig['hidden'] & { testFraction: number; splitSeed: number };
  languages: Partial<Record<Language, LanguageStats>>;
  malformedRecords: LoadProblem[];
  seconds: number;
}

function manifestOf(options: PrepareOptions, tasks: Task[]) {
  const { hidden, split, verify } = options.config;
  // Everything that changes a task's tests or verdicts (how many run at once does not).
  const { concurrency: _concurrency, ...judging } = verify;
  return {
    recipe: RECIPE_VERSION,
    hidden,
    split,
    judging,
    languages: [...options.languages].sort(),
    tasks: createHash('sha256').update(tasks.map((t) => t.id).join('\n')).digest('hex').slice(0, 16),
  };
}

type ChunkLine = PrepareOutcome;

function readChunk(file: string): ChunkLine[] {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => {
    const parsed = JSON.parse(line) as { status: string; task?: string };
    return parsed.status === 'testable' ? ({ status: 'testable', task: parsed.task } as unknown as ChunkLine) : (parsed as ChunkLine);
  });
}

/**
 * Prepares every task of the chosen languages into `out`: tasks.jsonl (testable tasks with their
 * visible and hidden tests), dropped.jsonl (why each other task was dropped) and stats.json.
 * Work is saved in chunks of 25 tasks as they complete, so a rerun resumes where it stopped.
 */
export async function prepareDataset(sandbox: Sandbox, options: PrepareOptions): Promise<PrepareStats> {
  const started = Date.now();
  const loaded = loadDebugBench(options.debugbench, options.languages);
  for (const problem of loaded.problems) log.warn('skipped a malformed DebugBench record', { ...problem });
  const tasks = [...loaded.tasks].sort((a, b) => (a.id < b.id ? -1 : 1));
  const chunksDir = join(options.out, 'chunks');
  const manifestFile = join(options.out, 'manifest.json');
  const manifest = manifestOf(options, tasks);
  if (existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') !== JSON.stringify(manifest, null, 2)) {
    if (!options.force) {
      throw new Error(`${options.out} was prepared with other settings or data. HINT: use another --out, or --force to start over`);
    }
    rmSync(chunksDir, { recursive: true, force: true });
  }
  mkdirSync(chunksDir, { recursive: true });
  await writeFileAtomic(manifestFile, JSON.stringify(manifest, null, 2));

  const chunks: { file: string; tasks: Task[] }[] = [];
  for (let i = 0; i < tasks.length; i += CHUNK_SIZE) {
    chunks.push({ file: join(chunksDir, `${String(i / CHUNK_SIZE).padStart(4, '0')}.jsonl`), tasks: tasks.slice(i, i + CHUNK_SIZE) });
  }
  const done = new Set(readdirSync(chunksDir).filter((f) => f.endsWith('.jsonl')).map((f) => join(chunksDir, f)));
  const remaining = chunks.filter((c) => !done.has(c.file));
  const progress = new Progress('preparing tasks', remaining.reduce((n, c) => n + c.tasks.length, 0));
  if (remaining.length < chunks.length) log.info('resuming', { chunksDone: chunks.length - remaining.length, chunks: chunks.length });
  const slots = new Semaphore(options.config.verify.concurrency);
  const peers = peersBySlug(options.debugbench);
  let testable = 0;
  let dropped = 0;
  const prepareOne = (task: Task) =>
    slots.use(async () => {
      const split = splitOfSlug(task.slug, options.config.split.testFraction, options.config.split.seed);
      const others = (peers.get(task.slug) ?? []).filter((p) => p.oracleCode !== task.oracleCode);
      const outcome = await prepareTask(task, split, sandbox, options.config, options.signal, others).catch((error: Error) => {
        // The sandbox failing, or a stop, ends the run; a bug on one task is that task's drop.
        if (error instanceof VerifySandboxError || options.signal?.aborted) throw error;
        log.error('preparing a task failed inside codeq; it is dropped as internal-error', { task: task.id, error: error.stack ?? error.message });
        return { status: 'dropped', id: task.id, language: task.language, reason: 'internal-error', detail: error.message } as const;
      });
      if (outcome.status === 'testable') testable++;
      else dropped++;
      progress.advance(1, { testable, dropped });
      return outcome;
    });
  await Promise.all(
    remaining.map(async (chunk) => {
      const outcomes = await Promise.all(chunk.tasks.map(prepareOne));
      const lines = outcomes.map((o) => (o.status === 'testable' ? `{"status":"testable","task":${serializeTask(o.task)}}` : JSON.stringify(o)));
      await writeFileAtomic(chunk.file, `${lines.join('\n')}\n`);
    }),
  );

  // Merge the chunks into the outputs.
  const taskLines: string[] = [];
  const droppedLines: string[] = [];
  const outcomes: ChunkLine[] = [];
  for (const chunk of chunks) outcomes.push(...readChunk(chunk.file));
  for (const outcome of outcomes) {
    if (outcome.status === 'testable') taskLines.push(JSON.stringify(outcome.task));
    else droppedLines.push(JSON.stringify(outcome));
  }
  await writeFileAtomic(join(options.out, 'tasks.jsonl'), taskLines.length ? `${taskLines.join('\n')}\n` : '');
  await writeFileAtomic(join(options.out, 'dropped.jsonl'), droppedLines.length ? `${droppedLines.join('\n')}\n` : '');
  const stats = summarize(options, loaded, outcomes, (Date.now() - started) / 1000);
  await writeFileAtomic(join(options.out, 'stats.json'), `${JSON.stringify(stats, null, 2)}\n`);
  return stats;
}

function summarize(options: PrepareOptions, loaded: ReturnType<typeof loadDebugBench>, outcomes: ChunkLine[], seconds: number): PrepareStats {
  const languages: PrepareStats['languages'] = {};
  for (const language of options.languages) {
    const mine = outcomes.filter((o) => (o.status === 'testable' ? o.task.language : o.language) === language);
    const kept = mine.filter((o): o is Extract<ChunkLine, { status: 'testable' }> => o.status === 'testable').map((o) => o.task);
    const drops = mine.filter((o): o is Extract<ChunkLine, { status: 'dropped' }> => o.status === 'dropped');
    const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, drops.filter((d) => d.reason === r).length])) as Record<DropReason, number>;
    const records = loaded.records[language];
    const duplicates = loaded.duplicates[language];
    languages[language] = {
      records,
      duplicates,
      duplicateRate: round(duplicates / Math.max(records, 1)),
      tasks: mine.length,
      testable: kept.length,
      testableRate: round(kept.length / Math.max(mine.length, 1)),
      testableRateOfRecords: round(kept.reduce((n, t) => n + 1 + (loaded.duplicatesOf.get(t.id) ?? 0), 0) / Math.max(records, 1)),
      testableRateWithoutDataErrors: round(kept.length / Math.max(mine.length - dropped['oracle-wrong-language'], 1)),
      buggyPassesVisibleOnly: kept.filter((t) => t.buggy.visible === 'pass').length,
      buggyPassesAll: dropped['buggy-passes'],
      dropped,
      visibleTests: kept.reduce((n, t) => n + t.visible.length, 0),
      hiddenTests: kept.reduce((n, t) => n + t.hidden.length, 0),
      tasksWithoutHiddenTests: kept.filter((t) => t.hidden.length === 0).length,
      exampleDisagreements: kept.reduce((n, t) => n + t.exampleDisagreements.length, 0),
      visibleOnly: Object.fromEntries(VISIBLE_ONLY_REASONS.map((r) => [r, kept.filter((t) => t.visibleOnly === r).length])) as Record<VisibleOnlyReason, number>,
      hiddenCoverage: coverage(kept),
      peers: {
        tasksChecked: kept.filter((t) => t.peers.used > 0).length,
        inputsDropped: kept.reduce((n, t) => n + t.peers.disagreements, 0),
        tasksFrozen: kept.filter((t) => t.peers.frozen.length > 0).length,
      },
      largeCases: { tasks: kept.filter((t) => t.large !== null).length, cases: kept.reduce((n, t) => n + (t.large?.cases.length ?? 0), 0) },
      split: { train: kept.filter((t) => t.split === 'train').length, test: kept.filter((t) => t.split === 'test').length },
    };
  }
  return {
    recipe: RECIPE_VERSION,
    debugbench: options.debugbench,
    settings: { ...options.config.hidden, testFraction: options.config.split.testFraction, splitSeed: options.config.split.seed },
    languages,
    malformedRecords: loaded.problems,
    seconds: Math.round(seconds),
  };
}

const round = (x: number) => Math.round(x * 10000) / 10000;

/** Whether a task's hidden tests meet HIDDEN_TARGET. */
export function meetsHiddenTarget(task: Pick<PreparedTask, 'hidden'>): boolean {
  const distinct = new Set(task.hidden.map((c) => formatValue(c.expected))).size;
  return task.hidden.length >= HIDDEN_TARGET.minTests && distinct >= HIDDEN_TARGET.minDistinctOutputs;
}

function coverage(kept: PreparedTask[]): LanguageStats['hiddenCoverage'] {
  const single = kept.filter((t) => t.visibleOnly !== 'multi_answer' && t.visibleOnly !== 'nondeterministic');
  const meeting = kept.filter(meetsHiddenTarget).length;
  const meetingSingle = single.filter(meetsHiddenTarget).length;
  const short = new Map<string, number>();
  for (const task of kept) if (!meetsHiddenTarget(task)) short.set(task.slug, (short.get(task.slug) ?? 0) + 1);
  const shortProblems = [...short].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, SHORT_PROBLEMS_LISTED).map(([slug, tasks]) => ({ slug, tasks }));
  return {
    tasks: meeting,
    share: round(meeting / Math.max(kept.length, 1)),
    singleAnswerTasks: single.length,
    shareOfSingleAnswer: round(meetingSingle / Math.max(single.length, 1)),
    shortProblems,
  };
}

/**
 * Each problem's correct solutions across all languages (a Python oracle found in a Java record
 * counts as Python), for validating one another's hidden inputs.
 */
function peersBySlug(debugbench: string): Map<string, PeerOracle[]> {
  const bySlug = new Map<string, PeerOracle[]>();
  for (const task of loadDebugBench(debugbench, LANGUAGES).tasks) {
    const language = task.language !== 'python3' && writtenInPython(task.oracleCode) ? 'python3' : task.language;
    const peers = bySlug.get(task.slug) ?? [];
    if (!peers.some((p) => p.oracleCode === task.oracleCode)) peers.push({ language, oracleCode: task.oracleCode, examples: task.examples });
    bySlug.set(task.slug, peers);
  }
  return bySlug;
}
