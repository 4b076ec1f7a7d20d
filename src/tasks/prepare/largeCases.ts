import { createHash } from 'node:crypto';
import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import type { CompareOptions } from '../../verify/compare.js';
import type { CaseInput, TestCase, TestSpec } from '../harness/spec.js';
import { HiddenInputGenerator } from '../hidden/generate.js';
import { paramType } from '../hidden/valueType.js';
import { formatValue, type Value } from '../literal.js';
import type { Task } from '../task.js';
import { agreeing, answers, withinContract, type OracleProgram } from './oracles.js';

/**
 * Hidden inputs at or near the constraint maxima, as LeetCode's judge has them: a correct but
 * slow fix ends as `timeout` on them. They can weigh megabytes, so a task keeps how to make
 * them again (the generator's seed and settings) and each input's digest and expected answer;
 * judging regenerates them and refuses a digest that does not match (another generator version).
 */
export interface LargeTests {
  recipe: { seed: string; drawn: number; maxLength: number; maxElements: number; innerMaxLength: number };
  cases: { digest: string; expected: Value }[];
  /** The oracle's wall time over all of them: a candidate's limit is a multiple of it. */
  oracleMs: number;
}

export class LargeCasesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LargeCasesError';
  }
}

type LargeTask = Pick<Task, 'id' | 'language' | 'description' | 'constraints'> & { spec: TestSpec };

export const digestOf = (input: CaseInput) => createHash('sha256').update(formatValue(input as Value)).digest('hex').slice(0, 16);

function generatorFor(task: LargeTask, exampleInputs: CaseInput[], recipe: LargeTests['recipe']): HiddenInputGenerator | null {
  if (task.spec.mode !== 'call') return null;
  const examples = exampleInputs as Value[][];
  const params = task.spec.params.map((p, i) => ({ name: p.name, type: paramType(task.language, p.type, p.name, examples.map((e) => e[i]!)), values: examples.map((e) => e[i]!) }));
  return new HiddenInputGenerator(params, task.constraints, {
    count: recipe.drawn,
    seed: recipe.seed,
    maxLength: recipe.maxLength,
    binarySearchTree: /binary search tree/i.test(task.description),
    description: task.description,
    large: { maxElements: recipe.maxElements, innerMaxLength: recipe.innerMaxLength },
  });
}

/**
 * Large cases for a task: inputs near the maxima that the oracle answers within its limit (and
 * the peers alike, with answers short enough to keep). Null when the constraints allow nothing large.
 */
export async function collectLarge(
  task: LargeTask,
  exampleInputs: CaseInput[],
  oracle: OracleProgram,
  peers: OracleProgram[],
  compare: CompareOptions,
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<{ tests: LargeTests; cases: TestCase[] } | null> {
  const { count, maxElements, innerMaxLength, minLengthBound, minValueBound } = config.hidden.large;
  const recipe = { seed: `${config.hidden.seed}:${task.id}:large`, drawn: count, maxLength: maxElements, maxElements, innerMaxLength };
  const generator = generatorFor(task, exampleInputs, recipe);
  if (count === 0 || !generator || !generator.allowsLarge(minLengthBound, minValueBound)) return null;
  const inputs = generator.generate(count).map((g) => g.input);
  if (inputs.length === 0) return null;
  const run = await answers(sandbox, oracle, inputs, config, signal);
  let cases: TestCase[] = inputs.flatMap((input, i) => {
    const expected = run.outputs[i];
    return expected !== undefined && formatValue(expected).length <= config.hidden.maxOutputChars && generator.answerKept(expected) && withinContract(input, expected, compare) ? [{ input, expected }] : [];
  });
  for (const peer of peers) {
    if (cases.length === 0) break;
    const check = await answers(sandbox, peer, cases.map((c) => c.input), config, signal);
    const agrees = agreeing(check.outputs, cases, compare);
    cases = cases.filter((_, i) => agrees[i]);
  }
  if (cases.length === 0) return null;
  // Timed alone when the first run included inputs the oracle failed on or that were dropped.
  const timed = cases.length === inputs.length ? run : await answers(sandbox, oracle, cases.map((c) => c.input), config, signal);
  return {
    tests: { recipe: { ...recipe, drawn: inputs.length }, cases: cases.map((c) => ({ digest: digestOf(c.input), expected: c.expected })), oracleMs: timed.ms },
    cases,
  };
}

const cache = new Map<string, TestCase[]>();
const CACHE_SIZE = 8;

/** The large cases of a prepared task, regenerated (and kept for the next few calls). */
export function materializeLarge(task: LargeTask & { large: LargeTests | null; visible: TestCase[] }): TestCase[] {
  if (!task.large) return [];
  const key = `${task.id}\0${task.large.recipe.seed}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const generator = generatorFor(task, task.visible.map((c) => c.input), task.large.recipe);
  const drawn = generator ? generator.generate(task.large.recipe.drawn).map((g) => g.input) : [];
  const byDigest = new Map(drawn.map((input) => [digestOf(input), input]));
  const cases = task.large.cases.map(({ digest, expected }) => {
    const input = byDigest.get(digest);
    if (!input) {
      throw new LargeCasesError(`task ${task.id}: its large hidden inputs cannot be made again (digest ${digest} not reproduced). HINT: the tasks file was prepared by another codeq version; run codeq data prepare again`);
    }
    return { input, expected };
  });
  cache.set(key, cases);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return cases;
}
