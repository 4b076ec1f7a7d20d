import type { LanguageSpec } from './languages/index.js';
import type { RawExecution, Verdict } from './types.js';

const MESSAGE_MAX_CHARS = 2000;
const MESSAGE_MAX_LINES = 30;

/** The tail of a trace or compiler output, short enough to show a model or a person. */
export function trimMessage(text: string, fromEnd = true): string {
  const lines = text.replace(/\s+$/, '').split('\n');
  const kept = (fromEnd ? lines.slice(-MESSAGE_MAX_LINES) : lines.slice(0, MESSAGE_MAX_LINES)).join('\n');
  const short = fromEnd ? kept.slice(-MESSAGE_MAX_CHARS) : kept.slice(0, MESSAGE_MAX_CHARS);
  if (short.length === text.trimEnd().length) return short;
  return fromEnd ? `[…]\n${short}` : `${short}\n[…]`;
}

/** Stdout equality that ignores trailing whitespace on each line and trailing blank lines. */
export function sameOutput(actual: string, expected: string): boolean {
  const normalize = (text: string) => text.replace(/[ \t\r]+$/gm, '').replace(/\n+$/, '');
  return normalize(actual) === normalize(expected);
}

export interface VerdictInput {
  run: RawExecution;
  language: LanguageSpec;
  limits: { timeoutMs: number; memoryMb: number; outputKb: number; pids: number };
  expectedStdout?: string;
}

/** Decides the verdict of a finished run; the order matters (a killed run is judged by why it was killed). */
export function judgeRun({ run, language, limits, expectedStdout }: VerdictInput): {
  verdict: Verdict;
  message: string;
} {
  if (run.timedOut) return { verdict: 'timeout', message: `killed after the ${limits.timeoutMs} ms time limit` };
  if (run.outputTruncated) {
    return { verdict: 'output_limit', message: `killed after writing more than ${limits.outputKb} KiB of output` };
  }
  const failed = run.exitCode !== 0 || run.signal !== null;
  if (run.oomKilled || (failed && language.isOutOfMemory(run.stderr))) {
    return { verdict: 'memory', message: `exceeded the ${limits.memoryMb} MiB memory limit` };
  }
  if (failed) {
    if (language.isParseError(run.stderr)) return { verdict: 'compile_error', message: trimMessage(run.stderr) };
    const how = run.signal ? `killed by ${run.signal}` : `exited with code ${run.exitCode}`;
    const pids = run.pidsLimitHits ? `; the ${limits.pids}-process limit refused ${run.pidsLimitHits} forks` : '';
    const trace = trimMessage(run.stderr);
    return { verdict: 'runtime_error', message: trace ? `${how}${pids}\n${trace}` : `${how}${pids}` };
  }
  if (expectedStdout !== undefined && !sameOutput(run.stdout, expectedStdout)) {
    return { verdict: 'wrong_answer', message: 'stdout differs from the expected output' };
  }
  return { verdict: 'pass', message: '' };
}
