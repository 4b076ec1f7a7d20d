import type { TasksConfig } from '../config/schema.js';
import type { Sandbox } from '../sandbox/types.js';
import type { TestCase, TestSpec } from '../tasks/harness/spec.js';
import type { TaskTests } from '../tasks/prepare/buildTests.js';
import { taskCompare, type PreparedTask } from '../tasks/prepare/prepareTask.js';
import { materializeLarge } from '../tasks/prepare/largeCases.js';
import { candidateLimits } from '../tasks/prepare/limits.js';
import type { CompareOptions } from './compare.js';
import { finalVerdict, hiddenTestsRun, type FinalVerdict, type VisibleOnlyReason } from './verdicts.js';
import { verifyProgram, type TestReport } from './verifyProgram.js';

/** What a candidate is judged against: a task's call, its visible and hidden tests, the oracle's times. */
export interface JudgeTarget {
  spec: TestSpec;
  compare: CompareOptions;
  visible: TestCase[];
  hidden: TestCase[];
  oracleMs: { visible: number; hidden: number };
  /** Why the hidden tests cannot vouch for a pass (null: they can). */
  visibleOnly: VisibleOnlyReason | null;
  /** Inputs near the constraint maxima, judged after the other hidden tests with a limit from the oracle's time on them. */
  large: { cases: () => TestCase[]; oracleMs: number } | null;
}

/** A prepared task as a judge target (its comparison, tests, times and reason). */
export function judgeTargetOf(task: PreparedTask, config: TasksConfig): JudgeTarget {
  return {
    spec: task.spec,
    compare: taskCompare(task, config.verify.tolerance),
    visible: task.visible,
    hidden: task.hidden,
    oracleMs: task.oracleMs,
    visibleOnly: task.visibleOnly,
    large: task.large ? { cases: () => materializeLarge(task), oracleMs: task.large.oracleMs } : null,
  };
}

/** Tests just built (codeq verify, codeq repair --task without a tasks file) as a judge target. */
export function judgeTargetOfTests(tests: TaskTests): JudgeTarget {
  const { spec, compare, visible, hidden, oracleMs, visibleOnly, large, largeCases } = tests;
  return { spec, compare, visible, hidden, oracleMs, visibleOnly, large: large ? { cases: () => largeCases, oracleMs: large.oracleMs } : null };
}

export interface Judgement {
  /** pass only when visible AND hidden tests pass on a task whose hidden tests can vouch for it. */
  verdict: FinalVerdict;
  visible: TestReport;
  /** null when the hidden tests were not run (none, not trusted, or the visible tests failed). */
  hidden: TestReport | null;
}

/** A candidate on the visible tests alone (what search sees), in one process, limits from the oracle's time. */
export function judgeVisible(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<TestReport> {
  return verifyProgram(sandbox, target.spec, code, target.visible, target.compare, candidateLimits(target.oracleMs.visible, config), signal);
}

/** Whether a program that passed the visible tests goes on to the hidden ones. */
export function runsHidden(target: Pick<JudgeTarget, 'hidden' | 'visibleOnly'>): boolean {
  return target.hidden.length > 0 && hiddenTestsRun(target.visibleOnly);
}

/**
 * A candidate on the hidden tests alone (what evaluation adds): the generated cases, then, if it
 * passed them, the large ones in a run of their own (their limit comes from the oracle's time on
 * them). One report: counts add up, and the verdict is the first failure's.
 */
export async function judgeHidden(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<TestReport> {
  const small = await verifyProgram(sandbox, target.spec, code, target.hidden, target.compare, candidateLimits(target.oracleMs.hidden, config), signal);
  if (small.verdict !== 'pass' || !target.large) return small;
  const cases = target.large.cases();
  if (cases.length === 0) return small;
  const large = await verifyProgram(sandbox, target.spec, code, cases, target.compare, candidateLimits(target.large.oracleMs, config), signal);
  const offset = target.hidden.length;
  return {
    ...large,
    passed: small.passed + large.passed,
    total: small.total + large.total,
    passedByCase: [...small.passedByCase, ...large.passedByCase],
    answeredByCase: [...small.answeredByCase, ...large.answeredByCase],
    ...(large.firstFailure ? { firstFailure: { ...large.firstFailure, index: large.firstFailure.index + offset } } : {}),
    message: large.verdict === 'pass' ? '' : `on a large hidden test: ${large.message}`,
    durationMs: small.durationMs + large.durationMs,
  };
}

/**
 * The final verdict of a candidate: the visible tests first, then the hidden ones (only when the
 * visible ones pass and the task's hidden tests are trusted).
 */
export async function judgeCandidate(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<Judgement> {
  const visible = await judgeVisible(sandbox, target, code, config, signal);
  const hidden = visible.verdict === 'pass' && runsHidden(target) ? await judgeHidden(sandbox, target, code, config, signal) : null;
  return { verdict: finalVerdict(visible.verdict, hidden?.verdict ?? null, target.visibleOnly), visible, hidden };
}
