import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import type { CompareOptions } from '../../verify/compare.js';
import type { CaseInput, TestCase, TestSpec } from '../harness/spec.js';
import { DesignSequenceGenerator, type DesignInput } from '../hidden/designSequences.js';
import { HiddenInputGenerator, type GeneratedInput, type ParamModel } from '../hidden/generate.js';
import { paramType } from '../hidden/valueType.js';
import { formatValue, type Value } from '../literal.js';
import type { Task } from '../task.js';
import { agreeing, answers, withinContract, type OracleProgram } from './oracles.js';

/** Where hidden inputs come from: a call's arguments, or a class's call sequences. */
export interface InputSource {
  generate(count: number, frozen: ReadonlySet<string>): GeneratedInput<CaseInput>[];
  /** Whether the oracle's answer keeps the statement's promises about answers (none: any answer). */
  answerKept?(answer: Value): boolean;
  /** The input and answer cut to the part the statement's promises allow (null: drop it). */
  trim?(input: CaseInput, answer: Value): { input: CaseInput; expected: Value } | null;
  /** Inputs one small edit away from `bases` (for answers random inputs never reach). */
  nearby?(count: number, bases: CaseInput[], frozen: ReadonlySet<string>): GeneratedInput<CaseInput>[];
}

type SourceTask = Pick<Task, 'id' | 'language' | 'description' | 'constraints'>;

/**
 * The input source of a task, from its call spec and its example inputs. `seedText` replaces the
 * hidden tests' seed (a search's own inputs must not be the hidden ones).
 */
export function inputSource(task: SourceTask, spec: TestSpec, exampleInputs: CaseInput[], config: TasksConfig, seedText?: string): InputSource {
  const { seed, maxLength, designMaxCalls } = config.hidden;
  const common = { seed: seedText ?? `${seed}:${task.id}`, maxLength, description: task.description };
  if (spec.mode === 'design') {
    return new DesignSequenceGenerator(task.language, spec, exampleInputs as DesignInput[], task.constraints, { ...common, maxCalls: designMaxCalls });
  }
  const examples = exampleInputs as Value[][];
  const params: ParamModel[] = spec.params.map((p, i) => ({
    name: p.name,
    type: paramType(task.language, p.type, p.name, examples.map((e) => e[i]!)),
    values: examples.map((e) => e[i]!),
  }));
  return new HiddenInputGenerator(params, task.constraints, {
    ...common,
    count: config.hidden.count,
    binarySearchTree: /binary search tree/i.test(task.description),
  });
}

/** The JSON kind of a result, to catch hidden inputs on which the oracle answers in another shape. */
function shapeOf(value: Value): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'bigint' ? 'number' : typeof value;
}

function trimmedCase(source: InputSource, input: CaseInput, answer: Value): { input: CaseInput; expected: Value } | null {
  return source.trim ? source.trim(input, answer) : { input, expected: answer };
}

/** Who answers generated inputs: the oracle (its answers are the expected ones) and the peers that must agree. */
export interface Judges {
  oracle: OracleProgram;
  peers: OracleProgram[];
  /** The visible cases: their answers' shape is the shape hidden answers must have. */
  visible: TestCase[];
  compare: CompareOptions;
  sandbox: Sandbox;
  config: TasksConfig;
  signal?: AbortSignal;
}

export interface HiddenCollection {
  cases: TestCase[];
  /** Inputs dropped because a peer oracle answered them otherwise (or failed on them). */
  peerDisagreements: number;
  /** Parameters frozen because changing them led the oracles to disagree. */
  frozenByPeers: string[];
}

/**
 * Hidden cases: generated inputs the oracle answers (in the same shape as on the examples, within
 * its time limit) and every usable peer oracle answers the same way. An input the oracle fails or
 * times out on is dropped and the rest rerun; where peers disagree, the input is dropped and the
 * parameters every disagreeing input changed are frozen for the inputs generated after.
 */
export async function collectHidden(
  source: InputSource,
  judges: Judges,
  /** A first batch the oracle already answered (in the run that answered the examples). */
  head?: { batch: GeneratedInput<CaseInput>[]; outputs: (Value | undefined)[] },
): Promise<HiddenCollection> {
  const { oracle, visible, sandbox, config, signal } = judges;
  const { count, oversample } = config.hidden;
  const result: HiddenCollection = { cases: [], peerDisagreements: 0, frozenByPeers: [] };
  if (count === 0) return result;
  const frozen = new Set<string>();
  const shapes = new Set(visible.map((v) => shapeOf(v.expected)));
  let pending = head ? head.batch : source.generate(Math.ceil(count * oversample), frozen);
  for (let rounds = 0; pending.length > 0 && result.cases.length < count && rounds < 6; rounds++) {
    const run = rounds === 0 && head ? { outputs: head.outputs } : await answers(sandbox, oracle, pending.map((p) => p.input), config, signal);
    const stop = run.outputs.findIndex((o) => o === undefined);
    const answered = stop < 0 ? run.outputs.length : stop;
    const fresh: (TestCase & { mutated: string[] })[] = [];
    for (let i = 0; i < answered; i++) {
      const trimmed = trimmedCase(source, pending[i]!.input, run.outputs[i]!);
      if (!trimmed) continue;
      const { input, expected } = trimmed;
      if (shapes.size === 1 && !shapes.has(shapeOf(expected))) continue;
      if (formatValue(expected).length > config.hidden.maxOutputChars) continue;
      if (source.answerKept && !source.answerKept(expected)) continue;
      if (!withinContract(input, expected, judges.compare)) continue;
      fresh.push({ input, expected, mutated: pending[i]!.mutated });
    }
    const kept = await vouchedByPeers(fresh, judges);
    result.peerDisagreements += fresh.length - kept.length;
    const disagreeing = fresh.filter((c) => !kept.includes(c));
    if (disagreeing.length > 0) {
      // What every disagreeing input changed is the likely culprit: keep it as in the examples.
      const culprits = disagreeing.map((c) => new Set(c.mutated)).reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
      for (const name of culprits) if (!frozen.has(name)) (frozen.add(name), result.frozenByPeers.push(name));
    }
    for (const c of kept) if (result.cases.length < count) result.cases.push({ input: c.input, expected: c.expected });
    // The oracle stopped on input `stop`: drop it and go on with the ones after it; then more.
    pending = stop < 0 ? [] : pending.slice(stop + 1);
    const missing = count - result.cases.length;
    if (pending.length === 0 && missing > 0 && rounds < 5) pending = source.generate(Math.ceil(missing * oversample), frozen);
  }
  await diversify(result, source, frozen, judges);
  return result;
}

/**
 * Where every hidden case got one answer (a `return True` would pass them all), looks near the
 * examples whose answer is another one for inputs that get it too, and lets them replace up to a
 * quarter of the cases. The examples are correct inputs, so small edits of them are the likeliest
 * inputs to keep the statement's promises and the other answer.
 */
async function diversify(result: HiddenCollection, source: InputSource, frozen: Set<string>, judges: Judges): Promise<void> {
  const { oracle, visible, sandbox, config, signal } = judges;
  if (!source.nearby || result.cases.length < 2) return;
  const answersSeen = new Set(result.cases.map((c) => formatValue(c.expected)));
  if (answersSeen.size >= 2) return;
  const dominant = [...answersSeen][0]!;
  const bases = visible.filter((v) => formatValue(v.expected) !== dominant).map((v) => v.input);
  const others: TestCase[] = [];
  const wanted = Math.max(2, Math.floor(result.cases.length / 4));
  for (let round = 0; round < 3 && others.length < wanted; round++) {
    const candidates = source.nearby(wanted * 4, bases.length ? bases : visible.map((v) => v.input), frozen);
    if (candidates.length === 0) break;
    const run = await answers(sandbox, oracle, candidates.map((c) => c.input), config, signal);
    const fresh = candidates.flatMap((c, i) => {
      const trimmed = run.outputs[i] === undefined ? null : trimmedCase(source, c.input, run.outputs[i]!);
      if (!trimmed) return [];
      const { input, expected } = trimmed;
      if (formatValue(expected) === dominant || formatValue(expected).length > config.hidden.maxOutputChars) return [];
      if (source.answerKept && !source.answerKept(expected)) return [];
      if (!withinContract(input, expected, judges.compare)) return [];
      return [{ input, expected, mutated: c.mutated }];
    });
    const kept = await vouchedByPeers(fresh, judges);
    result.peerDisagreements += fresh.length - kept.length;
    others.push(...kept.slice(0, wanted - others.length).map((c) => ({ input: c.input, expected: c.expected })));
  }
  // Added while there is room, else in place of the last cases of the dominant answer.
  const room = Math.max(0, config.hidden.count - result.cases.length);
  result.cases.push(...others.slice(0, room));
  const rest = others.slice(room);
  if (rest.length) result.cases.splice(result.cases.length - room - rest.length, rest.length, ...rest);
}

/**
 * The cases every peer answers as the oracle did (all of them when there is no peer). A peer that
 * fails on a case disagrees on it; it is run again on the cases after that one.
 */
async function vouchedByPeers<C extends TestCase>(cases: C[], { peers, compare, sandbox, config, signal }: Judges): Promise<C[]> {
  let kept = cases;
  for (const peer of peers) {
    const agreed: C[] = [];
    let rest = kept;
    for (let reruns = 0; rest.length > 0 && reruns < 6; reruns++) {
      const run = await answers(sandbox, peer, rest.map((c) => c.input), config, signal);
      const stop = run.outputs.findIndex((o) => o === undefined);
      const judged = stop < 0 ? rest : rest.slice(0, stop);
      const agrees = agreeing(run.outputs, judged, compare);
      agreed.push(...judged.filter((_, i) => agrees[i]));
      rest = stop < 0 ? [] : rest.slice(stop + 1);
    }
    kept = agreed;
  }
  return kept;
}
