import { describe, expect, it } from 'vitest';
import { parseConstraints } from '../../src/tasks/hidden/constraints.js';
import { DesignSequenceGenerator } from '../../src/tasks/hidden/designSequences.js';
import { HiddenInputGenerator, type ParamModel } from '../../src/tasks/hidden/generate.js';
import { randomGraph } from '../../src/tasks/hidden/promises/graphs.js';
import { knightTour } from '../../src/tasks/hidden/promises/grids.js';
import { balanced, lcpMatrix } from '../../src/tasks/hidden/promises/strings.js';
import { answerChecker } from '../../src/verify/answerCheckers.js';
import type { Value } from '../../src/tasks/literal.js';
import { Random } from '../../src/util/random.js';

const INT = { kind: 'int' } as const;
const INTS = { kind: 'list', of: INT } as const;
const EDGES = { kind: 'list', of: INTS } as const;
const generator = (params: ParamModel[], constraints: string, description = '', maxLength = 12) =>
  new HiddenInputGenerator(params, constraints, { count: 40, seed: 'promises', maxLength, binarySearchTree: false, description });
const inputs = (g: HiddenInputGenerator, n = 40) => g.generate(n).map((x) => x.input);

/** Union-find: whether the edges connect nodes 0..n-1 and close no cycle (as an undirected graph). */
function undirected(n: number, edges: number[][]): { connected: boolean; cycle: boolean } {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
  let cycle = false;
  for (const [a, b] of edges) {
    const [x, y] = [find(a!), find(b!)];
    if (x === y) cycle = true;
    else parent[x] = y;
  }
  return { connected: new Set(parent.map((_, i) => find(i))).size === 1, cycle };
}

/** An Eulerian path through the directed edges (Hierholzer), from the node with one more edge out than in. */
function eulerianPath(edges: number[][]): number[][] {
  const out = new Map<number, number[]>();
  const balance = new Map<number, number>();
  for (const [a, b] of edges) {
    out.set(a!, [...(out.get(a!) ?? []), b!]);
    balance.set(a!, (balance.get(a!) ?? 0) + 1);
    balance.set(b!, (balance.get(b!) ?? 0) - 1);
  }
  const start = [...balance].find(([, d]) => d === 1)?.[0] ?? edges[0]![0]!;
  const stack = [start];
  const nodes: number[] = [];
  while (stack.length) {
    const next = out.get(stack.at(-1)!)?.pop();
    if (next === undefined) nodes.push(stack.pop()!);
    else stack.push(next);
  }
  nodes.reverse();
  return nodes.slice(1).map((b, i) => [nodes[i]!, b]);
}

function hasDirectedCycle(n: number, edges: number[][]): boolean {
  const indegree = Array<number>(n).fill(0);
  for (const [, b] of edges) indegree[b!]!++;
  const queue = indegree.flatMap((d, i) => (d === 0 ? [i] : []));
  let seen = 0;
  while (queue.length) {
    const node = queue.pop()!;
    seen++;
    for (const [a, b] of edges) if (a === node && --indegree[b!]! === 0) queue.push(b!);
  }
  return seen !== n;
}

describe('graphs built from their promises', () => {
  it('trees: n - 1 edges, connected, no cycle, no self-loop or repeated edge', () => {
    const rng = new Random('trees');
    for (let n = 1; n <= 15; n++) {
      const edges = randomGraph(rng, n, 0, { tree: true, acyclic: true, connected: true, directed: false });
      expect(edges.length).toBe(n - 1);
      expect(undirected(n, edges)).toEqual({ connected: true, cycle: false });
    }
  });

  it('DAGs have no directed cycle; connected graphs are connected; none repeats an edge', () => {
    const rng = new Random('dags');
    for (let round = 0; round < 30; round++) {
      const n = rng.int(2, 10);
      const dag = randomGraph(rng, n, rng.int(0, 20), { tree: false, acyclic: true, connected: false, directed: true });
      expect(hasDirectedCycle(n, dag)).toBe(false);
      const connected = randomGraph(rng, n, rng.int(0, 20), { tree: false, acyclic: false, connected: true, directed: false });
      expect(undirected(n, connected).connected).toBe(true);
      for (const edges of [dag, connected]) {
        expect(edges.every(([a, b]) => a !== b)).toBe(true);
        expect(new Set(edges.map(([a, b]) => `${Math.min(a, b)},${Math.max(a, b)}`)).size).toBe(edges.length);
      }
    }
  });

  it('an edge list with "edges represents a valid tree" is a tree on n nodes, labels and n kept together', () => {
    const params: ParamModel[] = [
      { name: 'n', type: INT, values: [4, 2] },
      { name: 'edges', type: EDGES, values: [[[0, 1], [1, 2], [1, 3]], [[0, 1]]] },
    ];
    const g = generator(params, '2 <= n <= 50\nedges.length == n - 1\n0 <= ai, bi <= n - 1\nai != bi\nedges represents a valid tree.', 'edges[i] = [ai, bi]');
    expect(g.frozen.size).toBe(0);
    const all = inputs(g);
    expect(all.length).toBeGreaterThan(20);
    for (const [n, edges] of all as [number, number[][]][]) {
      expect(edges.length).toBe(n - 1);
      expect(edges.flat().every((v) => v >= 0 && v < n)).toBe(true);
      expect(undirected(n, edges)).toEqual({ connected: true, cycle: false });
    }
  });

  it('without a promise it can keep, an edge list stays frozen', () => {
    const params: ParamModel[] = [{ name: 'pairs', type: EDGES, values: [[[5, 1], [4, 5]]] }];
    const g = generator(params, 'The pairs describe a valid itinerary.');
    expect(g.frozen.has('pairs')).toBe(true);
    expect(inputs(g)).toEqual([]);
  });

  it('"there exists a valid arrangement of pairs": distinct pairs, no self-loop, chained by some order', () => {
    const params: ParamModel[] = [{ name: 'pairs', type: EDGES, values: [[[5, 1], [4, 5], [11, 9], [9, 4]], [[1, 3], [3, 2], [2, 1]]] }];
    const g = generator(params, '1 <= pairs.length <= 105\npairs[i].length == 2\n0 <= starti, endi <= 109\nstarti != endi\nNo two pairs are exactly the same.\nThere exists a valid arrangement of pairs.');
    expect(g.frozen.size).toBe(0);
    const all = inputs(g) as [number[][]][];
    expect(all.length).toBeGreaterThan(20);
    const accepts = answerChecker('valid-arrangement-of-pairs')!;
    for (const [pairs] of all) {
      expect(new Set(pairs.map((p) => p.join())).size).toBe(pairs.length);
      expect(pairs.every(([a, b]) => a !== b && a! >= 0 && b! <= 1e9)).toBe(true);
      expect(accepts([pairs], eulerianPath(pairs))).toBe(true);
    }
  });
});

describe('trees built from their promises', () => {
  const traversal = (order: 'pre' | 'in' | 'post', tree: Value[]): number[] => {
    const out: number[] = [];
    const walk = (i: number) => {
      if (i >= tree.length || tree[i] === null) return;
      if (order === 'pre') out.push(tree[i] as number);
      walk(2 * i + 1);
      if (order === 'in') out.push(tree[i] as number);
      walk(2 * i + 2);
      if (order === 'post') out.push(tree[i] as number);
    };
    walk(0);
    return out;
  };

  it('preorder and inorder are traversals of one tree with unique values', () => {
    const params: ParamModel[] = [
      { name: 'preorder', type: INTS, values: [[3, 9, 20, 15, 7], [-1]] },
      { name: 'inorder', type: INTS, values: [[9, 3, 15, 20, 7], [-1]] },
    ];
    const text = '1 <= preorder.length <= 3000\ninorder.length == preorder.length\n-3000 <= preorder[i], inorder[i] <= 3000\npreorder and inorder consist of unique values.\nEach value of inorder also appears in preorder.\npreorder is guaranteed to be the preorder traversal of the tree.\ninorder is guaranteed to be the inorder traversal of the tree.';
    const g = generator(params, text);
    expect(g.promises.map((p) => p.name)).toContain('traversals of one tree');
    const all = inputs(g) as [number[], number[]][];
    expect(all.length).toBe(40);
    for (const [pre, ino] of all) {
      expect(new Set(pre).size).toBe(pre.length);
      expect([...pre].sort()).toEqual([...ino].sort());
      // Rebuild from preorder + inorder: every split must be consistent.
      const rebuild = (p: number[], i: number[]): boolean => {
        if (p.length === 0) return i.length === 0;
        const root = i.indexOf(p[0]!);
        return root >= 0 && rebuild(p.slice(1, root + 1), i.slice(0, root)) && rebuild(p.slice(root + 1), i.slice(root + 1));
      };
      expect(rebuild(pre, ino)).toBe(true);
    }
  });

  it('a perfect binary tree has 2^k - 1 nodes, every level full', () => {
    const params: ParamModel[] = [{ name: 'root', type: { kind: 'tree' }, values: [[2, 3, 5, 8, 13, 21, 34]] }];
    const g = generator(params, 'The number of nodes in the tree is in the range [1, 214].\n0 <= Node.val <= 105\nroot is a perfect binary tree.', '', 40);
    for (const [tree] of inputs(g, 20) as [Value[]][]) {
      expect(Math.log2(tree.length + 1) % 1).toBe(0);
      expect(tree.every((v) => v !== null)).toBe(true);
      expect(traversal('in', tree).length).toBe(tree.length);
    }
  });
});

describe('strings, grids and checks built from their promises', () => {
  it('balanced strings: every prefix opens at least as often as it closes', () => {
    const rng = new Random('balanced');
    for (let pairs = 0; pairs < 20; pairs++) {
      const s = balanced(rng, pairs, '(', ')');
      expect(s.length).toBe(2 * pairs);
      let depth = 0;
      for (const c of s) {
        depth += c === '(' ? 1 : -1;
        expect(depth).toBeGreaterThanOrEqual(0);
      }
      expect(depth).toBe(0);
    }
  });

  it('lcp matrices: mostly the matrix of a word, some one cell off', () => {
    expect(lcpMatrix('abab')).toEqual([[4, 0, 2, 0], [0, 3, 0, 1], [2, 0, 2, 0], [0, 1, 0, 1]]);
    const params: ParamModel[] = [{ name: 'lcp', type: EDGES, values: [[[4, 0, 2, 0], [0, 3, 0, 1], [2, 0, 2, 0], [0, 1, 0, 1]], [[4, 3, 2, 1], [3, 3, 2, 1], [2, 2, 2, 1], [1, 1, 1, 1]]] }];
    const g = generator(params, '1 <= n == lcp.length == lcp[i].length <= 1000\n0 <= lcp[i][j] <= n', 'We define the lcp matrix of any 0-indexed string word of n lowercase English letters as an n x n grid');
    const all = inputs(g) as [number[][]][];
    expect(all.length).toBeGreaterThan(20);
    // The word of a valid matrix: positions with a common prefix share a letter.
    const ofAWord = (m: number[][]) => {
      const word = m.map((_, i) => m.findIndex((row) => row[i]! > 0));
      return JSON.stringify(lcpMatrix(word.map((k) => String.fromCharCode(97 + (k % 26))).join(''))) === JSON.stringify(m);
    };
    const valid = all.filter(([m]) => ofAWord(m)).length;
    expect(valid).toBeGreaterThan(all.length / 2);
    expect(valid).toBeLessThan(all.length);
  });

  it("a knight's tour visits every cell once, each step a knight's move", () => {
    const tour = knightTour(new Random('knight'), 6)!;
    expect(tour).not.toBeNull();
    const where = new Map(tour.flatMap((row, r) => row.map((v, c) => [v, [r, c]] as const)));
    expect(where.size).toBe(36);
    for (let k = 1; k < 36; k++) {
      const [a, b] = [where.get(k - 1)!, where.get(k)!];
      expect([Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1])].sort()).toEqual([1, 2]);
    }
  });

  it('keys and locks: one start, each key once with its lock', () => {
    const params: ParamModel[] = [{ name: 'grid', type: { kind: 'list', of: { kind: 'string' } }, values: [['@.a..', '###.#', 'b.A.B']] }];
    const text = "m == grid.length\nn == grid[i].length\n1 <= m, n <= 30\ngrid[i][j] is either an English letter, '.', '#', or '@'.\u00a0\nThere is exactly one\u00a0'@'\u00a0in the grid.\nThe number of keys in the grid is in the range [1, 6].\nEach key in the grid is unique.\nEach key in the grid has a matching lock.";
    for (const [grid] of inputs(generator(params, text), 20) as [string[]][]) {
      const cells = grid.join('');
      expect(cells.split('@').length - 1).toBe(1);
      const keys = [...cells].filter((c) => /[a-f]/.test(c));
      expect(keys.length).toBeGreaterThanOrEqual(1);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(cells.includes(key.toUpperCase())).toBe(true);
    }
  });

  it('subset and element-of promises draw from the other list', () => {
    const params: ParamModel[] = [
      { name: 'nums1', type: INTS, values: [[4, 1, 2], [2, 4]] },
      { name: 'nums2', type: INTS, values: [[1, 3, 4, 2], [1, 2, 3, 4]] },
    ];
    const text = '1 <= nums1.length <= nums2.length <= 1000\n0 <= nums1[i], nums2[i] <= 104\nAll integers in nums1 and nums2 are unique.\nAll the integers of nums1 also appear in nums2.';
    const all = inputs(generator(params, text)) as [number[], number[]][];
    expect(all.length).toBeGreaterThan(20);
    for (const [a, b] of all) {
      for (const x of a) expect(b).toContain(x);
      expect(new Set(a).size).toBe(a.length);
    }
  });

  it('shape rules: fixed ends, different neighbours, length multiples, parity', () => {
    const c = parseConstraints("obstacles.length == n + 1\n1 <= n <= 5 * 105\n0 <= obstacles[i] <= 3\nobstacles[0] == obstacles[n] == 0", ['obstacles']);
    expect(c.fixedPositions).toEqual([
      { name: 'obstacles', path: ['first'], value: 0 },
      { name: 'obstacles', path: ['last'], value: 0 },
    ]);
    expect(c.bounds.get('obstacles.length')?.bound.lo).toBe(2);
    const params: ParamModel[] = [
      { name: 'nums', type: INTS, values: [[1, 2, 1, 3, 2, 5]] },
      { name: 'k', type: INT, values: [3] },
      { name: 'price', type: INTS, values: [[2, 4]] },
    ];
    const text = '1 <= k <= nums.length <= 20\nnums.length is divisible by k\nnums[i] != nums[i + 1] for all valid i\nprice[i] is an even integer';
    for (const [nums, k, price] of inputs(generator(params, text)) as [number[], number, number[]][]) {
      expect(nums.length % k).toBe(0);
      expect(nums.every((v, i) => i === 0 || v !== nums[i - 1])).toBe(true);
      expect(price.every((p) => p % 2 === 0)).toBe(true);
    }
  });
});

describe('call sequences of class-design problems', () => {
  const spec = {
    mode: 'design' as const,
    language: 'python3' as const,
    className: 'MinStack',
    constructorParams: [],
    methods: [
      { name: 'push', params: [{ name: 'val', type: 'int' }], returnType: 'None' },
      { name: 'pop', params: [], returnType: 'None' },
      { name: 'getMin', params: [], returnType: 'int' },
    ],
  };
  const examples = [{ calls: ['MinStack', 'push', 'push', 'getMin', 'pop', 'getMin'], args: [[], [-2], [0], [], [], []] }];
  const options = { seed: 'design', maxCalls: 10, maxLength: 10, description: '' };

  it('draws the same methods with arguments within their bounds', () => {
    const g = new DesignSequenceGenerator('python3', spec, examples, '-100 <= val <= 100', options);
    expect(g.ordered).toBe(false);
    const all = g.generate(30);
    expect(all.length).toBe(30);
    for (const { input } of all) {
      expect(input.calls[0]).toBe('MinStack');
      expect(input.calls.length).toBe(input.args.length);
      input.calls.slice(1).forEach((call, k) => {
        expect(['push', 'pop', 'getMin']).toContain(call);
        if (call === 'push') expect(Math.abs(input.args[k + 1]![0] as number)).toBeLessThanOrEqual(100);
        else expect(input.args[k + 1]).toEqual([]);
      });
    }
    expect(new Set(all.map((x) => x.input.calls.join())).size).toBeGreaterThan(10);
  });

  it('keeps an example\'s calls in order where the statement promises valid calls', () => {
    const g = new DesignSequenceGenerator('python3', spec, examples, '-100 <= val <= 100\nMethods pop, top and getMin operations will always be called on non-empty stacks.', options);
    expect(g.ordered).toBe(true);
    for (const { input } of g.generate(20)) {
      expect(input.calls).toEqual(examples[0]!.calls.slice(0, input.calls.length));
    }
  });
});

describe('call sequences of iterators that promise valid calls', () => {
  const spec = {
    mode: 'design' as const,
    language: 'java' as const,
    className: 'BSTIterator',
    constructorParams: [{ name: 'root', type: 'TreeNode' }],
    methods: [
      { name: 'next', params: [], returnType: 'int' },
      { name: 'hasNext', params: [], returnType: 'boolean' },
    ],
  };
  const examples = [{ calls: ['BSTIterator', 'next', 'next', 'hasNext', 'next', 'hasNext'], args: [[[7, 3, 15, null, null, 9, 20]], [], [], [], [], []] }];
  const description = 'Implement the BSTIterator class.\nYou may assume that next() calls will always be valid. That is, there will be at least a next number in the in-order traversal when next() is called.';
  const options = { seed: 'iterator', maxCalls: 12, maxLength: 10, description };
  const constraints = 'The number of nodes in the tree is in the range [1, 10^5].\n0 <= Node.val <= 10^6';

  it('asks hasNext before every next, and cuts a sequence after hasNext first answers false', () => {
    const g = new DesignSequenceGenerator('java', spec, examples, constraints, options);
    expect(g.guard).toBe('hasNext');
    const all = g.generate(20);
    expect(all.length).toBeGreaterThan(5);
    for (const { input } of all) {
      input.calls.forEach((call, k) => call === 'next' && expect(input.calls[k - 1]).toBe('hasNext'));
      // No more next calls than the constructor's tree has nodes (an oracle may throw past the end).
      const nodes = (input.args[0]![0] as Value[]).filter((v) => v !== null).length;
      expect(input.calls.filter((c) => c === 'next').length).toBeLessThanOrEqual(nodes);
    }
    // An answer as a 2-node tree would give it: the third hasNext says false.
    const input = { calls: ['BSTIterator', 'hasNext', 'next', 'hasNext', 'next', 'hasNext', 'next', 'hasNext'], args: [[[2, 1]], [], [], [], [], [], [], []] };
    const answer = [null, true, 1, true, 2, false, -1, false];
    expect(g.trim(input, answer)).toEqual({ input: { calls: input.calls.slice(0, 6), args: input.args.slice(0, 6) }, expected: answer.slice(0, 6) });
    expect(g.trim({ calls: ['BSTIterator', 'hasNext', 'next'], args: [[[]], [], []] }, [null, false, -1])).toEqual({
      input: { calls: ['BSTIterator', 'hasNext'], args: [[[]], []] },
      expected: [null, false],
    });
  });

  it('leaves iterators without the promise, and classes without a guard, as they are', () => {
    expect(new DesignSequenceGenerator('java', spec, examples, constraints, { ...options, description: 'Implement the BSTIterator class.' }).guard).toBeNull();
    const noGuard = { ...spec, methods: [spec.methods[0]!] };
    expect(new DesignSequenceGenerator('java', noGuard, examples, constraints, options).guard).toBeNull();
  });
});

describe('inputs near the examples', () => {
  it('edits lists, strings and trees, copies between same-typed parameters, and keeps an empty tree a tree', () => {
    const params: ParamModel[] = [
      { name: 'p', type: { kind: 'tree' }, values: [[1, 2, 3], null] },
      { name: 'q', type: { kind: 'tree' }, values: [[1, 2, 3], [1]] },
    ];
    const g = generator(params, 'The number of nodes in both trees is in the range [0, 100].\n-104 <= Node.val <= 104');
    const near = g.nearby(30, [[[1, 2, 3], [1, 2, 3]], [null, [1]]]).map((x) => x.input as [Value[] | null, Value[] | null]);
    expect(near.length).toBeGreaterThan(10);
    for (const [p, q] of near) {
      // A tree is a level-order list, or null (empty) as in the examples: never a number or a nested list.
      for (const tree of [p, q]) {
        expect(tree === null || Array.isArray(tree)).toBe(true);
        expect((tree ?? []).every((v) => v === null || (typeof v === 'number' && Math.abs(v) <= 1e4))).toBe(true);
      }
    }
    // Some are two equal trees other than the example's: the answer random trees never get.
    expect(near.some(([p, q]) => JSON.stringify(p) === JSON.stringify(q) && JSON.stringify(p) !== '[1,2,3]')).toBe(true);
  });
});
