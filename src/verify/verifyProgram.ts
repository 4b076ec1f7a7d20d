import type { ResourceLimits } from '../config/schema.js';
import type { Sandbox, SandboxResult, Verdict } from '../sandbox/types.js';
import { driverProgram } from '../tasks/harness/index.js';
import type { CaseInput, TestCase, TestSpec } from '../tasks/harness/spec.js';
import type { Value } from '../tasks/literal.js';
import { acceptable, type CompareOptions } from './compare.js';
import { runCases } from './runCases.js';

/** The verdicts a program gets against tests (a sandbox verdict, judged case by case). */
export type TestVerdict = Exclude<Verdict, 'sandbox_error'>;

export interface CaseFailure {
  index: number;
  input: CaseInput;
  expected: Value;
  /** The program's result; absent when it crashed, timed out or printed nothing for the case. */
  actual?: Value;
}

export interface TestReport {
  verdict: TestVerdict;
  passed: number;
  total: number;
  /** Whether each case passed, in order. */
  passedByCase: boolean[];
  /** Whether the program printed a result for each case (false from where it crashed or was stopped). */
  answeredByCase: boolean[];
  firstFailure?: CaseFailure;
  /** Compiler message, trace, or why it was stopped (empty on pass). */
  message: string;
  durationMs: number;
  /** The raw run, for feedback (the program's own stdout, stderr). */
  result: SandboxResult;
}

export class VerifySandboxError extends Error {
  constructor(readonly result: SandboxResult) {
    super(`the sandbox failed: ${result.message}`);
    this.name = 'VerifySandboxError';
  }
}

/** Runs `code` on every case in one process and judges each result against the expected one. */
export async function verifyProgram(
  sandbox: Sandbox,
  spec: TestSpec,
  code: string,
  cases: TestCase[],
  compare: CompareOptions,
  limits?: Partial<ResourceLimits>,
  signal?: AbortSignal,
): Promise<TestReport> {
  const { outputs, result } = await runCases(sandbox, spec, driverProgram(spec, code), cases.map((c) => c.input), limits, signal);
  if (result.verdict === 'sandbox_error') throw new VerifySandboxError(result);
  let firstFailure: CaseFailure | undefined;
  const passedByCase = cases.map((testCase, index) => {
    const actual = outputs[index];
    const ok = actual !== undefined && [testCase.expected, ...(testCase.alsoAccepted ?? [])].some((expected) => acceptable(actual, expected, compare, testCase.input));
    if (!ok) firstFailure ??= { index, input: testCase.input, expected: testCase.expected, ...(actual !== undefined ? { actual } : {}) };
    return ok;
  });
  const passed = passedByCase.filter(Boolean).length;
  const answeredByCase = outputs.map((o) => o !== undefined);
  const base = { passed, total: cases.length, passedByCase, answeredByCase, durationMs: result.durationMs, result, ...(firstFailure ? { firstFailure } : {}) };
  if (result.verdict !== 'pass') return { ...base, verdict: result.verdict, message: result.message };
  if (firstFailure) {
    const message =
      firstFailure.actual === undefined
        ? `printed no result for case ${firstFailure.index + 1}`
        : `wrong answer on case ${firstFailure.index + 1}`;
    return { ...base, verdict: firstFailure.actual === undefined ? 'runtime_error' : 'wrong_answer', message };
  }
  return { ...base, verdict: 'pass', message: '' };
}
