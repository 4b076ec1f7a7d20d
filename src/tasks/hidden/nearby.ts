import type { Random } from '../../util/random.js';
import type { Value } from '../literal.js';
import type { VType } from './valueType.js';

/**
 * Small edits of an input, for problems whose random inputs all get one answer ("can one swap
 * make the strings equal?" is almost always false for random strings): one element changed,
 * two swapped, one removed or repeated; and, between two parameters of one type, the second made
 * a copy of the first, or a copy with one such edit (same trees, buddy strings, anagrams).
 * Copies need not be between mutable parameters: a frozen one may be copied from.
 */
type Param = { name: string; type: VType };

const sameKind = (a: VType, b: VType) => JSON.stringify(a) === JSON.stringify(b);

/** One small edit of a list or string (returns a new value); `fresh` draws a new element. */
export function smallEdit(rng: Random, value: Value, fresh: () => Value): Value {
  // null stands for an empty tree or list.
  if (value === null) return [fresh()];
  const text = typeof value === 'string';
  const items: Value[] = text ? [...(value as string)] : Array.isArray(value) ? [...value] : [];
  if (!text && !Array.isArray(value)) return typeof value === 'number' ? value + rng.pick([-1, 1]) : value;
  const edit = items.length < 2 ? 0 : rng.int(0, 3);
  if (edit === 0 && items.length) items[rng.int(0, items.length - 1)] = fresh();
  else if (edit === 1) {
    const [i, j] = [rng.int(0, items.length - 1), rng.int(0, items.length - 1)];
    [items[i], items[j]] = [items[j]!, items[i]!];
  } else if (edit === 2) items.splice(rng.int(0, items.length - 1), 1);
  else if (edit === 3) items.splice(rng.int(0, items.length - 1), 0, items[rng.int(0, items.length - 1)]!);
  return text ? (items as string[]).join('') : items;
}

/**
 * An input near `base`: one to three steps, each a copy between same-typed parameters or one
 * small edit (so an edited list can then be copied: two equal trees that are not the example's).
 */
export function nearbyInput(rng: Random, params: Param[], base: Value[], mutable: number[], fresh: (param: number) => Value): { input: Value[]; mutated: string[] } | null {
  if (mutable.length === 0) return null;
  const input = base.map((v) => structuredClone(v));
  const mutated = new Set<string>();
  for (let step = 0, steps = rng.int(1, 3); step < steps; step++) {
    const target = rng.pick(mutable);
    const twins = params.map((_, i) => i).filter((i) => i !== target && sameKind(params[i]!.type, params[target]!.type));
    if (twins.length && rng.chance(0.5)) {
      const from = input[rng.pick(twins)]!;
      input[target] = rng.chance(0.5) ? structuredClone(from) : smallEdit(rng, structuredClone(from), () => fresh(target));
    } else {
      input[target] = smallEdit(rng, input[target]!, () => fresh(target));
    }
    mutated.add(params[target]!.name);
  }
  return { input, mutated: [...mutated] };
}
