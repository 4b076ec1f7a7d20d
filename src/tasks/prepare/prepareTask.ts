import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import { acceptable, type CompareOptions } from '../../verify/compare.js';
import { answerForm } from './answerForms.js';
import { runCases } from '../../verify/runCases.js';
import { verifyProgram, VerifySandboxError, type TestVerdict } from '../../verify/verifyProgram.js';
import { ExampleError, parseExample } from '../examples.js';
import { deriveSpec } from '../harness/deriveSpec.js';
import { driverProgram } from '../harness/index.js';
import type { CaseInput, DriverProgram, TestCase, TestSpec } from '../harness/spec.js';
import { HiddenInputGenerator, type ParamModel } from '../hidden/generate.js';
import { paramType } from '../hidden/valueType.js';
import { formatValue, type Value } from '../literal.js';
import { SignatureError } from '../signatures/types.js';
import type { Task } from '../task.js';
import type { VisibleOnlyReason } from '../../verify/verdicts.js';

/** A task with everything evaluation needs: how to call it and its visible and hidden tests. */
export interface PreparedTask extends Task {
  split: 'train' | 'test';
  spec: TestSpec;
  /** List levels of a result compared as multisets (see CompareOptions). */
  orderFreeLevels: number[];
  /** Why the hidden tests cannot vouch for a pass (null: visible AND hidden tests decide). */
  visibleOnly: VisibleOnlyReason | null;
  visible: TestCase[];
  hidden: TestCase[];
  /** Oracle wall time over the visible and the hidden cases, for candidates' time limits. */
  oracleMs: { visible: number; hidden: number };
  /** How the buggy code fares (hidden: null when there are no hidden tests): it fails somewhere. */
  buggy: { visible: TestVerdict; hidden: TestVerdict | null };
  /** Examples whose stated Output differs from the oracle's beyond order (the task is then multi_answer). */
  exampleDisagreements: number[];
}

export const DROP_REASONS = [
  'oracle-wrong-language',
  'examples-unparsable',
  'unsupported-signature',
  'oracle-fails',
  'buggy-passes',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type PrepareOutcome =
  | { status: 'testable'; task: PreparedTask }
  | { status: 'dropped'; id: string; language: Task['language']; reason: DropReason; detail: string };


/** A candidate's time limit: a multiple of the oracle's time, never below the configured floor. */
export function candidateTimeoutMs(oracleMs: number, config: TasksConfig): number {
  return Math.max(config.verify.minTimeoutMs, Math.ceil(config.verify.timeoutFactor * oracleMs));
}

/** The JSON kind of a result, to catch hidden inputs on which the oracle answers in another shape. */
function shapeOf(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'bigint' ? 'number' : typeof value;
}

/** Some DebugBench C++ and Java records carry a Python oracle: no driver of theirs can run it. */
function writtenInPython(code: string): boolean {
  return /^\s*class\s+\w+\s*(\([\w.]*\))?\s*:\s*$/m.test(code) && /^\s+def\s+\w+\s*\(\s*self\b/m.test(code);
}

/** A task's tests: how to call its programs, and the oracle's answers on visible and hidden inputs. */
export interface TaskTests {
  spec: TestSpec;
  compare: CompareOptions;
  visible: TestCase[];
  hidden: TestCase[];
  oracleMs: { visible: number; hidden: number };
  exampleDisagreements: number[];
  visibleOnly: VisibleOnlyReason | null;
}

/** Why a task's hidden tests cannot vouch for a pass, from what they hold (null: they can). */
export function hiddenWeakness(hidden: TestCase[]): VisibleOnlyReason | null {
  if (hidden.length === 0) return 'no_hidden';
  return new Set(hidden.map((c) => formatValue(c.expected))).size < 2 ? 'one_hidden_output' : null;
}

type TestSource = Pick<Task, 'id' | 'language' | 'slug' | 'description' | 'constraints' | 'examples' | 'oracleCode'>;

/**
 * Builds a task's tests: parse the examples, derive the call, run the oracle on the examples (its
 * results are the expected outputs), and generate `hiddenCount` hidden inputs the oracle answers.
 * Returns why not when the task cannot be tested.
 */
export async function buildTests(
  task: TestSource,
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<{ ok: true; tests: TaskTests } | { ok: false; reason: Exclude<DropReason, 'buggy-passes'>; detail: string }> {
  if (writtenInPython(task.oracleCode) && task.language !== 'python3') {
    return { ok: false, reason: 'oracle-wrong-language', detail: `the ${task.language} record's oracle is Python code` };
  }
  let spec: TestSpec;
  let inputs: CaseInput[];
  let examples;
  let program: DriverProgram;
  try {
    if (task.examples.length === 0) throw new ExampleError('the record has no examples');
    examples = task.examples.map(parseExample);
    ({ spec, inputs } = deriveSpec(task.language, task.oracleCode, examples, task.slug));
    program = driverProgram(spec, task.oracleCode); // throws on parameter types no driver can build
  } catch (error) {
    if (error instanceof ExampleError) return { ok: false, reason: 'examples-unparsable', detail: error.message };
    if (error instanceof SignatureError) return { ok: false, reason: 'unsupported-signature', detail: error.message };
    throw error;
  }
  const oracleLimits = { timeoutMs: config.verify.oracleTimeoutMs, outputKb: config.verify.outputKb };
  const oracle = await runCases(sandbox, spec, program, inputs, oracleLimits, signal);
  if (oracle.result.verdict === 'sandbox_error') throw new VerifySandboxError(oracle.result);
  const missing = oracle.outputs.findIndex((o) => o === undefined);
  if (oracle.result.verdict !== 'pass' || missing >= 0) {
    const where = missing >= 0 ? ` at example ${missing + 1}` : '';
    return { ok: false, reason: 'oracle-fails', detail: `${oracle.result.verdict}${where}: ${oracle.result.message || oracle.result.stderr.slice(-300)}` };
  }
  const tolerance = config.verify.tolerance;
  const form = answerForm(task.description, examples.map((e, i) => ({ oracle: oracle.outputs[i]!, stated: e.output })), tolerance);
  const compare: CompareOptions = { tolerance, orderFreeLevels: form.orderFreeLevels };
  // Several valid answers: the example's stated one is accepted too (visible tests only judge).
  const visible: TestCase[] = inputs.map((input, i) => {
    const stated = examples[i]!.output;
    const other = form.multiAnswer && stated !== undefined && !acceptable(stated, oracle.outputs[i]!, compare);
    return { input, expected: oracle.outputs[i]!, ...(other ? { alsoAccepted: [stated] } : {}) };
  });
  const exampleDisagreements = form.unexplained;
  const hidden = spec.mode === 'call' ? await hiddenCases(task, spec, program, inputs as Value[][], visible, sandbox, config, signal) : { cases: [], ms: 0 };
  return {
    ok: true,
    tests: {
      spec,
      compare,
      visible,
      hidden: hidden.cases,
      oracleMs: { visible: oracle.result.durationMs, hidden: hidden.ms },
      exampleDisagreements,
      visibleOnly: form.multiAnswer ? 'multi_answer' : hiddenWeakness(hidden.cases),
    },
  };
}

/** Time and output limits for a candidate run over cases the oracle answered in `oracleMs`. */
export function candidateLimits(oracleMs: number, config: TasksConfig) {
  return { timeoutMs: candidateTimeoutMs(oracleMs, config), outputKb: config.verify.outputKb };
}

/** Prepares one task: its tests, then a check that the buggy code fails somewhere. */
export async function prepareTask(
  task: Task,
  split: 'train' | 'test',
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<PrepareOutcome> {
  const built = await buildTests(task, sandbox, config, signal);
  if (!built.ok) return { status: 'dropped', id: task.id, language: task.language, reason: built.reason, detail: built.detail };
  const { spec, compare, visible, hidden, oracleMs, exampleDisagreements, visibleOnly } = built.tests;
  const buggyVisible = await verifyProgram(sandbox, spec, task.buggyCode, visible, compare, candidateLimits(oracleMs.visible, config), signal);
  const buggyHidden = hidden.length
    ? await verifyProgram(sandbox, spec, task.buggyCode, hidden, compare, candidateLimits(oracleMs.hidden, config), signal)
    : null;
  if (buggyVisible.verdict === 'pass' && (buggyHidden === null || buggyHidden.verdict === 'pass')) {
    const detail = `the buggy code passes ${visible.length} visible and ${hidden.length} hidden tests`;
    return { status: 'dropped', id: task.id, language: task.language, reason: 'buggy-passes', detail };
  }
  return {
    status: 'testable',
    task: {
      ...task,
      split,
      spec,
      orderFreeLevels: compare.orderFreeLevels,
      visibleOnly,
      visible,
      hidden,
      oracleMs,
      buggy: { visible: buggyVisible.verdict, hidden: buggyHidden?.verdict ?? null },
      exampleDisagreements,
    },
  };
}

/**
 * Hidden cases: generated inputs the oracle answers (in the same shape as on the examples),
 * within its time limit. An input the oracle fails or times out on is dropped and the rest rerun.
 */
async function hiddenCases(
  task: TestSource,
  spec: Extract<TestSpec, { mode: 'call' }>,
  program: DriverProgram,
  exampleInputs: Value[][],
  visible: TestCase[],
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<{ cases: TestCase[]; ms: number }> {
  const { count, oversample, maxLength, seed } = config.hidden;
  if (count === 0) return { cases: [], ms: 0 };
  const params: ParamModel[] = spec.params.map((p, i) => ({
    name: p.name,
    type: paramType(task.language, p.type, p.name, exampleInputs.map((e) => e[i]!)),
    values: exampleInputs.map((e) => e[i]!),
  }));
  const generator = new HiddenInputGenerator(params, task.constraints, {
    count,
    seed: `${seed}:${task.id}`,
    maxLength,
    binarySearchTree: /binary search tree/i.test(task.description),
    description: task.description,
  });
  let pending: CaseInput[] = generator.generate(Math.ceil(count * oversample));
  const shapes = new Set(visible.map((v) => shapeOf(v.expected)));
  const cases: TestCase[] = [];
  let ms = 0;
  let rounds = 0;
  const limits = { timeoutMs: config.verify.oracleTimeoutMs, outputKb: config.verify.outputKb };
  for (; pending.length > 0 && cases.length < count && rounds < 4; rounds++) {
    const run = await runCases(sandbox, spec, program, pending, limits, signal);
    if (run.result.verdict === 'sandbox_error') throw new VerifySandboxError(run.result);
    ms += run.result.durationMs;
    const stop = run.outputs.findIndex((o) => o === undefined);
    const answered = stop < 0 ? run.outputs.length : stop;
    for (let i = 0; i < answered && cases.length < count; i++) {
      const expected = run.outputs[i]!;
      if (shapes.size === 1 && !shapes.has(shapeOf(expected))) continue;
      if (formatValue(expected).length > config.hidden.maxOutputChars) continue;
      cases.push({ input: pending[i]!, expected });
    }
    // The oracle stopped on input `stop`: drop it and go on with the ones after it.
    pending = stop < 0 ? [] : pending.slice(stop + 1);
  }
  if (rounds > 1 && cases.length > 0) {
    // Earlier rounds include time spent on dropped inputs (up to the time limit): time the kept
    // cases alone, so a candidate's limit is a multiple of the oracle's real time.
    const again = await runCases(sandbox, spec, program, cases.map((c) => c.input), limits, signal);
    if (again.result.verdict === 'pass') ms = again.result.durationMs;
  }
  return { cases, ms };
}
