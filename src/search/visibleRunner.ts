import type { TasksConfig } from '../config/schema.js';
import { describeFeedback } from '../policy/feedback.js';
import type { Sandbox } from '../sandbox/types.js';
import { candidateLimits } from '../tasks/prepare/prepareTask.js';
import type { JudgeTarget } from '../verify/judgeCandidate.js';
import { verifyProgram, type TestReport } from '../verify/verifyProgram.js';
import type { VisibleOutcome } from './tree.js';

export function outcomeOf(report: TestReport): VisibleOutcome {
  return {
    verdict: report.verdict,
    passed: report.passed,
    total: report.total,
    reward: report.verdict === 'compile_error' || report.total === 0 ? 0 : report.passed / report.total,
    feedback: describeFeedback(report),
  };
}

/** Runs programs on a task's visible tests, and only those: the search never sees hidden tests. */
export class VisibleRunner {
  constructor(
    private readonly sandbox: Sandbox,
    private readonly target: JudgeTarget,
    private readonly config: TasksConfig,
    private readonly signal?: AbortSignal,
  ) {}

  async run(code: string): Promise<VisibleOutcome> {
    const report = await verifyProgram(this.sandbox, this.target.spec, code, this.target.visible, this.target.compare, candidateLimits(this.target.oracleMs.visible, this.config), this.signal);
    return outcomeOf(report);
  }
}
