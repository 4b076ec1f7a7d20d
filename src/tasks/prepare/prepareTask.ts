import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import type { VisibleOnlyReason } from '../../verify/verdicts.js';
import type { CompareOptions } from '../../verify/compare.js';
import { verifyProgram, type TestReport, type TestVerdict } from '../../verify/verifyProgram.js';
import type { TestCase, TestSpec } from '../harness/spec.js';
import type { Task } from '../task.js';
import { BUILD_FAILURES, buildTests } from './buildTests.js';
import { candidateLimits } from './limits.js';
import type { LargeTests } from './largeCases.js';
import type { PeerOracle } from './oracles.js';

/** A task with everything evaluation needs: how to call it and its visible and hidden tests. */
export interface PreparedTask extends Task {
  split: 'train' | 'test';
  spec: TestSpec;
  /** List levels of a result compared as multisets (see CompareOptions). */
  orderFreeLevels: number[];
  /** The answer checker judging its several valid answers (see answerCheckers.ts); absent: compare with the oracle's. */
  checker?: string;
  /** Why the hidden tests cannot vouch for a pass (null: visible AND hidden tests decide). */
  visibleOnly: VisibleOnlyReason | null;
  visible: TestCase[];
  hidden: TestCase[];
  /** Oracle wall time over the visible and the hidden cases, for candidates' time limits. */
  oracleMs: { visible: number; hidden: number };
  /** How the buggy code fares (hidden: null when the hidden tests were not run): it fails somewhere. */
  buggy: { visible: TestVerdict; hidden: TestVerdict | null };
  /** Examples whose stated Output differs from the oracle's beyond order (the task is then multi_answer). */
  exampleDisagreements: number[];
  /** Other correct solutions that checked the hidden inputs, inputs they dropped, parameters frozen for it. */
  peers: { used: number; disagreements: number; frozen: string[] };
  /** Hidden inputs near the constraint maxima, kept as a recipe (see largeCases.ts); null: none. */
  large: LargeTests | null;
}

/** internal-error: codeq itself failed on the task (a bug to report, not the task's fault); the run goes on. */
export const DROP_REASONS = [...BUILD_FAILURES, 'buggy-passes', 'internal-error'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type PrepareOutcome =
  | { status: 'testable'; task: PreparedTask }
  | { status: 'dropped'; id: string; language: Task['language']; reason: DropReason; detail: string };

/**
 * The verdict on cases [from, to) of a run over more, as a run over them alone would get it: what
 * stopped the run (a crash, a timeout) when it stopped before answering them all; else a wrong
 * answer when one failed; else pass.
 */
export function partVerdict(report: TestReport, from: number, to: number): TestVerdict {
  const indices = Array.from({ length: to - from }, (_, k) => from + k);
  if (indices.some((k) => !report.answeredByCase[k])) return report.result.verdict === 'pass' || report.result.verdict === 'sandbox_error' ? 'runtime_error' : report.result.verdict;
  return indices.every((k) => report.passedByCase[k]) ? 'pass' : 'wrong_answer';
}

/** Prepares one task: its tests, then a check that the buggy code fails somewhere. */
export async function prepareTask(
  task: Task,
  split: 'train' | 'test',
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
  peers: PeerOracle[] = [],
): Promise<PrepareOutcome> {
  const built = await buildTests({ ...task, peers }, sandbox, config, signal);
  if (!built.ok) return { status: 'dropped', id: task.id, language: task.language, reason: built.reason, detail: built.detail };
  const { spec, compare, visible, hidden, oracleMs, exampleDisagreements, visibleOnly } = built.tests;
  // Hidden tests that are not trusted (several valid answers, random answers) cannot show a bug.
  const trusted = visibleOnly !== 'multi_answer' && visibleOnly !== 'nondeterministic' && hidden.length > 0;
  // One run over both sets (the verdict of each is read from its own cases).
  const cases = trusted ? [...visible, ...hidden] : visible;
  const report = await verifyProgram(sandbox, spec, task.buggyCode, cases, compare, candidateLimits(trusted ? oracleMs.hidden : oracleMs.visible, config), signal);
  const buggyVisible = partVerdict(report, 0, visible.length);
  const buggyHidden = trusted ? partVerdict(report, visible.length, cases.length) : null;
  if (buggyVisible === 'pass' && (buggyHidden === null || buggyHidden === 'pass')) {
    const detail = `the buggy code passes ${visible.length} visible and ${buggyHidden ? hidden.length : 0} hidden tests`;
    return { status: 'dropped', id: task.id, language: task.language, reason: 'buggy-passes', detail };
  }
  return {
    status: 'testable',
    task: {
      ...task,
      split,
      spec,
      orderFreeLevels: compare.orderFreeLevels,
      ...(compare.checker ? { checker: compare.checker } : {}),
      visibleOnly,
      visible,
      hidden,
      oracleMs,
      buggy: { visible: buggyVisible, hidden: buggyHidden },
      exampleDisagreements,
      peers: built.tests.peers,
      large: built.tests.large,
    },
  };
}

/** How a prepared task's answers are compared. */
export function taskCompare(task: Pick<PreparedTask, 'orderFreeLevels' | 'checker'>, tolerance: number): CompareOptions {
  return { tolerance, orderFreeLevels: task.orderFreeLevels, ...(task.checker ? { checker: task.checker } : {}) };
}
