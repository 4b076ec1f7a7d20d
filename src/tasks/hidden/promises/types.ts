import type { Random } from '../../../util/random.js';
import type { Value } from '../../literal.js';
import type { Constraints } from '../constraints.js';
import type { VType } from '../valueType.js';

/**
 * A promise of the statement that a generator keeps by construction ("inorder is the inorder
 * traversal of the tree", "the graph is acyclic", "there is exactly one '@' in the grid"): the
 * lines it keeps no longer freeze the parameters they mention, and it builds those parameters'
 * values whole (or checks inputs) so every input is one the statement allows.
 */
export interface KeptPromise {
  /** What it keeps, for reports and tests. */
  name: string;
  /** Constraint lines it keeps (as parseConstraints sees them: trimmed, without the final period). */
  lines: string[];
  /** Parameters whose values it builds; the generic mutation leaves them alone. */
  builds: string[];
  /** Builds the values of `builds` in `input`; false: none this time. */
  build?(input: Value[], at: BuildContext): boolean;
  /**
   * Built from other parameters' final values (a subset of a list, an anagram of a string), so
   * after they change; otherwise built first, and the others are fitted to it (`price.length == n`).
   */
  dependent?: boolean;
  /** A check every input must pass (rejection). */
  holds?(input: Value[]): boolean;
  /** A check the oracle's answer must pass ("the answer is guaranteed to fit in a 32-bit integer"). */
  answerHolds?(answer: Value): boolean;
}

export interface PromiseParam {
  name: string;
  type: VType;
  values: Value[];
}

/** What a recipe reads to decide whether it applies. */
export interface PromiseContext {
  params: PromiseParam[];
  /** The constraint lines (trimmed, without the final period). */
  lines: string[];
  description: string;
  constraints: Constraints;
}

/** What a builder draws from: the generator's random numbers and the ranges the constraints give. */
export interface BuildContext {
  rng: Random;
  /** A length for `name` (at `depth` of nesting) within its bounds and the generator's cap. */
  length(name: string, depth?: number): number;
  /** The value range of the elements of `name` at `depth` (0 = the value itself). */
  valueRange(name: string, depth?: number): { lo: number; hi: number; typicalHi: number };
  /** The longest list or string generated. */
  maxLength: number;
}

export type PromiseRecipe = (context: PromiseContext) => KeptPromise | null;

/** Lines of `context` matching `pattern`. */
export function linesMatching(context: PromiseContext, pattern: RegExp): string[] {
  return context.lines.filter((line) => pattern.test(line));
}

export function paramNamed(context: PromiseContext, name: string): PromiseParam | undefined {
  return context.params.find((p) => p.name === name);
}

export function indexOf(context: PromiseContext, name: string): number {
  return context.params.findIndex((p) => p.name === name);
}

/** Shuffles a copy. */
export function shuffled<T>(rng: Random, items: readonly T[]): T[] {
  return rng.shuffle([...items]);
}
