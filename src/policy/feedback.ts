import type { TestReport } from '../verify/verifyProgram.js';
import { formatValue } from '../tasks/literal.js';
import { trimMessage } from '../sandbox/verdict.js';

/**
 * What the policy is told about its previous attempt: the first failing visible case (input,
 * expected, actual), the compiler message, or the trace. Only ever built from visible tests.
 */
export function describeFeedback(report: TestReport): string {
  if (report.verdict === 'pass') return 'It passed the visible tests.';
  const failure = report.firstFailure;
  const input = failure ? formatInput(failure.input) : '';
  switch (report.verdict) {
    case 'compile_error':
      return `It does not compile:\n${trimMessage(report.message)}`;
    case 'wrong_answer':
      return `Wrong answer on input ${input}: expected ${formatValue(failure!.expected)}, got ${formatValue(failure!.actual!)}.`;
    case 'timeout':
      return `It ran out of time${failure ? ` on input ${input}` : ''}.`;
    case 'memory':
      return `It ran out of memory${failure ? ` on input ${input}` : ''}.`;
    default:
      return `It crashed${failure ? ` on input ${input}` : ''}:\n${trimMessage(report.message || report.result.stderr)}`;
  }
}

function formatInput(input: unknown): string {
  return Array.isArray(input) ? input.map((v) => formatValue(v)).join(', ') : JSON.stringify(input);
}
