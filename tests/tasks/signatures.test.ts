import { describe, expect, it } from 'vitest';
import { braceClasses, parseParam } from '../../src/tasks/signatures/braces.js';
import { entryMethod, pythonClasses } from '../../src/tasks/signatures/python.js';
import { SignatureError } from '../../src/tasks/signatures/types.js';

describe('Python signatures', () => {
  const code = [
    'class Solution:',
    '    def helper(self, a, b):',
    '        return a',
    '    # def fake(self, x): commented out',
    '    def kthBit(self, n: int, k: int, flip = True) -> str:',
    '        def inner(x):',
    '            return x',
    "        return 'x'",
    '',
    'class Other:',
    '    def __init__(self, size: int):',
    '        pass',
    '    def put(self, key: List[Optional[TreeNode]], value: "Node") -> None:',
    '        pass',
  ].join('\n');

  it('reads classes, methods, annotations and defaults, not nested functions or comments', () => {
    const [solution, other] = pythonClasses(code);
    expect(solution!.methods.map((m) => m.name)).toEqual(['helper', 'kthBit']);
    expect(solution!.methods[1]).toEqual({
      name: 'kthBit',
      params: [
        { name: 'n', type: 'int' },
        { name: 'k', type: 'int' },
        { name: 'flip', type: '', optional: true },
      ],
      returnType: 'str',
    });
    expect(other).toMatchObject({ name: 'Other', constructors: [[{ name: 'size', type: 'int' }]] });
    expect(other!.methods[0]!.params[0]).toEqual({ name: 'key', type: 'List[Optional[TreeNode]]' });
  });

  it('picks the entry method by argument names, then by the slug', () => {
    const methods = pythonClasses(code)[0]!.methods;
    expect(entryMethod(methods, ['k', 'n']).name).toBe('kthBit');
    expect(entryMethod(methods, ['x', 'y'], 'find-kth-bit').name).toBe('kthBit');
    expect(() => entryMethod(methods, ['a', 'b', 'c', 'd'])).toThrow(SignatureError);
  });
});

describe('C++ and Java signatures', () => {
  it('reads member functions of C++ classes, skipping bodies, comments and strings', () => {
    const code = [
      '// int fake(int x) {',
      'class Solution {',
      '    int memo[100];',
      'public:',
      '    /* vector<int> no(int) { */',
      '    vector<vector<int>> merge(vector<vector<int>>& intervals, const string &s = "(x)") {',
      '        if (s.size()) { return {}; }',
      '        return intervals;',
      '    }',
      'private:',
      '    static bool ok(TreeNode* root, long long k) const { return true; }',
      '};',
      'struct Counter { Counter(int start) {} void add(int x) {} };',
    ].join('\n');
    const [solution, counter] = braceClasses(code);
    expect(solution!.methods).toEqual([
      { name: 'merge', params: [{ name: 'intervals', type: 'vector<vector<int>>&' }, { name: 's', type: 'const string&', optional: true }], returnType: 'vector<vector<int>>' },
      { name: 'ok', params: [{ name: 'root', type: 'TreeNode*' }, { name: 'k', type: 'long long' }], returnType: 'bool' },
    ]);
    expect(counter).toEqual({ name: 'Counter', constructors: [[{ name: 'start', type: 'int' }]], methods: [{ name: 'add', params: [{ name: 'x', type: 'int' }], returnType: 'void' }] });
  });

  it('reads Java methods with arrays, generics and modifiers', () => {
    const code = 'class Solution {\n  private int[] seen;\n  public List<List<Integer>> groups(int[][] grid, String[] names, List<String> words) throws Exception {\n    return null;\n  }\n  public static final char first(char[] cs) { return cs[0]; }\n}';
    const [solution] = braceClasses(code);
    expect(solution!.methods).toEqual([
      {
        name: 'groups',
        params: [
          { name: 'grid', type: 'int[][]' },
          { name: 'names', type: 'String[]' },
          { name: 'words', type: 'List<String>' },
        ],
        returnType: 'List<List<Integer>>',
      },
      { name: 'first', params: [{ name: 'cs', type: 'char[]' }], returnType: 'char' },
    ]);
  });

  it('splits a parameter into type and name', () => {
    expect(parseParam('vector<pair<int, int>> & edges')).toEqual({ name: 'edges', type: 'vector<pair<int,int>>&' });
    expect(parseParam('int nums[]')).toEqual({ name: 'nums', type: 'int[]' });
    expect(parseParam('final Map<String, Integer> counts')).toEqual({ name: 'counts', type: 'Map<String,Integer>' });
  });
});
