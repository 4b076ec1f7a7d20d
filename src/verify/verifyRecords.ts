import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { TasksConfig } from '../config/schema.js';
import { LANGUAGES, type Sandbox } from '../sandbox/types.js';
import type { CaseInput } from '../tasks/harness/spec.js';
import { formatValue } from '../tasks/literal.js';
import { buildTests } from '../tasks/prepare/buildTests.js';
import { candidateLimits } from '../tasks/prepare/limits.js';
import { log } from '../util/log.js';
import { Progress } from '../util/progress.js';
import { Semaphore } from '../util/semaphore.js';
import { verifyProgram } from './verifyProgram.js';

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

export const VERIFY_VERDICTS = ['pass', 'wrong_answer', 'compile_error', 'runtime_error', 'timeout', 'memory', 'untestable'] as const;
export type VerifyVerdict = (typeof VERIFY_VERDICTS)[number];

export interface VerifyOutput {
  line: number;
  verdict?: VerifyVerdict;
  visible?: { passed: number; total: number };
  hidden?: { passed: number; total: number };
  first_failure?: { tests: 'visible' | 'hidden'; index: number; input: string; expected: string; actual: string | null };
  message?: string;
  error?: string;
  [key: string]: unknown;
}

const caseText = (input: CaseInput) =>
  Array.isArray(input) ? formatValue(input) : `{"calls":${JSON.stringify(input.calls)},"args":${formatValue(input.args)}}`;

/** Judges one record: tests from its oracle (visible + hidden), then the candidate on all of them in one run. */
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
  const { spec, compare, visible, hidden, oracleMs } = built.tests;
  const report = await verifyProgram(sandbox, spec, record.candidate_code, [...visible, ...hidden], compare, candidateLimits(oracleMs.visible + oracleMs.hidden, config));
  const failure = report.firstFailure;
  const passedVisible = report.passedByCase.slice(0, visible.length).filter(Boolean).length;
  const output: VerifyOutput = {
    ...identity,
    // output_limit is not among verify's verdicts: it is the program's runtime failure.
    verdict: report.verdict === 'output_limit' ? 'runtime_error' : report.verdict,
    visible: { passed: passedVisible, total: visible.length },
    hidden: { passed: report.passed - passedVisible, total: hidden.length },
    message: report.verdict === 'output_limit' ? `output limit: ${report.message}` : report.message,
  };
  if (failure) {
    const inVisible = failure.index < visible.length;
    const index = inVisible ? failure.index : failure.index - visible.length;
    if (report.verdict === 'wrong_answer') output.message = `wrong answer on ${inVisible ? 'visible' : 'hidden'} test ${index + 1}`;
    output.first_failure = {
      tests: inVisible ? 'visible' : 'hidden',
      index,
      input: caseText(failure.input),
      expected: formatValue(failure.expected),
      actual: failure.actual === undefined ? null : formatValue(failure.actual),
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
