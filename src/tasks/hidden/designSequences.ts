import type { Language } from '../../sandbox/types.js';
import { Random } from '../../util/random.js';
import type { DesignSpec } from '../harness/spec.js';
import { formatValue, type Value } from '../literal.js';
import { HiddenInputGenerator, type GeneratedInput } from './generate.js';
import { paramType } from './valueType.js';

/**
 * Hidden tests for class-design problems: call sequences of the same methods. Arguments come
 * from a per-method generator that knows each parameter's type (declared, or from the examples)
 * and the bounds the constraints give it by name (`0 <= key <= 10^4`). Where the statement
 * promises something about the calls ("all the calls to pop are valid", "at least k elements
 * when you search", "currentTime is strictly increasing"), sequences keep an example's calls in
 * order (a prefix of it, arguments changed): a prefix of a valid sequence is valid. Otherwise
 * methods are drawn at random, as often as the examples call them.
 *
 * Iterators (a `hasNext`-like method beside the others) that promise valid calls ("next() calls
 * will always be valid") cannot keep that promise by order alone once the constructor's argument
 * changes (a smaller tree has fewer elements): their sequences ask the guard before every other
 * call without arguments, and `trim` cuts a sequence after the guard first answers false.
 */
export interface DesignInput {
  calls: string[];
  args: Value[][];
}

export interface DesignGenerateOptions {
  seed: string;
  /** Most method calls in one sequence (the constructor not counted). */
  maxCalls: number;
  maxLength: number;
  description: string;
}

/** Lines that promise something about which calls may come when. */
const CALL_PROMISE = /\bvalid\b|guarantee|at least|non-?empty|will exist|\bexists?\b|before calling|when .*\bcall|strictly (?:increasing|decreasing)|\bunique\b|\bdistinct\b/i;

export class DesignSequenceGenerator {
  private readonly rng: Random;
  private readonly argGenerators = new Map<string, HiddenInputGenerator>();
  private readonly weights: { name: string; count: number }[];
  /** The calls must keep an example's order (see CALL_PROMISE). */
  readonly ordered: boolean;
  private readonly seen: Set<string>;
  /** The iterator's guard (`hasNext`) when the statement promises valid calls; see `trim`. */
  readonly guard: string | null;

  constructor(
    private readonly language: Language,
    private readonly spec: DesignSpec,
    private readonly examples: DesignInput[],
    constraintsText: string,
    private readonly options: DesignGenerateOptions,
  ) {
    this.rng = new Random(options.seed);
    const methods = [{ name: spec.className, params: spec.constructorParams }, ...spec.methods];
    for (const method of methods) {
      const observed = examples.flatMap((e) => e.calls.flatMap((call, k) => (call === method.name ? [e.args[k] ?? []] : [])));
      if (method.params.length === 0 || observed.length === 0) continue;
      const params = method.params.map((p, i) => {
        const values = observed.map((args) => args[i] ?? null);
        return { name: p.name, type: paramType(language, p.type, p.name, values), values };
      });
      this.argGenerators.set(
        method.name,
        new HiddenInputGenerator(params, constraintsText, {
          count: 1,
          seed: `${options.seed}:${method.name}`,
          maxLength: options.maxLength,
          binarySearchTree: /binary search tree/i.test(options.description),
          description: options.description,
        }),
      );
    }
    const counts = new Map<string, number>();
    for (const e of examples) for (const call of e.calls.slice(1)) counts.set(call, (counts.get(call) ?? 0) + 1);
    this.weights = spec.methods.map((m) => ({ name: m.name, count: (counts.get(m.name) ?? 0) + 1 }));
    const names = methods.map((m) => m.name);
    const aboutCalls = (line: string) => /\bcalls?\b|\bcalled\b|\bqueries\b/i.test(line) || names.some((n) => new RegExp(`\\b${n}\\b`).test(line));
    this.ordered = constraintsText.split('\n').some((line) => CALL_PROMISE.test(line) && (aboutCalls(line) || this.mentionsArgument(line)));
    this.seen = new Set(examples.map((e) => formatValue([e.calls, e.args] as Value)));
    // An iterator's promise usually sits in the statement ("You may assume that next() calls will always be valid.").
    const guards = spec.methods.filter((m) => /^has[A-Z]/.test(m.name) && m.params.length === 0);
    const promised = `${options.description}\n${constraintsText}`.split(/\n|(?<=\.)\s+/).some((sentence) => CALL_PROMISE.test(sentence) && aboutCalls(sentence));
    this.guard = guards.length === 1 && promised ? guards[0]!.name : null;
  }

  /**
   * The sequence and its oracle answer cut before the first call after the guard answered false
   * (only the guard may be asked again then); null when nothing but the constructor is left.
   */
  trim(input: DesignInput, answer: Value): { input: DesignInput; expected: Value } | null {
    if (!this.guard || !Array.isArray(answer)) return { input, expected: answer };
    const exhausted = input.calls.findIndex((call, k) => call === this.guard && answer[k] === false);
    if (exhausted < 0) return { input, expected: answer };
    const after = input.calls.findIndex((call, k) => k > exhausted && call !== this.guard);
    if (after < 0) return { input, expected: answer };
    if (after <= 1) return null;
    return { input: { calls: input.calls.slice(0, after), args: input.args.slice(0, after) }, expected: answer.slice(0, after) };
  }

  /**
   * The guard asked before every other call without arguments (see `trim`), and no more of those
   * calls than the constructor's arguments hold values: an oracle that throws on an exhausted
   * iterator answers nothing for the whole sequence, so `trim` alone cannot save it.
   */
  private guarded(input: DesignInput): DesignInput {
    if (!this.guard) return input;
    const calls: string[] = [];
    const args: Value[][] = [];
    let room = countValues((input.args[0] ?? []) as Value);
    input.calls.forEach((call, k) => {
      const plain = k > 0 && call !== this.guard && (input.args[k] ?? []).length === 0;
      if (plain && room-- <= 0) return;
      if (plain && calls[calls.length - 1] !== this.guard) (calls.push(this.guard!), args.push([]));
      calls.push(call);
      args.push(input.args[k] ?? []);
    });
    return { calls, args };
  }

  private mentionsArgument(line: string): boolean {
    return [...this.spec.constructorParams, ...this.spec.methods.flatMap((m) => m.params)].some((p) => new RegExp(`\\b${p.name}\\b`).test(line));
  }

  /** Up to `count` new sequences (none equal to an example or an earlier one); `frozen` names methods not to call with new arguments. */
  generate(count: number, frozen: ReadonlySet<string> = new Set()): GeneratedInput<DesignInput>[] {
    const out: GeneratedInput<DesignInput>[] = [];
    if (this.examples.length === 0) return out;
    for (let attempt = 0; out.length < count && attempt < count * 40; attempt++) {
      const candidate = this.ordered || this.rng.chance(0.3) ? this.alongExample(frozen) : this.randomSequence(frozen);
      if (!candidate) continue;
      candidate.input = this.guarded(candidate.input);
      const key = formatValue([candidate.input.calls, candidate.input.args] as Value);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      out.push(candidate);
    }
    return out;
  }

  /** New arguments for one call (the example's when its method is frozen or has no generator). */
  private argsFor(method: string, base: Value[], frozen: ReadonlySet<string>, mutated: Set<string>): Value[] {
    const generator = this.argGenerators.get(method);
    if (!generator || frozen.has(method) || !this.rng.chance(0.7)) return base.map((v) => structuredClone(v));
    const variant = generator.variant(base);
    if (!variant) return base.map((v) => structuredClone(v));
    mutated.add(method);
    return variant.input;
  }

  /** An example's calls in order, cut after a random call, with new arguments. */
  private alongExample(frozen: ReadonlySet<string>): { input: DesignInput; mutated: string[] } | null {
    const example = this.rng.pick(this.examples);
    const length = this.rng.int(Math.min(2, example.calls.length), example.calls.length);
    const mutated = new Set<string>();
    const calls = example.calls.slice(0, length);
    const args = calls.map((call, k) => this.argsFor(call, example.args[k] ?? [], frozen, mutated));
    return { input: { calls, args }, mutated: [...mutated] };
  }

  /** The constructor, then methods drawn as often as the examples call them, with new arguments. */
  private randomSequence(frozen: ReadonlySet<string>): { input: DesignInput; mutated: string[] } | null {
    const example = this.rng.pick(this.examples);
    const mutated = new Set<string>();
    const calls = [example.calls[0]!];
    const args = [this.argsFor(example.calls[0]!, example.args[0] ?? [], frozen, mutated)];
    const total = this.weights.reduce((n, w) => n + w.count, 0);
    const length = this.rng.int(1, this.options.maxCalls);
    for (let k = 0; k < length; k++) {
      let draw = this.rng.next() * total;
      const method = this.weights.find((w) => (draw -= w.count) < 0)?.name ?? this.weights[0]!.name;
      const observed = this.examples.flatMap((e) => e.calls.flatMap((call, i) => (call === method ? [e.args[i] ?? []] : [])));
      const base = observed.length ? this.rng.pick(observed) : [];
      if (!observed.length && (this.spec.methods.find((m) => m.name === method)?.params.length ?? 0) > 0) continue;
      calls.push(method);
      args.push(this.argsFor(method, base, frozen, mutated));
    }
    return calls.length > 1 ? { input: { calls, args }, mutated: [...mutated] } : null;
  }
}

/** The non-null scalars in a value (a tree's nodes, a nested list's integers, a string's characters). */
function countValues(value: Value): number {
  if (value === null) return 0;
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countValues(v), 0);
  return typeof value === 'string' ? value.length : 1;
}
