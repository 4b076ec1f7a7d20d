import { describe, expect, it } from 'vitest';
import { HiddenInputGenerator, type ParamModel } from '../../src/tasks/hidden/generate.js';
import { declaredType, observedType, paramType } from '../../src/tasks/hidden/valueType.js';
import type { Value } from '../../src/tasks/literal.js';

const INT = { kind: 'int' } as const;
const options = (extra: Partial<ConstructorParameters<typeof HiddenInputGenerator>[2]> = {}) => ({
  count: 30,
  seed: 'test',
  maxLength: 12,
  binarySearchTree: false,
  description: '',
  ...extra,
});

describe('value types', () => {
  it('reads declared types in every language', () => {
    expect(declaredType('python3', 'List[List[int]]')).toEqual({ kind: 'list', of: { kind: 'list', of: INT } });
    expect(declaredType('python3', 'Optional[TreeNode]')).toEqual({ kind: 'tree' });
    expect(declaredType('cpp', 'const vector<string>&')).toEqual({ kind: 'list', of: { kind: 'string' } });
    expect(declaredType('cpp', 'ListNode*')).toEqual({ kind: 'linkedlist' });
    expect(declaredType('java', 'char[][]')).toEqual({ kind: 'list', of: { kind: 'list', of: { kind: 'char' } } });
    expect(declaredType('java', 'List<Integer>')).toEqual({ kind: 'list', of: INT });
    expect(declaredType('java', 'double')).toEqual({ kind: 'float' });
  });

  it('fills unknown parts from example values', () => {
    expect(observedType([[1, 2], [3]])).toEqual({ kind: 'list', of: INT });
    expect(paramType('python3', '', 'root', [[1, null, 2]])).toEqual({ kind: 'tree' });
    expect(paramType('python3', 'List', 'xs', [['a']])).toEqual({ kind: 'list', of: { kind: 'string' } });
    expect(paramType('python3', '', 'xs', [[null]])).toEqual({ kind: 'list', of: { kind: 'unknown' } });
  });
});

describe('HiddenInputGenerator', () => {
  const twoSum: ParamModel[] = [
    { name: 'nums', type: { kind: 'list', of: INT }, values: [[2, 7, 11, 15], [3, 2, 4], [3, 3]] },
    { name: 'target', type: INT, values: [9, 6, 6] },
  ];
  const constraints = '2 <= nums.length <= 104\n-109 <= nums[i] <= 109\n-109 <= target <= 109';

  it('is deterministic for a seed and different across seeds', () => {
    const a = new HiddenInputGenerator(twoSum, constraints, options()).generate().map((g) => g.input);
    const b = new HiddenInputGenerator(twoSum, constraints, options()).generate().map((g) => g.input);
    const c = new HiddenInputGenerator(twoSum, constraints, options({ seed: 'other' })).generate().map((g) => g.input);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('keeps every input within the constraints and new', () => {
    const inputs = new HiddenInputGenerator(twoSum, constraints, options()).generate().map((g) => g.input);
    expect(inputs.length).toBe(30);
    const seen = new Set(twoSum[0]!.values.map((_, e) => JSON.stringify([twoSum[0]!.values[e], twoSum[1]!.values[e]])));
    for (const [nums, target] of inputs as [number[], number][]) {
      expect(nums.length).toBeGreaterThanOrEqual(2);
      expect(nums.length).toBeLessThanOrEqual(12);
      for (const n of nums) expect(Math.abs(n)).toBeLessThanOrEqual(1e9);
      expect(Math.abs(target)).toBeLessThanOrEqual(1e9);
      expect(seen.has(JSON.stringify([nums, target]))).toBe(false);
    }
  });

  it('keeps sizes tied the way every example ties them (n == nums.length) and sorted lists sorted', () => {
    const params: ParamModel[] = [
      { name: 'nums', type: { kind: 'list', of: INT }, values: [[1, 3, 5, 9], [2, 4, 4]] },
      { name: 'n', type: INT, values: [4, 3] },
    ];
    for (const [nums, n] of new HiddenInputGenerator(params, '', options()).generate().map((g) => g.input) as [number[], number][]) {
      expect(n).toBe(nums.length);
      expect([...nums].sort((a, b) => a - b)).toEqual(nums);
    }
  });

  it('respects row fields, alphabets, element sets and uniqueness', () => {
    const params: ParamModel[] = [
      { name: 'bookings', type: { kind: 'list', of: { kind: 'list', of: INT } }, values: [[[1, 2, 10], [2, 3, 20]], [[1, 2, 5]]] },
      { name: 'n', type: INT, values: [5, 2] },
      { name: 's', type: { kind: 'string' }, values: ['ab', 'ba'] },
    ];
    const text = '1 <= n <= 2 * 104\n1 <= firsti <= lasti <= n\n1 <= seatsi <= 104\ns consists of lowercase English letters.';
    const inputs = new HiddenInputGenerator(params, text, options({ description: 'bookings[i] = [firsti, lasti, seatsi]' })).generate().map((g) => g.input);
    expect(inputs.length).toBeGreaterThan(10);
    for (const [bookings, n, s] of inputs as [number[][], number, string][]) {
      for (const [first, last, seats] of bookings) {
        expect(first).toBeGreaterThanOrEqual(1);
        expect(first).toBeLessThanOrEqual(last!);
        expect(last).toBeLessThanOrEqual(n);
        expect(seats).toBeGreaterThanOrEqual(1);
      }
      expect(s).toMatch(/^[a-z]*$/);
    }
    const grid: ParamModel[] = [{ name: 'grid', type: { kind: 'list', of: { kind: 'list', of: INT } }, values: [[[0, 1], [1, 0]], [[1, 1, 0], [0, 0, 1], [1, 0, 0]]] }];
    for (const [g] of new HiddenInputGenerator(grid, '', options()).generate().map((g) => g.input) as [number[][]][]) {
      expect(new Set(g.flat()).size).toBeLessThanOrEqual(2);
      for (const v of g.flat()) expect([0, 1]).toContain(v);
      expect(g.every((row) => row.length === g.length)).toBe(true); // square in every example
    }
  });

  it('makes valid binary search trees for BST problems, and nothing when everything is frozen', () => {
    const params: ParamModel[] = [{ name: 'root', type: { kind: 'tree' }, values: [[4, 2, 7, 1, 3]] }];
    const inputs = new HiddenInputGenerator(params, '1 <= Node.val <= 100\nThe number of nodes in the tree is in the range [1, 20].', options({ binarySearchTree: true })).generate().map((g) => g.input);
    expect(inputs.length).toBeGreaterThan(5);
    for (const [tree] of inputs as [Value[]][]) expect(isBst(tree)).toBe(true);
    const frozen = new HiddenInputGenerator(params, 'It is guaranteed that the tree is a valid tree.', options()).generate().map((g) => g.input);
    expect(frozen).toEqual([]);
  });
});

/** Level-order array → is it a binary search tree (in-order strictly increasing)? */
function isBst(levelOrder: Value[]): boolean {
  type Node = { val: number; left?: Node; right?: Node };
  const nodes = levelOrder.map((v) => (v === null ? undefined : ({ val: v as number } as Node)));
  let child = 1;
  for (const node of nodes) {
    if (!node) continue;
    node.left = nodes[child++];
    node.right = nodes[child++];
  }
  const order: number[] = [];
  const walk = (n?: Node) => {
    if (!n) return;
    walk(n.left);
    order.push(n.val);
    walk(n.right);
  };
  walk(nodes[0]);
  return order.every((v, i) => i === 0 || order[i - 1]! < v);
}
