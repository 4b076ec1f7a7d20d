import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import { answerChecker } from '../../verify/answerCheckers.js';
import { acceptable, type CompareOptions } from '../../verify/compare.js';
import type { VisibleOnlyReason } from '../../verify/verdicts.js';
import { ExampleError, parseExample, type Example } from '../examples.js';
import { deriveSpec } from '../harness/deriveSpec.js';
import { driverProgram } from '../harness/index.js';
import type { CaseInput, TestCase, TestSpec } from '../harness/spec.js';
import { formatValue } from '../literal.js';
import { SignatureError } from '../signatures/types.js';
import type { Task } from '../task.js';
import { answerForm } from './answerForms.js';
import { collectHidden, inputSource } from './hiddenCases.js';
import { collectLarge, type LargeTests } from './largeCases.js';
import { agreeing, answers, usablePeers, type OracleProgram, type PeerOracle } from './oracles.js';

/** A task's tests: how to call its programs, and the oracle's answers on visible and hidden inputs. */
export interface TaskTests {
  spec: TestSpec;
  compare: CompareOptions;
  visible: TestCase[];
  hidden: TestCase[];
  oracleMs: { visible: number; hidden: number };
  exampleDisagreements: number[];
  visibleOnly: VisibleOnlyReason | null;
  /** How the hidden inputs were checked against other correct solutions. */
  peers: { used: number; disagreements: number; frozen: string[] };
  /** Inputs near the constraint maxima (null: none), and the cases themselves while they are in memory. */
  large: LargeTests | null;
  largeCases: TestCase[];
}

export const BUILD_FAILURES = ['oracle-wrong-language', 'examples-unparsable', 'unsupported-signature', 'oracle-fails'] as const;
export type BuildFailure = (typeof BUILD_FAILURES)[number];

export type TestSource = Pick<Task, 'id' | 'language' | 'slug' | 'description' | 'constraints' | 'examples' | 'oracleCode'> & {
  /** Other correct solutions of the problem, to validate hidden inputs with (none: not validated). */
  peers?: PeerOracle[];
};

/** Some DebugBench C++ and Java records carry a Python oracle: no driver of theirs can run it. */
export function writtenInPython(code: string): boolean {
  return /^\s*class\s+\w+\s*(\([\w.]*\))?\s*:\s*$/m.test(code) && /^\s+def\s+\w+\s*\(\s*self\b/m.test(code);
}

/** Why a task's hidden tests cannot vouch for a pass, from what they hold (null: they can). */
export function hiddenWeakness(hidden: TestCase[]): VisibleOnlyReason | null {
  if (hidden.length === 0) return 'no_hidden';
  return new Set(hidden.map((c) => formatValue(c.expected))).size < 2 ? 'one_hidden_output' : null;
}

/**
 * Builds a task's tests: parse the examples, derive the call, run the oracle on the examples (its
 * results are the expected outputs, and the stated outputs tell what else is accepted), generate
 * hidden inputs that the oracle and every usable peer answer alike, and run the oracle again under
 * another seed to find answers that are random by design. Returns why not when the task cannot be
 * tested at all.
 */
export async function buildTests(
  task: TestSource,
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<{ ok: true; tests: TaskTests } | { ok: false; reason: BuildFailure; detail: string }> {
  if (writtenInPython(task.oracleCode) && task.language !== 'python3') {
    return { ok: false, reason: 'oracle-wrong-language', detail: `the ${task.language} record's oracle is Python code` };
  }
  let spec: TestSpec;
  let inputs: CaseInput[];
  let examples: Example[];
  let oracle: OracleProgram;
  try {
    if (task.examples.length === 0) throw new ExampleError('the record has no examples');
    examples = task.examples.map(parseExample);
    ({ spec, inputs } = deriveSpec(task.language, task.oracleCode, examples, task.slug));
    oracle = { language: task.language, spec, program: driverProgram(spec, task.oracleCode) }; // throws on types no driver can build
  } catch (error) {
    if (error instanceof ExampleError) return { ok: false, reason: 'examples-unparsable', detail: error.message };
    if (error instanceof SignatureError) return { ok: false, reason: 'unsupported-signature', detail: error.message };
    throw error;
  }
  // One run answers the examples and the first batch of hidden inputs (one start-up, not two).
  const source = inputSource(task, spec, inputs, config);
  const batch = config.hidden.count > 0 ? source.generate(Math.ceil(config.hidden.count * config.hidden.oversample), new Set()) : [];
  const first = await answers(sandbox, oracle, [...inputs, ...batch.map((b) => b.input)], config, signal);
  const missing = first.outputs.slice(0, inputs.length).findIndex((o) => o === undefined);
  if (missing >= 0) return { ok: false, reason: 'oracle-fails', detail: `${first.why} at example ${missing + 1}` };
  const tolerance = config.verify.tolerance;
  const form = answerForm(task.description, examples.map((e, i) => ({ oracle: first.outputs[i]!, stated: e.output })), tolerance);
  // Several valid answers: a checker judges them where the problem has one (then hidden tests
  // judge too); otherwise the example's stated answer is accepted as well, on visible tests only.
  // A checker is used only when it accepts the oracle's answer and the stated one on every example.
  const check = form.multiAnswer ? answerChecker(task.slug) : undefined;
  const checkerFits = check !== undefined && inputs.every((input, i) => [first.outputs[i]!, examples[i]!.output ?? first.outputs[i]!].every((answer) => check(input, answer)));
  const checker = checkerFits ? task.slug : undefined;
  const multiAnswer = form.multiAnswer && !checker;
  const compare: CompareOptions = { tolerance, orderFreeLevels: form.orderFreeLevels, ...(checker ? { checker } : {}) };
  const visible: TestCase[] = inputs.map((input, i) => {
    const stated = examples[i]!.output;
    const other = multiAnswer && stated !== undefined && !acceptable(stated, first.outputs[i]!, compare, input);
    return { input, expected: first.outputs[i]!, ...(other ? { alsoAccepted: [stated] } : {}) };
  });

  const peers = config.hidden.peerOracles ? await usablePeers(task.slug, spec, task.peers ?? [], visible, compare, sandbox, config, signal) : [];
  const collected = await collectHidden(source, { oracle, peers, visible, compare, sandbox, config, ...(signal ? { signal } : {}) }, { batch, outputs: first.outputs.slice(inputs.length) });
  const hidden = collected.cases;
  const large = await collectLarge({ ...task, spec }, inputs, oracle, peers, compare, sandbox, config, signal);

  // Under another seed (and, for Python, another hash seed: each process draws its own) a
  // deterministic oracle answers every case the same way. The run also times the oracle on the
  // cases kept, visible and hidden together: both limits are multiples of that (an upper bound
  // of either part's time; the floor minTimeoutMs is usually larger anyway).
  const all = [...visible, ...hidden];
  const again = await answers(sandbox, oracle, all.map((c) => c.input), config, signal, 1);
  const repeatable = again.passed && agreeing(again.outputs, all, compare).every(Boolean);

  const visibleOnly: VisibleOnlyReason | null = multiAnswer ? 'multi_answer' : !repeatable ? 'nondeterministic' : hiddenWeakness(hidden);
  return {
    ok: true,
    tests: {
      spec,
      compare,
      visible,
      hidden,
      oracleMs: { visible: again.ms, hidden: hidden.length ? again.ms : 0 },
      exampleDisagreements: form.unexplained,
      visibleOnly,
      peers: { used: peers.length, disagreements: collected.peerDisagreements, frozen: collected.frozenByPeers },
      large: large?.tests ?? null,
      largeCases: large?.cases ?? [],
    },
  };
}
