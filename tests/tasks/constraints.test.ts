import { describe, expect, it } from 'vitest';
import { numericExpression, parseConstraints, refKey, rowFields } from '../../src/tasks/hidden/constraints.js';

const bound = (text: string, names: string[], key: string, description = '') => parseConstraints(text, names, description).bounds.get(key)?.bound;

describe('numbers as DebugBench prints them (superscripts lost)', () => {
  it('reads powers, products and offsets', () => {
    expect(numericExpression('105')).toBe(1e5);
    expect(numericExpression('2 * 104')).toBe(2e4);
    expect(numericExpression('-231')).toBe(-(2 ** 31));
    expect(numericExpression('231 - 1')).toBe(2 ** 31 - 1);
    expect(numericExpression('109 + 7')).toBe(1e9 + 7);
    expect(numericExpression('100')).toBe(100);
    expect(numericExpression('n - 1')).toBeNull();
  });
});

describe('parseConstraints', () => {
  it('reads ranges of values, lengths and elements, and chains', () => {
    expect(bound('1 <= nums.length <= 104', ['nums'], 'nums.length')).toEqual({ lo: 1, hi: 1e4 });
    expect(bound('-104 <= nums[i] <= 104', ['nums'], 'nums[].value')).toEqual({ lo: -1e4, hi: 1e4 });
    const chain = parseConstraints('1 <= k <= n <= 1000', ['n', 'k']);
    expect(chain.bounds.get('k.value')?.bound).toEqual({ lo: 1, hi: undefined });
    expect(chain.bounds.get('n.value')?.bound).toEqual({ lo: undefined, hi: 1000 });
    expect(chain.relations.map((r) => `${refKey(r.left)} ${r.op} ${refKey(r.right)}`)).toEqual(['k.value <= n.value']);
  });

  it('resolves names that stand for sizes (m == grid.length)', () => {
    const c = parseConstraints('m == grid.length\nn == grid[i].length\n1 <= m, n <= 300\n0 <= grid[i][j] < 2', ['grid']);
    expect(c.bounds.get('grid.length')?.bound).toEqual({ lo: 1, hi: 300 });
    expect(c.bounds.get('grid[].length')?.bound).toEqual({ lo: 1, hi: 300 });
    expect(c.bounds.get('grid[][].value')?.bound).toEqual({ lo: 0, hi: 1 });
  });

  it('maps row fields named in the statement (edges[i] = [fromi, toi])', () => {
    const description = 'You are given bookings where bookings[i] = [firsti, lasti, seatsi].';
    expect(rowFields(description, ['bookings']).get('lasti')).toEqual({ name: 'bookings', depth: 1, prop: 'value', field: 1 });
    const c = parseConstraints('1 <= firsti <= lasti <= n\n1 <= seatsi <= 104', ['bookings', 'n'], description);
    expect(c.bounds.get('bookings[]#2.value')?.bound).toEqual({ lo: 1, hi: 1e4 });
    expect(c.relations.map((r) => `${refKey(r.left)} ${r.op} ${refKey(r.right)}`)).toEqual(['bookings[]#0.value <= bookings[]#1.value', 'bookings[]#1.value <= n.value']);
  });

  it('reads alphabets, value sets, uniqueness, order, node counts and leading zeros', () => {
    const c = parseConstraints(
      [
        's and words[i] consist of lowercase English letters.',
        'pattern contains only lowercase English letters and digits.',
        "flags[i] is either 'I' or 'D'.",
        'bits[i] is 0 or 1.',
        'All the integers of nums are unique.',
        'nums is sorted in non-decreasing order.',
        'The number of nodes in the tree is in the range [1, 104].',
        'num does not have any leading zeros.',
      ].join('\n'),
      ['s', 'words', 'pattern', 'flags', 'bits', 'nums', 'root', 'num'],
    );
    expect(c.alphabets.get('s')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(c.alphabets.get('words')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(c.alphabets.get('pattern')).toBe('abcdefghijklmnopqrstuvwxyz0123456789');
    expect(c.alphabets.get('flags')).toBe('ID');
    expect(c.elementValues.get('bits')).toEqual([0, 1]);
    expect([...c.unique]).toEqual(['nums']);
    expect(c.sorted.get('nums')).toBe('asc');
    expect(c.nodeCount.tree).toEqual({ lo: 1, hi: 1e4 });
    expect([...c.noLeadingZeros]).toEqual(['num']);
    expect(c.frozen.size).toBe(0);
  });

  it('freezes what prose it cannot keep talks about', () => {
    const c = parseConstraints('1 <= n <= 100\nedges represents a valid tree.\nThere are no two adjacent flowers in flowerbed.', ['n', 'edges', 'flowerbed']);
    expect([...c.frozen].sort()).toEqual(['edges', 'flowerbed']);
    expect([...parseConstraints('The graph is acyclic.', ['n', 'edges']).frozen].sort()).toEqual(['edges', 'n']);
  });
});
