import type { TasksConfig } from '../config/schema.js';
import type { Sandbox } from '../sandbox/types.js';
import type { TestCase, TestSpec } from '../tasks/harness/spec.js';
import { candidateLimits } from '../tasks/prepare/prepareTask.js';
import type { CompareOptions } from './compare.js';
import { verifyProgram, type TestReport, type TestVerdict } from './verifyProgram.js';

/** What a candidate is judged against: a task's call, its visible and hidden tests, the oracle's times. */
export interface JudgeTarget {
  spec: TestSpec;
  compare: CompareOptions;
  visible: TestCase[];
  hidden: TestCase[];
  oracleMs: { visible: number; hidden: number };
}

export interface Judgement {
  /** pass only when visible AND hidden tests pass. */
  verdict: TestVerdict;
  visible: TestReport;
  /** null when the task has no hidden tests, or the visible tests already failed. */
  hidden: TestReport | null;
}

/** A candidate on the visible tests alone (what search sees), in one process, limits from the oracle's time. */
export function judgeVisible(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<TestReport> {
  return verifyProgram(sandbox, target.spec, code, target.visible, target.compare, candidateLimits(target.oracleMs.visible, config), signal);
}

/** A candidate on the hidden tests alone (what evaluation adds). */
export function judgeHidden(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<TestReport> {
  return verifyProgram(sandbox, target.spec, code, target.hidden, target.compare, candidateLimits(target.oracleMs.hidden, config), signal);
}

/**
 * The final verdict of a candidate: the visible tests first, then the hidden ones (only when the
 * visible ones pass and there are hidden ones).
 */
export async function judgeCandidate(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<Judgement> {
  const visible = await judgeVisible(sandbox, target, code, config, signal);
  if (visible.verdict !== 'pass' || target.hidden.length === 0) return { verdict: visible.verdict, visible, hidden: null };
  const hidden = await judgeHidden(sandbox, target, code, config, signal);
  return { verdict: hidden.verdict, visible, hidden };
}
