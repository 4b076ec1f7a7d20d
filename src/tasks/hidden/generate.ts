import { formatValue, type Value } from '../literal.js';
import { constraintLines, NODE, parseConstraints, refKey, type Bound, type Constraints, type Ref, type Relation } from './constraints.js';
import { Random } from '../../util/random.js';
import type { VType } from './valueType.js';
import { keptPromises } from './promises/index.js';
import type { BuildContext, KeptPromise } from './promises/types.js';
import { repairShapes, shapesHold } from './shapeRules.js';
import { nearbyInput } from './nearby.js';

/**
 * Hidden test inputs by type-aware mutation of the example inputs. Every input respects what the
 * constraints text says (ranges, lengths, alphabets, uniqueness, order, relations such as
 * `k <= nums.length`) and what all examples share (sortedness, uniqueness, value sets, shapes,
 * relations between sizes), so the oracle's answer on it is the problem's answer, not an
 * accident of an out-of-contract input. Deterministic for a seed.
 */
export interface ParamModel {
  name: string;
  type: VType;
  /** This parameter's value in each example. */
  values: Value[];
}

export interface GenerateOptions {
  count: number;
  seed: string;
  /** Longest list or string generated (constraints may allow far more; the oracle must stay fast). */
  maxLength: number;
  /** The problem is about binary search trees: generate valid ones. */
  binarySearchTree: boolean;
  /** The problem statement (names the fields of rows: `edges[i] = [fromi, toi]`). */
  description: string;
  /**
   * Inputs at or near the constraint maxima (for complexity bugs): outer lengths from 80% of
   * their bound up, nested lists and strings inside them as usual (at most `innerMaxLength`),
   * at most `maxElements` values in all, integers anywhere in their range.
   */
  large?: { maxElements: number; innerMaxLength: number };
}

interface Flags {
  sorted?: 'asc' | 'desc';
  unique: boolean;
  /** Few distinct element values in every example and no range in the constraints: keep to them. */
  elementSet?: Value[];
  /** The characters strings and chars are drawn from (split once: drawn from per character). */
  alphabet?: string[];
  rectangular: boolean;
  square: boolean;
  /** Every row of every example has this length (tuples such as [from, to, weight]): keep it. */
  fixedWidth?: number;
  noLeadingZero: boolean;
}

type Input = Value[];

/** A generated input and the parameters it changed from the example it came from. */
export interface GeneratedInput<I = Value[]> {
  input: I;
  /** Parameters (for call sequences: methods) whose values are not the example's. */
  mutated: string[];
}
/** Where a value sits in its parameter: `name`, nesting depth, and a grid's row width for its rows. */
type Position = { name: string; depth: number; rowLength?: number };
const MAX_ATTEMPTS_PER_INPUT = 40;
/** A large input costs ~10^5 values: few tries, then none (a promise random values rarely keep). */
const MAX_ATTEMPTS_PER_LARGE_INPUT = 4;
const DEFAULT_CHARS = [...'abc'];
const STRING_CHARS = [...'ab'];

const isNumber = (v: Value): v is number => typeof v === 'number';

/** Every value a ref denotes in one input (a scalar gives one, `nums[i]` gives all elements). */
function evaluate(ref: Ref, params: ParamModel[], input: Input): number[] | null {
  const index = ref.name === NODE ? params.findIndex((p) => p.type.kind === 'tree' || p.type.kind === 'linkedlist') : params.findIndex((p) => p.name === ref.name);
  if (index < 0) return null;
  let level: Value[] = [input[index]!];
  const depth = ref.name === NODE ? 1 : ref.depth;
  for (let d = 0; d < depth; d++) {
    level = level.flatMap((v) => (Array.isArray(v) ? v : typeof v === 'string' ? [...v] : []));
  }
  if (ref.name === NODE) level = level.filter((v) => v !== null);
  if (ref.field !== undefined) level = [input[index]!].flatMap((rows) => (Array.isArray(rows) ? rows : [])).map((row) => (Array.isArray(row) ? (row[ref.field!] ?? null) : null));
  if (ref.prop === 'length') return level.map((v) => (Array.isArray(v) || typeof v === 'string' ? v.length : NaN));
  // Only numbers are compared; strings and nulls read as NaN and are skipped by the checks.
  return level.map((v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN));
}

function holds(values: number[], bound: Bound): boolean {
  return values.every((v) => Number.isNaN(v) || ((bound.lo === undefined || v >= bound.lo) && (bound.hi === undefined || v <= bound.hi)));
}

function compare(a: number, op: Relation['op'], b: number): boolean {
  return op === '==' ? a === b : op === '!=' ? a !== b : op === '<=' ? a <= b : a < b;
}

/** A relation over one input: scalar with scalar, every value against a scalar, or row by row. */
function relationHolds(a: number[], op: Relation['op'], b: number[]): boolean {
  const valid = (v: number) => !Number.isNaN(v);
  if (a.length === 1 || b.length === 1 || a.length === b.length) {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[a.length === 1 ? 0 : i]!;
      const y = b[b.length === 1 ? 0 : i]!;
      if (x !== undefined && y !== undefined && valid(x) && valid(y) && !compare(x, op, y)) return false;
    }
  }
  return true;
}

/** Single-valued refs of each parameter that relations may tie together. */
function scalarRefs(params: ParamModel[]): Ref[] {
  const refs: Ref[] = [];
  for (const p of params) {
    if (p.type.kind === 'int') refs.push({ name: p.name, depth: 0, prop: 'value' });
    if (p.type.kind === 'list' || p.type.kind === 'string' || p.type.kind === 'linkedlist') refs.push({ name: p.name, depth: 0, prop: 'length' });
  }
  return refs;
}

/** Relations between sizes and integers that hold in every example. */
function inferredRelations(params: ParamModel[], examples: Input[]): Relation[] {
  const refs = scalarRefs(params);
  const relations: Relation[] = [];
  const single = (ref: Ref, input: Input) => {
    const values = evaluate(ref, params, input);
    return values && values.length === 1 && !Number.isNaN(values[0]) ? values[0]! : null;
  };
  for (const left of refs) {
    for (const right of refs) {
      if (left === right) continue;
      const pairs = examples.map((e) => [single(left, e), single(right, e)] as const);
      if (pairs.some(([a, b]) => a === null || b === null)) continue;
      if (pairs.every(([a, b]) => a === b)) {
        if (refKey(left) < refKey(right)) relations.push({ left, op: '==', right });
      } else if (pairs.every(([a, b]) => a! <= b!)) relations.push({ left, op: '<=', right });
    }
  }
  return relations;
}

function observedElements(value: Value, depth: number): Value[] {
  let level: Value[] = [value];
  for (let d = 0; d < depth; d++) level = level.flatMap((v) => (Array.isArray(v) ? v : []));
  return level;
}

function inferFlags(param: ParamModel, constraints: Constraints): Flags {
  const lists = param.values.filter((v): v is Value[] => Array.isArray(v));
  const strings = param.values.filter((v): v is string => typeof v === 'string');
  const leafDepth = param.type.kind === 'list' && param.type.of.kind === 'list' ? 2 : 1;
  const leaves = param.values.flatMap((v) => observedElements(v, leafDepth));
  const inOrder = (l: Value[], ok: (a: number, b: number) => boolean) =>
    l.every((x, i) => {
      const previous = l[i - 1];
      return i === 0 || !isNumber(x) || previous === undefined || !isNumber(previous) || ok(previous, x);
    });
  const ascending = (l: Value[]) => inOrder(l, (a, b) => a <= b);
  const descending = (l: Value[]) => inOrder(l, (a, b) => a >= b);
  const flat = lists.filter((l) => l.every((x) => !Array.isArray(x)));
  const longEnough = flat.some((l) => l.length >= 3);
  const distinctLeaves = new Map(leaves.filter((v) => v !== null).map((v) => [formatValue(v), v]));
  const hasElementBound = [...constraints.bounds.values()].some(({ ref }) => ref.name === param.name && ref.depth > 0 && ref.prop === 'value');
  const rows = lists.filter((l) => l.every(Array.isArray)) as Value[][][];
  const widths = new Set(rows.flat().map((row) => row.length));
  const seenCharacters = [...new Set([...strings.join(''), ...leaves.filter((v): v is string => typeof v === 'string').join('')])].join('');
  const alphabet = constraints.alphabets.get(param.name) ?? seenCharacters;
  return {
    sorted: constraints.sorted.get(param.name) ?? (longEnough && flat.length === lists.length ? (flat.every(ascending) ? 'asc' : flat.every(descending) ? 'desc' : undefined) : undefined),
    unique:
      constraints.unique.has(param.name) ||
      (longEnough && flat.length === lists.length && flat.every((l) => new Set(l.map((x) => formatValue(x))).size === l.length)),
    ...(constraints.elementValues.has(param.name)
      ? { elementSet: constraints.elementValues.get(param.name)! }
      : !hasElementBound && distinctLeaves.size > 0 && distinctLeaves.size <= 3 && leaves.length >= 4
        ? { elementSet: [...distinctLeaves.values()] }
        : {}),
    ...(alphabet ? { alphabet: [...alphabet] } : {}),
    rectangular: rows.length > 0 && rows.length === lists.length && rows.every((m) => m.every((r) => r.length === (m[0]?.length ?? 0))),
    ...(widths.size === 1 && rows.flat().length >= 2 ? { fixedWidth: [...widths][0]! } : {}),
    square: rows.length > 0 && rows.every((m) => m.length === (m[0]?.length ?? -1)),
    noLeadingZero:
      constraints.noLeadingZeros.has(param.name) || (strings.length > 0 && strings.every((s) => /^\d+$/.test(s) && (s.length === 1 || s[0] !== '0'))),
  };
}

/** The generator for one task. */
export class HiddenInputGenerator implements BuildContext {
  readonly rng: Random;
  private readonly constraints: Constraints;
  private readonly relations: Relation[];
  private readonly flags: Map<string, Flags>;
  private readonly examples: Input[];
  /** Inputs given so far (and the examples): never given again. */
  private readonly seen: Set<string>;
  /** Promises kept by construction (see promises/). */
  readonly promises: KeptPromise[];
  /** Parameters no input may change: named by prose no promise keeps. */
  readonly frozen: ReadonlySet<string>;
  private readonly built: ReadonlySet<string>;

  constructor(
    private readonly params: ParamModel[],
    constraintsText: string,
    private readonly options: GenerateOptions,
  ) {
    this.rng = new Random(options.seed);
    this.constraints = parseConstraints(constraintsText, params.map((p) => p.name), options.description);
    this.examples = params[0] ? params[0].values.map((_, e) => params.map((p) => p.values[e]!)) : [];
    this.relations = [...this.constraints.relations, ...inferredRelations(params, this.examples)];
    this.flags = new Map(params.map((p) => [p.name, inferFlags(p, this.constraints)]));
    this.seen = new Set(this.examples.map((e) => formatValue(e)));
    this.promises = keptPromises({ params, lines: constraintLines(constraintsText), description: options.description, constraints: this.constraints });
    const kept = new Set(this.promises.flatMap((p) => p.lines));
    this.frozen = new Set(this.constraints.prose.filter((p) => !kept.has(p.line)).flatMap((p) => p.names));
    this.built = new Set(this.promises.flatMap((p) => p.builds));
  }

  get maxLength(): number {
    return this.options.maxLength;
  }

  /** BuildContext: a length within the bounds of `name` at `depth`. */
  length(name: string, depth = 0): number {
    if (this.options.large) return this.largeLength({ name, depth, prop: 'length' });
    const { lo, hi } = this.range({ name, depth, prop: 'length' });
    return this.rng.int(lo, hi);
  }

  /** BuildContext: the range of the values of `name` at `depth`. */
  valueRange(name: string, depth = 0): { lo: number; hi: number; typicalHi: number } {
    return this.range({ name, depth, prop: 'value' });
  }

  /**
   * Whether the constraints allow inputs large enough to tell an efficient solution from a slow
   * one: an outer length bound or an integer bound of a parameter at least these.
   */
  allowsLarge(minLength: number, minValue: number): boolean {
    return [...this.constraints.bounds.values()].some(({ ref, bound }) => {
      const param = this.params.find((p) => p.name === ref.name);
      if (!param || ref.depth !== 0 || bound.hi === undefined) return false;
      return ref.prop === 'length' ? bound.hi >= minLength : param.type.kind === 'int' && bound.hi >= minValue;
    }) || [this.constraints.nodeCount.tree, this.constraints.nodeCount.list].some((count, i) => (count?.hi ?? 0) >= minLength && this.params.some((p) => p.type.kind === (i === 0 ? 'tree' : 'linkedlist')));
  }

  /** Whether an answer of the oracle keeps every promise about answers. */
  answerKept(answer: Value): boolean {
    return this.promises.every((p) => !p.answerHolds || p.answerHolds(answer));
  }

  /** Promises that build values this time (none of what they build is frozen). */
  private builders(frozen: ReadonlySet<string>): KeptPromise[] {
    return this.promises.filter((p) => p.build && !p.builds.some((b) => this.frozen.has(b) || frozen.has(b)));
  }

  private mutableIndices(frozen: ReadonlySet<string>): number[] {
    return this.params.flatMap((p, i) => (this.frozen.has(p.name) || frozen.has(p.name) || this.built.has(p.name) ? [] : [i]));
  }

  private get attemptsPerInput(): number {
    return this.options.large ? MAX_ATTEMPTS_PER_LARGE_INPUT : MAX_ATTEMPTS_PER_INPUT;
  }

  /**
   * Up to `count` new inputs, none equal to an example or to any input this generator gave
   * before; `frozen` adds parameters not to change (ones that led the oracles to disagree).
   */
  generate(count = this.options.count, frozen: ReadonlySet<string> = new Set()): GeneratedInput[] {
    const inputs: GeneratedInput[] = [];
    const mutable = this.mutableIndices(frozen);
    const builders = this.builders(frozen);
    if (this.examples.length === 0 || (mutable.length === 0 && builders.length === 0) || this.params.some((p) => p.type.kind === 'unknown')) return inputs;
    for (let attempt = 0; inputs.length < count && attempt < count * this.attemptsPerInput; attempt++) {
      const base = this.examples[attempt % this.examples.length]!;
      const candidate = this.mutate(base, mutable, builders);
      if (!candidate) continue;
      const key = formatValue(candidate.input);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      inputs.push(candidate);
    }
    return inputs;
  }

  /**
   * Up to `count` new inputs one small edit away from `bases` (examples whose answer the other
   * hidden inputs never gave), for problems whose random inputs all get the same answer.
   */
  nearby(count: number, bases: Input[], frozen: ReadonlySet<string> = new Set()): GeneratedInput[] {
    const out: GeneratedInput[] = [];
    const mutable = this.mutableIndices(frozen);
    if (bases.length === 0 || mutable.length === 0 || this.params.some((p) => p.type.kind === 'unknown')) return out;
    const fresh = (i: number): Value => {
      const param = this.params[i]!;
      // A node of a tree or linked list takes Node.val's range.
      if (param.type.kind === 'tree' || param.type.kind === 'linkedlist') return this.integer({ name: NODE, depth: 0, prop: 'value' }, null);
      const of = param.type.kind === 'list' ? param.type.of : param.type.kind === 'string' ? ({ kind: 'char' } as const) : param.type;
      return this.value(param, of, null, { name: param.name, depth: 1 });
    };
    for (let attempt = 0; out.length < count && attempt < count * MAX_ATTEMPTS_PER_INPUT; attempt++) {
      // Edits compound: half the time start from an input made just before.
      const from = out.length && this.rng.chance(0.5) ? this.rng.pick(out).input : this.rng.pick(bases);
      const candidate = nearbyInput(this.rng, this.params, from, mutable, fresh);
      if (!candidate) continue;
      this.repair(candidate.input);
      const key = formatValue(candidate.input);
      if (this.seen.has(key) || !this.valid(candidate.input)) continue;
      this.seen.add(key);
      out.push(candidate);
    }
    return out;
  }

  /**
   * One variant of `base` (which need not be an example): some mutable parameters changed within
   * the constraints. Null when no valid variant came out of a few tries, or nothing may change.
   */
  variant(base: Input, frozen: ReadonlySet<string> = new Set()): GeneratedInput | null {
    const mutable = this.mutableIndices(frozen);
    const builders = this.builders(frozen);
    if ((mutable.length === 0 && builders.length === 0) || this.params.some((p) => p.type.kind === 'unknown')) return null;
    for (let attempt = 0; attempt < this.attemptsPerInput; attempt++) {
      const candidate = this.mutate(base, mutable, builders);
      if (candidate) return candidate;
    }
    return null;
  }

  /**
   * One input: structures the promises build come first (a tree and its `n`), then the other
   * parameters change and are repaired to fit them, then values drawn from others (a subset of
   * a list) are built, then every rule is checked.
   */
  private mutate(base: Input, mutable: number[], builders: KeptPromise[]): GeneratedInput | null {
    const input = base.map((v) => structuredClone(v));
    const first = builders.filter((b) => !b.dependent);
    for (const promise of first) if (!promise.build!(input, this)) return null;
    // With promises to build, the other parameters may all stay as in the example.
    const changed = this.rng.int(builders.length ? 0 : 1, mutable.length);
    const order = this.rng.shuffle([...mutable]).slice(0, changed);
    for (const i of order) input[i] = this.value(this.params[i]!, this.params[i]!.type, input[i]!, { name: this.params[i]!.name, depth: 0 });
    this.repair(input, new Set(first.flatMap((b) => b.builds)));
    for (const promise of builders) if (promise.dependent && !promise.build!(input, this)) return null;
    const mutated = [...order.map((i) => this.params[i]!.name), ...builders.flatMap((b) => b.builds)];
    return this.valid(input) ? { input, mutated: [...new Set(mutated)] } : null;
  }

  // ---- bounds -------------------------------------------------------------------------------

  private observed(ref: Ref): number[] {
    return this.examples.flatMap((e) => evaluate(ref, this.params, e) ?? []).filter((v) => !Number.isNaN(v));
  }

  /** Ranges by ref: fixed for the generator's life, and asked for once per generated value. */
  private readonly ranges = new Map<string, { lo: number; hi: number; typicalHi: number }>();

  /** The range a ref's values come from: the constraints', else one inferred from the examples. */
  private range(ref: Ref): { lo: number; hi: number; typicalHi: number } {
    const key = refKey(ref);
    let range = this.ranges.get(key);
    if (!range) this.ranges.set(key, (range = this.computeRange(ref)));
    return range;
  }

  private computeRange(ref: Ref): { lo: number; hi: number; typicalHi: number } {
    const given = this.constraints.bounds.get(refKey(ref))?.bound ?? {};
    const seen = this.observed(ref);
    const seenLo = seen.length ? Math.min(...seen) : 0;
    const seenHi = seen.length ? Math.max(...seen) : 10;
    if (ref.prop === 'length') {
      const lo = given.lo ?? (seenLo >= 1 ? 1 : 0);
      const hi = Math.min(given.hi ?? Math.max(2 * seenHi, 8), Math.max(this.options.maxLength, seenHi));
      return { lo, hi, typicalHi: hi };
    }
    const lo = given.lo ?? (seenLo >= 1 ? 1 : seenLo >= 0 ? 0 : Math.min(2 * seenLo, -10));
    const hi = given.hi ?? (seenHi >= 0 ? Math.max(2 * seenHi, seenHi + 10) : seenHi);
    const typicalHi = this.options.large ? hi : Math.min(hi, Math.max(100, 4 * Math.max(Math.abs(seenHi), Math.abs(seenLo))));
    return { lo, hi: Math.max(lo, hi), typicalHi: Math.max(lo, typicalHi) };
  }

  private integer(ref: Ref, current: Value): number {
    const { lo, hi, typicalHi } = this.range(ref);
    const near = typeof current === 'number' ? current : lo;
    // Large inputs spread over the whole range: clustered values would let slow code off lightly.
    if (this.options.large && this.rng.chance(0.8)) return this.rng.int(lo, hi);
    const strategy = this.rng.int(0, 9);
    let value: number;
    if (strategy <= 3) value = near + this.rng.int(-3, 3);
    else if (strategy <= 5) value = this.rng.int(lo, Math.min(typicalHi, lo + 10));
    else if (strategy <= 7) value = this.rng.int(lo, typicalHi);
    else if (strategy === 8) value = this.rng.chance(0.5) ? lo : hi;
    else value = this.rng.pick([0, 1, -1, near * 2, Math.floor(near / 2)]);
    return Math.min(Math.max(Math.round(value), lo), hi);
  }

  private lengthNear(ref: Ref, current: number): number {
    if (this.options.large) return this.largeLength(ref);
    const { lo, hi } = this.range(ref);
    const strategy = this.rng.int(0, 9);
    const value =
      strategy <= 2 ? current : strategy <= 5 ? current + this.rng.int(-3, 3) : strategy <= 7 ? this.rng.int(lo, hi) : strategy === 8 ? lo : hi;
    return Math.min(Math.max(value, lo), hi);
  }

  /** A length for a large input: near the bound at the outer level, as usual inside. */
  private largeLength(ref: Ref): number {
    const { maxElements, innerMaxLength } = this.options.large!;
    const { lo, hi } = this.range(ref);
    if (ref.depth > 0) return this.rng.int(lo, Math.max(lo, Math.min(hi, innerMaxLength)));
    const type = this.params.find((p) => p.name === ref.name)?.type;
    // Trees and linked lists: their node count bound is the length bound.
    const nodes = type?.kind === 'tree' ? this.constraints.nodeCount.tree : type?.kind === 'linkedlist' ? this.constraints.nodeCount.list : undefined;
    const [low, high] = nodes?.hi !== undefined ? [nodes.lo ?? lo, nodes.hi] : [lo, hi];
    const nested = type?.kind === 'list' && (type.of.kind === 'list' || type.of.kind === 'string');
    const top = Math.max(low, Math.min(high, nested ? Math.floor(maxElements / innerMaxLength) : maxElements));
    return this.rng.int(Math.max(low, Math.floor(0.8 * top)), top);
  }

  // ---- values -------------------------------------------------------------------------------

  private value(param: ParamModel, type: VType, current: Value, at: Position): Value {
    // Called once per generated value (10^5 times for a large input): no closures here.
    const flags = this.flags.get(param.name)!;
    switch (type.kind) {
      case 'int':
        if (flags.elementSet && at.depth > 0) return this.rng.pick(flags.elementSet);
        return this.integer({ name: at.name, depth: at.depth, prop: 'value' }, current);
      case 'float': {
        const base = typeof current === 'number' ? current : 1;
        const { lo, hi } = this.range({ name: at.name, depth: at.depth, prop: 'value' });
        const value = this.rng.chance(0.5) ? base * (0.5 + this.rng.next() * 1.5) : lo + this.rng.next() * (Math.min(hi, 1000) - lo);
        return Math.round(Math.min(Math.max(value, lo), hi) * 100) / 100;
      }
      case 'bool':
        return this.rng.chance(0.5);
      case 'char':
        if (flags.elementSet && at.depth > 0) return this.rng.pick(flags.elementSet);
        return this.rng.pick(flags.alphabet ?? DEFAULT_CHARS);
      case 'string':
        return this.string(param, typeof current === 'string' ? current : '', { name: at.name, depth: at.depth, prop: 'length' });
      case 'list':
        return this.list(param, type.of, Array.isArray(current) ? current : [], at);
      case 'linkedlist':
        return this.list(param, { kind: 'int' }, Array.isArray(current) ? current : [], at);
      case 'tree':
        return this.tree(param, Array.isArray(current) ? current : []);
      default:
        return current;
    }
  }

  private string(param: ParamModel, current: string, lengthRef: Ref): string {
    const flags = this.flags.get(param.name)!;
    const alphabet = flags.alphabet ?? STRING_CHARS;
    const length = this.lengthNear(lengthRef, current.length);
    const strategy = this.rng.int(0, 3);
    let out: string[];
    if (strategy === 0 && current.length > 0) {
      out = [...current];
      while (out.length < length) out.push(this.rng.pick(alphabet));
      out.length = length;
      for (let k = 0; k < Math.max(1, length / 4); k++) if (out.length) out[this.rng.int(0, out.length - 1)] = this.rng.pick(alphabet);
    } else if (strategy === 1) {
      const c = this.rng.pick(alphabet);
      out = Array.from({ length }, () => (this.rng.chance(0.8) ? c : this.rng.pick(alphabet)));
    } else out = Array.from({ length }, () => this.rng.pick(alphabet));
    if (flags.noLeadingZero && out.length > 1 && out[0] === '0') out[0] = this.rng.pick(alphabet.filter((c) => c !== '0').length ? alphabet.filter((c) => c !== '0') : ['1']);
    return out.join('');
  }

  /** `at.rowLength`: the width every row of a rectangular grid gets (set by the grid for its rows). */
  private list(param: ParamModel, of: VType, current: Value[], at: Position): Value[] {
    const flags = this.flags.get(param.name)!;
    const lengthRef: Ref = { name: at.name, depth: at.depth, prop: 'length' };
    let length = this.lengthNear(lengthRef, current.length);
    if (at.depth === 1 && flags.rectangular) length = at.rowLength ?? length;
    if (at.depth === 1 && flags.fixedWidth !== undefined) length = flags.fixedWidth;
    // A square grid whose width never changes keeps its height too.
    if (at.depth === 0 && of.kind === 'list' && flags.square && flags.fixedWidth !== undefined) length = flags.fixedWidth;
    // A large square grid: its side squared stays within the values allowed.
    if (this.options.large && at.depth === 0 && of.kind === 'list' && flags.square) length = Math.min(length, Math.floor(Math.sqrt(this.options.large.maxElements)));
    const inner: Position = { name: at.name, depth: at.depth + 1 };
    if (of.kind === 'list' && flags.rectangular && at.depth === 0 && length > 0) {
      const first = current.length ? current[0]! : null;
      inner.rowLength = flags.fixedWidth ?? (flags.square ? length : this.lengthNear({ name: at.name, depth: 1, prop: 'length' }, Array.isArray(first) ? first.length : 1));
    }
    const items: Value[] = [];
    for (let k = 0; k < length; k++) {
      const original = current.length ? current[k % current.length]! : null;
      const keep = !this.options.large && k < current.length && this.rng.chance(0.5) && of.kind !== 'list';
      items.push(keep ? original : this.value(param, of, original, inner));
    }
    if (flags.unique && of.kind !== 'list') {
      const unique = new Map(items.map((v) => [formatValue(v), v]));
      for (let tries = 0; unique.size < items.length && tries < items.length * 10; tries++) {
        const v = this.value(param, of, null, inner);
        unique.set(formatValue(v), v);
      }
      items.splice(0, items.length, ...[...unique.values()].slice(0, length));
    }
    if (flags.sorted && items.every(isNumber)) {
      (items as number[]).sort((a, b) => (flags.sorted === 'asc' ? a - b : b - a));
    } else if (flags.sorted && items.every((v) => typeof v === 'string')) {
      (items as string[]).sort();
      if (flags.sorted === 'desc') items.reverse();
    }
    return items;
  }

  /** A level-order tree: a random shape, or (for BST problems) random unique keys inserted in random order. */
  private tree(param: ParamModel, current: Value[]): Value[] {
    const nodeRef: Ref = { name: NODE, depth: 0, prop: 'value' };
    const size = Math.min(
      Math.max(this.lengthNear({ name: param.name, depth: 0, prop: 'length' }, current.filter((v) => v !== null).length), this.constraints.nodeCount.tree?.lo ?? 0),
      this.constraints.nodeCount.tree?.hi ?? Infinity,
    );
    const unique = this.options.binarySearchTree || this.constraints.unique.has(NODE);
    const values: number[] = [];
    const used = new Set<number>();
    for (let tries = 0; values.length < size && tries < size * 20; tries++) {
      const v = this.integer(nodeRef, this.rng.pick(current.filter(isNumber).length ? current.filter(isNumber) : [1]));
      if (unique && used.has(v)) continue;
      used.add(v);
      values.push(v);
    }
    type Node = { val: number; left?: Node; right?: Node };
    let root: Node | undefined;
    for (const val of values) {
      const node: Node = { val };
      if (!root) {
        root = node;
        continue;
      }
      for (let at = root; ; ) {
        const left = this.options.binarySearchTree ? val < at.val : this.rng.chance(0.5);
        const next = left ? at.left : at.right;
        if (!next) {
          if (left) at.left = node;
          else at.right = node;
          break;
        }
        at = next;
      }
    }
    const out: Value[] = [];
    const queue: (Node | undefined)[] = [root];
    for (let q = 0; q < queue.length && root; q++) {
      const node = queue[q];
      out.push(node ? node.val : null);
      if (node) queue.push(node.left, node.right);
    }
    while (out.length && out[out.length - 1] === null) out.pop();
    return out;
  }

  // ---- relations and checks -----------------------------------------------------------------

  /**
   * Makes equalities hold by copying sizes into integers (and clamps integers bounded by sizes).
   * An integer a promise built (`n` of a tree) is kept: the lists whose length must equal it are
   * cut or grown to it instead (`price.length == n`).
   */
  private repair(input: Input, kept: ReadonlySet<string> = new Set()): void {
    this.resizeToKept(input, kept);
    this.repairRows(input);
    repairShapes(input, this.params, this.constraints, this.rng);
    for (const { left, op, right } of this.relations) {
      if (op === '!=' || left.field !== undefined || right.field !== undefined) continue;
      for (const [target, source] of [
        [left, right],
        [right, left],
      ] as const) {
        const index = this.params.findIndex((p) => p.name === target.name);
        if (index < 0 || kept.has(target.name) || target.depth !== 0 || target.prop !== 'value' || this.params[index]!.type.kind !== 'int') continue;
        const other = evaluate(source, this.params, input);
        if (!other || other.length !== 1 || Number.isNaN(other[0])) continue;
        const current = input[index] as number;
        const bound = other[0]!;
        if (op === '==') input[index] = bound;
        else if (target === left && !compare(current, op, bound)) input[index] = op === '<' ? bound - 1 : this.rng.int(Math.min(bound, this.range(target).lo), bound);
        else if (target === right && !compare(bound, op, current)) input[index] = op === '<' ? bound + 1 : bound;
        break;
      }
    }
  }

  private resizeToKept(input: Input, kept: ReadonlySet<string>): void {
    for (const { left, op, right } of this.relations) {
      if (op !== '==') continue;
      for (const [size, fixed] of [
        [left, right],
        [right, left],
      ] as const) {
        if (!kept.has(fixed.name) || kept.has(size.name) || fixed.prop !== 'value' || fixed.depth !== 0 || size.prop !== 'length' || size.depth !== 0 || size.field !== undefined) continue;
        const index = this.params.findIndex((p) => p.name === size.name);
        const want = input[this.params.findIndex((p) => p.name === fixed.name)];
        const param = this.params[index];
        if (!param || typeof want !== 'number') continue;
        const current = input[index]!;
        if (typeof current === 'string') input[index] = this.string(param, current, { name: param.name, depth: 0, prop: 'length' }).padEnd(want, current[0] ?? 'a').slice(0, want);
        else if (Array.isArray(current) && param.type.kind === 'list') {
          const of = param.type.of;
          input[index] = Array.from({ length: want }, (_, k) => (k < current.length ? current[k]! : this.value(param, of, current[k % Math.max(current.length, 1)] ?? null, { name: param.name, depth: 1 })));
        }
      }
    }
  }

  /**
   * Rows described by named fields: order fields that must be ordered (`firsti <= lasti`),
   * separate fields that must differ, and keep fields within integers that bound them (`<= n`).
   */
  private repairRows(input: Input): void {
    for (const { left, op, right } of this.relations) {
      if (left.field === undefined && right.field === undefined) continue;
      const rowsOf = (ref: Ref) => (ref.field === undefined ? null : (input[this.params.findIndex((p) => p.name === ref.name)] as Value[] | undefined));
      if (left.field !== undefined && right.field !== undefined && left.name === right.name) {
        for (const row of rowsOf(left) ?? []) {
          if (!Array.isArray(row)) continue;
          const [a, b] = [row[left.field], row[right.field]];
          if (!isNumber(a!) || !isNumber(b!)) continue;
          if ((op === '<=' || op === '<') && a > b) [row[left.field], row[right.field]] = [b, a];
          if ((op === '<' || op === '!=') && row[left.field] === row[right.field]) row[right.field] = (row[right.field] as number) + 1;
        }
        continue;
      }
      // A field bounded by a scalar (lasti <= n, ai < numCourses): clamp the field.
      const scalar = left.field === undefined ? evaluate(left, this.params, input) : right.field === undefined ? evaluate(right, this.params, input) : null;
      if (!scalar || scalar.length !== 1 || Number.isNaN(scalar[0])) continue;
      const fieldRef = left.field !== undefined ? left : right;
      const limit = scalar[0]!;
      const fieldIsLeft = fieldRef === left;
      for (const row of rowsOf(fieldRef) ?? []) {
        if (!Array.isArray(row) || !isNumber(row[fieldRef.field!]!)) continue;
        const v = row[fieldRef.field!] as number;
        if (fieldIsLeft && (op === '<=' || op === '<') && !compare(v, op, limit)) row[fieldRef.field!] = op === '<' ? limit - 1 : limit;
        if (!fieldIsLeft && (op === '<=' || op === '<') && !compare(limit, op, v)) row[fieldRef.field!] = op === '<' ? limit + 1 : limit;
      }
    }
  }

  private valid(input: Input): boolean {
    if (!shapesHold(input, this.params, this.constraints)) return false;
    if (this.promises.some((p) => p.holds && !p.holds(input))) return false;
    for (const { ref, bound } of this.constraints.bounds.values()) {
      const values = evaluate(ref, this.params, input);
      if (values && !holds(values, bound)) return false;
    }
    for (const { left, op, right } of this.relations) {
      const a = evaluate(left, this.params, input);
      const b = evaluate(right, this.params, input);
      if (a && b && !relationHolds(a, op, b)) return false;
    }
    for (const [kind, bound] of [
      ['tree', this.constraints.nodeCount.tree],
      ['linkedlist', this.constraints.nodeCount.list],
    ] as const) {
      const index = this.params.findIndex((p) => p.type.kind === kind);
      if (index < 0 || !bound) continue;
      const nodes = input[index];
      // An empty tree or list may be written null.
      if (!holds([Array.isArray(nodes) ? nodes.filter((v) => v !== null).length : 0], bound)) return false;
    }
    return true;
  }
}
