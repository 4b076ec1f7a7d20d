import type { TasksConfig } from '../config/schema.js';
import { describeFeedback } from '../policy/feedback.js';
import type { Sandbox } from '../sandbox/types.js';
import { judgeVisible, type JudgeTarget } from '../verify/judgeCandidate.js';
import type { TestReport } from '../verify/verifyProgram.js';
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
    return outcomeOf(await judgeVisible(this.sandbox, this.target, code, this.config, this.signal));
  }
}
