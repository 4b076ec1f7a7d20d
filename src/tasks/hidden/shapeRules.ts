import type { Random } from '../../util/random.js';
import type { Value } from '../literal.js';
import type { Constraints } from './constraints.js';

/**
 * Rules about the shape of one parameter's value that constraints state in a line of their own:
 * values at the first or last position (`s[0] is '1'`, `grid[0][0] == grid[m - 1][n - 1] == 0`),
 * neighbours that differ, lengths that are multiples (`nums.length is divisible by k`,
 * `nums.length == 3 * n`), strings without a repeated character. `repairShapes` makes a mutated
 * input keep them where it can; `shapesHold` is the check every input must pass.
 */
type Input = Value[];
type Named = { name: string };

const sizeOf = (v: Value) => (typeof v === 'string' || Array.isArray(v) ? v.length : null);

function divisors(n: number): number[] {
  const out: number[] = [];
  for (let d = 1; d <= n; d++) if (n % d === 0) out.push(d);
  return out;
}

/** The container holding the position and the index in it (null when the value is too short). */
function locate(value: Value, path: ('first' | 'last')[]): { holder: Value[] | null; text: string | null; index: number } | null {
  let current: Value = value;
  for (let depth = 0; depth < path.length; depth++) {
    if (typeof current === 'string' && depth === path.length - 1) {
      if (current.length === 0) return null;
      return { holder: null, text: current, index: path[depth] === 'first' ? 0 : current.length - 1 };
    }
    if (!Array.isArray(current) || current.length === 0) return null;
    const index = path[depth] === 'first' ? 0 : current.length - 1;
    if (depth === path.length - 1) return { holder: current, text: null, index };
    current = current[index]!;
  }
  return null;
}

function valueAt(value: Value, path: ('first' | 'last')[]): Value | undefined {
  const at = locate(value, path);
  if (!at) return undefined;
  return at.holder ? at.holder[at.index] : at.text![at.index];
}

export function repairShapes(input: Input, params: Named[], constraints: Constraints, rng: Random): void {
  const index = (name: string) => params.findIndex((p) => p.name === name);
  for (const { name, of, quotient } of constraints.lengthMultiples) {
    const i = index(name);
    const size = i < 0 ? null : sizeOf(input[i]!);
    if (size === null) continue;
    if (typeof of === 'number') {
      const kept = Math.max(of, size - (size % of));
      const value = input[i]!;
      if (kept <= size) input[i] = typeof value === 'string' ? value.slice(0, kept) : (value as Value[]).slice(0, kept);
      const q = quotient === undefined ? -1 : index(quotient);
      if (q >= 0) input[q] = Math.floor((sizeOf(input[i]!) ?? 0) / of);
    } else {
      const k = index(of);
      if (k >= 0 && size > 0 && (typeof input[k] !== 'number' || size % (input[k] as number) !== 0)) input[k] = rng.pick(divisors(size));
    }
  }
  for (const { name, path, value } of constraints.fixedPositions) {
    const i = index(name);
    if (i < 0) continue;
    if (path.length === 1 && typeof input[i] === 'string') {
      const text = input[i] as string;
      if (text.length === 0) continue;
      const at = path[0] === 'first' ? 0 : text.length - 1;
      input[i] = text.slice(0, at) + String(value) + text.slice(at + 1);
      continue;
    }
    const at = locate(input[i]!, path);
    if (at?.holder) at.holder[at.index] = value;
  }
  for (const name of constraints.adjacentDistinct) {
    const i = index(name);
    const list = input[i];
    if (!Array.isArray(list)) continue;
    const seen = [...new Map(list.map((v) => [JSON.stringify(v), v])).values()];
    const same = (a: Value | undefined, b: Value | undefined) => JSON.stringify(a) === JSON.stringify(b);
    for (let k = 1; k < list.length; k++) {
      if (!same(list[k], list[k - 1])) continue;
      // A few random draws of another value seen in the list (no scan: lists can be 10^5 long).
      for (let tries = 0; tries < 8 && (same(list[k], list[k - 1]) || same(list[k], list[k + 1])); tries++) list[k] = rng.pick(seen);
      if (same(list[k], list[k - 1]) && typeof list[k] === 'number') list[k] = (list[k] as number) + 1;
    }
  }
  for (const [name, parity] of constraints.elementParity) {
    const list = input[index(name)];
    if (!Array.isArray(list)) continue;
    list.forEach((v, k) => {
      if (typeof v === 'number' && Math.abs(v % 2) !== (parity === 'odd' ? 1 : 0)) list[k] = v + 1;
    });
  }
  for (const name of constraints.uniqueCharacters) {
    const i = index(name);
    const dedupe = (s: Value) => (typeof s === 'string' ? [...new Set(s)].join('') : s);
    if (i >= 0) input[i] = Array.isArray(input[i]) ? (input[i] as Value[]).map(dedupe) : dedupe(input[i]!);
  }
}

export function shapesHold(input: Input, params: Named[], constraints: Constraints): boolean {
  const index = (name: string) => params.findIndex((p) => p.name === name);
  for (const { name, of, quotient } of constraints.lengthMultiples) {
    const i = index(name);
    const size = i < 0 ? null : sizeOf(input[i]!);
    if (size === null) continue;
    const by = typeof of === 'number' ? of : (input[index(of)] as number | undefined);
    if (typeof by !== 'number' || by <= 0 || size % by !== 0) return false;
    if (quotient !== undefined && index(quotient) >= 0 && input[index(quotient)] !== size / by) return false;
  }
  for (const { name, path, value } of constraints.fixedPositions) {
    const i = index(name);
    if (i < 0) continue;
    const actual = valueAt(input[i]!, path);
    if (actual !== undefined && actual !== value) return false;
  }
  for (const name of constraints.adjacentDistinct) {
    const list = input[index(name)];
    if (Array.isArray(list) && list.some((v, k) => k > 0 && JSON.stringify(v) === JSON.stringify(list[k - 1]))) return false;
  }
  for (const [name, parity] of constraints.elementParity) {
    const list = input[index(name)];
    if (Array.isArray(list) && list.some((v) => typeof v === 'number' && Math.abs(v % 2) !== (parity === 'odd' ? 1 : 0))) return false;
  }
  for (const name of constraints.uniqueCharacters) {
    const value = input[index(name)];
    const strings = Array.isArray(value) ? value : [value];
    if (strings.some((s) => typeof s === 'string' && new Set(s).size !== s.length)) return false;
  }
  return true;
}
