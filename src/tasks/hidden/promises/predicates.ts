import { formatValue, type Value } from '../../literal.js';
import { indexOf, paramNamed, type KeptPromise, type PromiseContext } from './types.js';

/**
 * Promises that a generated input can be made to keep by a small repair, or checked and
 * rejected: "there is at least one 0 in mat", "at least two houses have different colors",
 * "there is at least a common string between list1 and list2", "all the integers of nums1 also
 * appear in nums2", "pivot equals to an element of nums", "the product of any prefix or suffix of
 * nums fits in a 32-bit integer", "it's guaranteed that you can reach nums[n - 1]", and the
 * answer fitting in 32 or 64 bits.
 */
const flat = (v: Value): Value[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
const key = (v: Value) => formatValue(v);

function atLeastOne(context: PromiseContext, line: string): KeptPromise | null {
  const match = /^There (?:is|will be) at least one (-?\d+|'.'|"[^"]*") in (\w+)$/i.exec(line);
  if (!match || indexOf(context, match[2]!) < 0) return null;
  const wanted: Value = /^-?\d+$/.test(match[1]!) ? Number(match[1]) : match[1]!.slice(1, -1);
  const i = indexOf(context, match[2]!);
  return {
    name: 'at least one value',
    lines: [line],
    builds: [],
    holds: (input) => flat(input[i]!).some((v) => v === wanted) || (typeof input[i] === 'string' && (input[i] as string).includes(String(wanted))),
  };
}

function differentValues(context: PromiseContext, line: string): KeptPromise | null {
  if (!/at least two .* (?:have )?different/i.test(line)) return null;
  const param = context.params.find((p) => new RegExp(`\\b${p.name}\\b`).test(line) || (p.type.kind === 'list' && /houses|colors/i.test(line)));
  if (!param) return null;
  const i = indexOf(context, param.name);
  return { name: 'two different values', lines: [line], builds: [], holds: (input) => new Set(flat(input[i]!).map(key)).size >= 2 };
}

function commonElement(context: PromiseContext, line: string): KeptPromise | null {
  const match = /at least (?:a|one) common (?:string|element|value|integer) between (\w+) and (\w+)/i.exec(line);
  if (!match) return null;
  const [a, b] = [indexOf(context, match[1]!), indexOf(context, match[2]!)];
  if (a < 0 || b < 0) return null;
  return {
    name: 'a common element',
    lines: [line],
    builds: [],
    holds: (input) => {
      const left = new Set((input[a] as Value[]).map(key));
      return (input[b] as Value[]).some((v) => left.has(key(v)));
    },
  };
}

/** "All the integers of nums1 also appear in nums2", "Each arr2[i] is in arr1": the first drawn from the second. */
function subsetOf(context: PromiseContext, line: string): KeptPromise | null {
  const match = /^(?:All the (?:integers|values|elements|strings) of (\w+) also appear in (\w+)|Each (\w+)\[i\] is (?:also )?in (\w+)|Each value of (\w+) also appears in (\w+))$/i.exec(line);
  if (!match) return null;
  const part = match[1] ?? match[3] ?? match[5];
  const whole = match[2] ?? match[4] ?? match[6];
  const [p, w] = [indexOf(context, part!), indexOf(context, whole!)];
  if (p < 0 || w < 0 || paramNamed(context, part!)!.type.kind !== 'list') return null;
  const unique = context.constraints.unique.has(part!);
  return {
    name: 'a subset',
    dependent: true,
    lines: [line],
    builds: [part!],
    build(input, at) {
      const whole = input[w] as Value[];
      const pool = unique ? [...new Map(whole.map((v) => [key(v), v])).values()] : whole;
      if (pool.length === 0) return false;
      const length = Math.max(1, Math.min(at.length(part!), unique ? pool.length : at.maxLength));
      input[p] = unique ? at.rng.shuffle([...pool]).slice(0, length) : Array.from({ length }, () => at.rng.pick(pool));
      return true;
    },
  };
}

/** "pivot equals to an element of nums", "target is in nums". */
function elementOf(context: PromiseContext, line: string): KeptPromise | null {
  const match = /^(\w+) (?:equals to an element of|is an element of|is in|exists in) (\w+)$/i.exec(line);
  if (!match) return null;
  const [x, list] = [indexOf(context, match[1]!), indexOf(context, match[2]!)];
  if (x < 0 || list < 0) return null;
  return {
    name: 'an element',
    dependent: true,
    lines: [line],
    builds: [match[1]!],
    build(input, at) {
      const pool = input[list];
      if (!Array.isArray(pool) || pool.length === 0) return false;
      input[x] = structuredClone(at.rng.pick(pool));
      return true;
    },
  };
}

/** "The product of any prefix or suffix of nums is guaranteed to fit in a 32-bit integer". */
function productsFit(context: PromiseContext, line: string): KeptPromise | null {
  const match = /product of any prefix or suffix of (\w+) is guaranteed to fit in a (32|64)-bit integer/i.exec(line);
  if (!match || indexOf(context, match[1]!) < 0) return null;
  const i = indexOf(context, match[1]!);
  const limit = match[2] === '32' ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
  // Running products, one pass each way (a zero makes every longer prefix 0).
  const allFit = (values: number[]) => {
    let product = 1;
    for (const v of values) {
      product *= v;
      if (Math.abs(product) > limit) return false;
    }
    return true;
  };
  return {
    name: 'products fit',
    lines: [line],
    builds: [],
    holds: (input) => {
      const values = input[i] as number[];
      return allFit(values) && allFit([...values].reverse());
    },
  };
}

/** "It's guaranteed that you can reach nums[n - 1]": every jump but the last at least 1 keeps the end in reach. */
function reachable(context: PromiseContext, line: string): KeptPromise | null {
  const match = /guaranteed that you can reach (\w+)\[n - 1\]/i.exec(line);
  if (!match || indexOf(context, match[1]!) < 0) return null;
  const i = indexOf(context, match[1]!);
  return { name: 'end in reach', lines: [line], builds: [], holds: (input) => (input[i] as number[]).every((v, k, all) => k === all.length - 1 || v >= 1) };
}

/** "The answer is guaranteed to fit in a 32-bit integer" (a statement about answers, checked on the oracle's). */
function answerFits(_context: PromiseContext, line: string): KeptPromise | null {
  const match = /answer (?:is guaranteed to|will) fit (?:in|within) a (32|64)-bit (?:signed )?integer/i.exec(line);
  if (!match) return null;
  const limit = match[1] === '32' ? 2 ** 31 - 1 : 2 ** 63 - 1;
  return {
    name: 'answer fits',
    lines: [line],
    builds: [],
    answerHolds: (answer) => flat(answer).every((v) => typeof v !== 'number' || Math.abs(v) <= limit) && flat(answer).every((v) => typeof v !== 'bigint' || (v <= BigInt(limit) && v >= -BigInt(limit) - 1n)),
  };
}

const CHECKS = [atLeastOne, differentValues, commonElement, subsetOf, elementOf, productsFit, reachable, answerFits];

/** One recipe per line that a check understands (several lines may each give one). */
export function predicatePromises(context: PromiseContext): KeptPromise[] {
  const out: KeptPromise[] = [];
  for (const line of context.lines) {
    for (const check of CHECKS) {
      const promise = check(context, line);
      if (promise) {
        out.push(promise);
        break;
      }
    }
  }
  return out;
}
