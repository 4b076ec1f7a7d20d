import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { TasksConfig } from '../config/schema.js';
import { LANGUAGES, type Sandbox } from '../sandbox/types.js';
import type { CaseInput } from '../tasks/harness/spec.js';
import { formatValue } from '../tasks/literal.js';
import { buildTests } from '../tasks/prepare/buildTests.js';
import { log } from '../util/log.js';
import { Progress } from '../util/progress.js';
import { Semaphore } from '../util/semaphore.js';
import { judgeCandidate, judgeTargetOfTests } from './judgeCandidate.js';
import type { VisibleOnlyReason } from './verdicts.js';

/** One input line of `codeq verify`: a DebugBench-style record plus the code to judge. */
const RecordSchema = z.object({
  language: z.enum(LANGUAGES),
  slug: z.string().min(1),
  examples: z.array(z.string()).min(1),
  oracle_code: z.string().min(1),
  candidate_code: z.string(),
  constraints: z.string().default(''),
  description: z.string().default(''),
});

const IDENTIFYING = ['id', 'task_id', 'language', 'slug', 'level', 'bug_type', 'type', 'model'] as const;

export const VERIFY_VERDICTS = ['pass', 'pass_visible_only', 'wrong_answer', 'compile_error', 'runtime_error', 'timeout', 'memory', 'untestable'] as const;
export type VerifyVerdict = (typeof VERIFY_VERDICTS)[number];

export interface VerifyOutput {
  line: number;
  verdict?: VerifyVerdict;
  /** Why the hidden tests could not vouch for a pass (pass_visible_only), null when they could. */
  visible_only?: VisibleOnlyReason | null;
  visible?: { passed: number; total: number };
  /** null when the hidden tests were not run (the visible ones failed, or they are not trusted). */
  hidden?: { passed: number; total: number } | null;
  first_failure?: { tests: 'visible' | 'hidden'; index: number; input: string; expected: string; actual: string | null };
  message?: string;
  error?: string;
  [key: string]: unknown;
}

const caseText = (input: CaseInput) =>
  Array.isArray(input) ? formatValue(input) : `{"calls":${JSON.stringify(input.calls)},"args":${formatValue(input.args)}}`;

/**
 * Judges one record: tests from its oracle (visible, hidden and large), then the candidate as
 * every codeq verdict is reached: visible tests, then (when they pass and can be trusted) hidden.
 */
export async function verifyRecord(raw: unknown, line: number, sandbox: Sandbox, config: TasksConfig): Promise<VerifyOutput> {
  const identity: { line: number; [key: string]: unknown } = { line };
  if (raw && typeof raw === 'object') for (const key of IDENTIFYING) if (key in raw) identity[key] = (raw as Record<string, unknown>)[key];
  const parsed = RecordSchema.safeParse(raw);
  if (!parsed.success) {
    return { ...identity, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ') };
  }
  const record = parsed.data;
  const built = await buildTests(
    // The id seeds the hidden tests: the same record gets the same tests on any line of any file.
    { id: `${record.language}/${record.slug}/verify/${createHash('sha256').update(JSON.stringify([record.oracle_code, record.examples, record.constraints])).digest('hex').slice(0, 8)}`, language: record.language, slug: record.slug, description: record.description, constraints: record.constraints, examples: record.examples, oracleCode: record.oracle_code },
    sandbox,
    config,
  );
  if (!built.ok) return { ...identity, verdict: 'untestable', message: `${built.reason}: ${built.detail}` };
  const judged = await judgeCandidate(sandbox, judgeTargetOfTests(built.tests), record.candidate_code, config);
  // output_limit is not among verify's verdicts: it is the program's runtime failure.
  const verdict = judged.verdict === 'output_limit' ? 'runtime_error' : judged.verdict;
  const report = judged.hidden && judged.hidden.verdict !== 'pass' ? judged.hidden : judged.visible;
  const tests = report === judged.hidden ? 'hidden' : 'visible';
  const output: VerifyOutput = {
    ...identity,
    verdict,
    visible_only: built.tests.visibleOnly,
    visible: { passed: judged.visible.passed, total: judged.visible.total },
    hidden: judged.hidden ? { passed: judged.hidden.passed, total: judged.hidden.total } : null,
    message: judged.verdict === 'output_limit' ? `output limit: ${report.message}` : verdict === 'pass_visible_only' ? `passes the visible tests; the hidden tests cannot vouch for it (${built.tests.visibleOnly})` : report.message,
  };
  const failure = verdict === 'pass' || verdict === 'pass_visible_only' ? undefined : report.firstFailure;
  if (failure) {
    if (report.verdict === 'wrong_answer') output.message = `wrong answer on ${tests} test ${failure.index + 1}`;
    output.first_failure = {
      tests,
      index: failure.index,
      input: caseText(failure.input).slice(0, 2000),
      expected: formatValue(failure.expected).slice(0, 2000),
      actual: failure.actual === undefined ? null : formatValue(failure.actual).slice(0, 2000),
    };
  }
  return output;
}

/** Verifies every line of `input` into `output` (same order; written under a temporary name, then renamed). */
export async function verifyFile(input: string, output: string, sandbox: Sandbox, config: TasksConfig): Promise<{ lines: number; invalid: number; verdicts: Record<string, number> }> {
  if (!existsSync(input)) throw new Error(`--input ${input}: no such file`);
  const lines = readFileSync(input, 'utf8').split('\n');
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  const slots = new Semaphore(config.verify.concurrency);
  const progress = new Progress('verifying', lines.length);
  const verdicts: Record<string, number> = {};
  let invalid = 0;
  const results = await Promise.all(
    lines.map((text, i) =>
      slots.use(async () => {
        let result: VerifyOutput;
        if (text.trim() === '') result = { line: i + 1, error: 'empty line' };
        else {
          let raw: unknown;
          try {
            raw = JSON.parse(text);
          } catch (error) {
            raw = undefined;
            result = { line: i + 1, error: `not JSON: ${(error as Error).message}` };
          }
          // A failure on one line (the sandbox, an unexpected program shape) is that line's error.
          result ??= await verifyRecord(raw, i + 1, sandbox, config).catch((error: Error) => ({ line: i + 1, error: `could not verify: ${error.message}` }));
        }
        if (result.error) {
          invalid++;
          log.warn(`${input}:${i + 1}: ${result.error}`);
        } else verdicts[result.verdict!] = (verdicts[result.verdict!] ?? 0) + 1;
        progress.advance(1, verdicts);
        return result;
      }),
    ),
  );
  const temp = `${output}.${process.pid}.tmp`;
  const stream = createWriteStream(temp);
  try {
    for (const result of results) stream.write(`${JSON.stringify(result)}\n`);
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    renameSync(temp, output);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { lines: lines.length, invalid, verdicts };
}
