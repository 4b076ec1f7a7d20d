import type { Random } from '../../../util/random.js';
import type { Value } from '../../literal.js';
import { indexOf, linesMatching, paramNamed, type BuildContext, type PromiseRecipe } from './types.js';

/** A binary tree of node ids 0..n-1 (node 0 the root), each node a random child of an earlier one. */
interface Shape {
  left: (number | null)[];
  right: (number | null)[];
}

function randomShape(rng: Random, n: number): Shape {
  const shape: Shape = { left: Array(n).fill(null), right: Array(n).fill(null) };
  for (let node = 1; node < n; node++) {
    for (;;) {
      const parent = rng.int(0, node - 1);
      const side = rng.chance(0.5) ? shape.left : shape.right;
      if (side[parent] === null) {
        side[parent] = node;
        break;
      }
    }
  }
  return shape;
}

/** Complete (every level full but the last, filled from the left): node i's children are 2i+1, 2i+2. */
function completeShape(n: number): Shape {
  return {
    left: Array.from({ length: n }, (_, i) => (2 * i + 1 < n ? 2 * i + 1 : null)),
    right: Array.from({ length: n }, (_, i) => (2 * i + 2 < n ? 2 * i + 2 : null)),
  };
}

function traverse(shape: Shape, order: 'pre' | 'in' | 'post', node: number | null, out: number[]): number[] {
  if (node === null) return out;
  if (order === 'pre') out.push(node);
  traverse(shape, order, shape.left[node]!, out);
  if (order === 'in') out.push(node);
  traverse(shape, order, shape.right[node]!, out);
  if (order === 'post') out.push(node);
  return out;
}

/** LeetCode's level-order form, trailing nulls dropped. */
export function levelOrder(shape: Shape, values: Value[]): Value[] {
  if (values.length === 0) return [];
  const out: Value[] = [];
  const queue: (number | null)[] = [0];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    out.push(node === null ? null : values[node]!);
    if (node !== null) queue.push(shape.left[node]!, shape.right[node]!);
  }
  while (out.length && out[out.length - 1] === null) out.pop();
  return out;
}

/** `count` distinct integers from [lo, hi] (fewer when the range is smaller). */
export function distinctValues(rng: Random, count: number, lo: number, hi: number): number[] {
  const values = new Set<number>();
  const span = hi - lo + 1;
  for (let tries = 0; values.size < Math.min(count, span) && tries < count * 30; tries++) values.add(rng.int(lo, Math.min(hi, lo + Math.max(4 * count, 20))));
  for (let v = lo; values.size < Math.min(count, span); v++) values.add(v);
  return rng.shuffle([...values]);
}

const TRAVERSAL = /^(preorder|inorder|postorder) is guaranteed to be the (preorder|inorder|postorder) traversal of the tree$/i;

/**
 * Traversals of one tree (construct a tree from preorder and inorder): a random tree with unique
 * values, and the traversals the parameters name.
 */
export const traversalsOfOneTree: PromiseRecipe = (context) => {
  const names = context.params.filter((p) => /^(preorder|inorder|postorder)$/.test(p.name) && p.type.kind === 'list').map((p) => p.name);
  const lines = linesMatching(context, TRAVERSAL);
  if (names.length < 2 || lines.length === 0) return null;
  const kept = [...lines, ...linesMatching(context, /^Each value of (preorder|inorder|postorder) also appears in (preorder|inorder|postorder)$/i)];
  return {
    name: 'traversals of one tree',
    lines: kept,
    builds: names,
    build(input, at) {
      const n = Math.max(1, at.length(names[0]!));
      const { lo, hi } = at.valueRange(names[0]!, 1);
      const values = distinctValues(at.rng, n, lo, hi);
      if (values.length < n) return false;
      const shape = randomShape(at.rng, n);
      for (const name of names) {
        const order = name.startsWith('pre') ? 'pre' : name.startsWith('in') ? 'in' : 'post';
        input[indexOf(context, name)] = traverse(shape, order, 0, []).map((node) => values[node]!);
      }
      return true;
    },
  };
};

/** "root is a perfect binary tree", "the tree is complete": that shape, values within Node.val's range. */
export const shapedTree: PromiseRecipe = (context) => {
  const tree = context.params.find((p) => p.type.kind === 'tree');
  if (!tree) return null;
  const lines = linesMatching(context, /\b(?:is|will be) (?:a )?(perfect|complete)(?: binary)? tree\b|^The tree is (perfect|complete)\b/i);
  if (lines.length === 0) return null;
  const perfect = lines.some((l) => /perfect/i.test(l));
  const unique = context.constraints.unique.has('Node');
  const count = context.constraints.nodeCount.tree;
  return {
    name: perfect ? 'perfect binary tree' : 'complete binary tree',
    lines,
    builds: [tree.name],
    build(input, at) {
      const lo = Math.max(1, count?.lo ?? 1);
      const hi = Math.min(count?.hi ?? at.maxLength, at.maxLength);
      let n = at.rng.int(lo, Math.max(lo, hi));
      if (perfect) n = 2 ** Math.floor(Math.log2(n + 1)) - 1;
      if (n < lo) return false;
      const range = at.valueRange('Node');
      const values = unique ? distinctValues(at.rng, n, range.lo, range.hi) : Array.from({ length: n }, () => at.rng.int(range.lo, range.typicalHi));
      if (values.length < n) return false;
      input[indexOf(context, tree.name)] = levelOrder(completeShape(n), values);
      return true;
    },
  };
};

/** A parent array (`parent[0] == -1`, `0 <= parent[i] < n`): every node's parent comes before it, so it is a tree. */
export const parentArrayTree: PromiseRecipe = (context) => {
  const parent = context.params.find((p) => /^parents?$/.test(p.name) && p.type.kind === 'list');
  if (!parent || !context.constraints.fixedPositions.some((f) => f.name === parent.name && f.value === -1)) return null;
  const n = paramNamed(context, 'n');
  return {
    name: 'parent array of a tree',
    lines: linesMatching(context, new RegExp(`\\b${parent.name}\\b.*\\b(tree|valid)\\b`, 'i')),
    builds: n ? [parent.name, 'n'] : [parent.name],
    build(input, at: BuildContext) {
      const size = Math.max(1, at.length(parent.name));
      input[indexOf(context, parent.name)] = Array.from({ length: size }, (_, i) => (i === 0 ? -1 : at.rng.int(0, i - 1)));
      if (n) input[indexOf(context, 'n')] = size;
      return true;
    },
  };
};
