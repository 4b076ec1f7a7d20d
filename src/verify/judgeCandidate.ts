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

/**
 * The final verdict of a candidate: the visible tests first (what search sees), then the hidden
 * ones (what evaluation adds). Each set runs in one process with limits from the oracle's time.
 */
export async function judgeCandidate(sandbox: Sandbox, target: JudgeTarget, code: string, config: TasksConfig, signal?: AbortSignal): Promise<Judgement> {
  const visible = await verifyProgram(sandbox, target.spec, code, target.visible, target.compare, candidateLimits(target.oracleMs.visible, config), signal);
  if (visible.verdict !== 'pass' || target.hidden.length === 0) return { verdict: visible.verdict, visible, hidden: null };
  const hidden = await verifyProgram(sandbox, target.spec, code, target.hidden, target.compare, candidateLimits(target.oracleMs.hidden, config), signal);
  return { verdict: hidden.verdict, visible, hidden };
}
