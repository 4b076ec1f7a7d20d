import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import type { Language } from '../../src/sandbox/types.js';
import { braceClasses } from '../../src/tasks/signatures/braces.js';
import { pythonClasses } from '../../src/tasks/signatures/python.js';
import type { CallSpec, DesignSpec } from '../../src/tasks/harness/spec.js';
import { driverProgram } from '../../src/tasks/harness/index.js';
import { parseValue, type Value } from '../../src/tasks/literal.js';
import { runCases } from '../../src/verify/runCases.js';
import { openSandbox } from '../helpers/host.js';

/**
 * Every supported type, in and out, in every language: an Echo class returns each argument as it
 * received it, so the driver's reading and its printing must agree with the input.
 */
const ECHO: Record<Language, string> = {
  python3: `class Echo:
    def __init__(self):
        pass
    def integer(self, x: int) -> int: return x
    def big(self, x: int) -> int: return x
    def real(self, x: float) -> float: return x
    def flag(self, x: bool) -> bool: return x
    def text(self, x: str) -> str: return x
    def ints(self, x: List[int]) -> List[int]: return x
    def grid(self, x: List[List[int]]) -> List[List[int]]: return x
    def words(self, x: List[str]) -> List[str]: return x
    def reals(self, x: List[float]) -> List[float]: return x
    def tree(self, x: Optional[TreeNode]) -> Optional[TreeNode]: return x
    def chain(self, x: Optional[ListNode]) -> Optional[ListNode]: return x
    def chains(self, x: List[Optional[ListNode]]) -> List[Optional[ListNode]]: return x
`,
  cpp: `class Echo {
public:
    Echo() {}
    int integer(int x) { return x; }
    long long big(long long x) { return x; }
    double real(double x) { return x; }
    bool flag(bool x) { return x; }
    char letter(char x) { return x; }
    string text(string x) { return x; }
    vector<int> ints(vector<int>& x) { return x; }
    vector<vector<int>> grid(vector<vector<int>>& x) { return x; }
    vector<string> words(vector<string> x) { return x; }
    vector<double> reals(vector<double> x) { return x; }
    vector<bool> flags(vector<bool> x) { return x; }
    vector<vector<char>> board(vector<vector<char>>& x) { return x; }
    TreeNode* tree(TreeNode* x) { return x; }
    ListNode* chain(ListNode* x) { return x; }
    vector<ListNode*> chains(vector<ListNode*> x) { return x; }
};
`,
  java: `class Echo {
    public Echo() {}
    public int integer(int x) { return x; }
    public long big(long x) { return x; }
    public double real(double x) { return x; }
    public boolean flag(boolean x) { return x; }
    public char letter(char x) { return x; }
    public String text(String x) { return x; }
    public int[] ints(int[] x) { return x; }
    public int[][] grid(int[][] x) { return x; }
    public String[] words(String[] x) { return x; }
    public double[] reals(double[] x) { return x; }
    public boolean[] flags(boolean[] x) { return x; }
    public char[][] board(char[][] x) { return x; }
    public List<Integer> boxed(List<Integer> x) { return x; }
    public List<List<String>> nested(List<List<String>> x) { return x; }
    public TreeNode tree(TreeNode x) { return x; }
    public ListNode chain(ListNode x) { return x; }
}
`,
};

/** Method → arguments to echo (each is one call's argument list). */
const VALUES: Record<string, string[]> = {
  integer: ['0', '-2147483648', '2147483647'],
  big: ['-9223372036854775808', '9223372036854775807', '4611686018427387904'],
  real: ['0.1', '-2.5', '1e-7', '12345.678'],
  flag: ['true', 'false'],
  letter: ['"a"', '"Z"'],
  text: ['""', '"tab\\t quote\\" backslash\\\\ newline\\n"', '"héllo"'],
  ints: ['[]', '[1,-2,3]'],
  grid: ['[]', '[[1,2],[3,4]]', '[[],[5]]'],
  words: ['[]', '["a","bc",""]'],
  reals: ['[0.5,-1.25]'],
  flags: ['[true,false,true]'],
  board: ['[["X","O"],[".","#"]]'],
  boxed: ['[3,1,2]'],
  nested: ['[["a"],[],["b","c"]]'],
  tree: ['[]', '[1]', '[3,9,20,null,null,15,7]', '[1,null,2,null,3]'],
  chain: ['[]', '[1,2,3]'],
  chains: ['[[1,2],[],[3]]'],
};

describe.each(['python3', 'cpp', 'java'] as const)('%s driver reads and prints every supported type', (language) => {
  let sandbox: ProgramSandbox;
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
  });
  afterAll(() => sandbox?.dispose());

  it('echoes each value unchanged', async () => {
    const shape = (language === 'python3' ? pythonClasses : braceClasses)(ECHO[language]).find((c) => c.name === 'Echo')!;
    const spec: DesignSpec = { mode: 'design', language, className: 'Echo', constructorParams: [], methods: shape.methods };
    const calls = shape.methods.flatMap((m) => (VALUES[m.name] ?? []).map((v) => [m.name, v] as const));
    expect(calls.length).toBeGreaterThan(20);
    const inputs = [{ calls: ['Echo', ...calls.map(([name]) => name)], args: [[], ...calls.map(([, v]) => [parseValue(v)])] as Value[][] }];
    const run = await runCases(sandbox, spec, driverProgram(spec, ECHO[language]), inputs, { timeoutMs: 20000 });
    expect(run.result.verdict, `${run.result.message}\n${run.result.stderr}`).toBe('pass');
    const printed = run.outputs[0] as Value[];
    expect(printed[0]).toBeNull();
    calls.forEach(([method, value], i) => {
      const expected = parseValue(value);
      const actual = printed[i + 1]!;
      if (typeof expected === 'number' && !Number.isInteger(expected)) expect(actual, method).toBeCloseTo(expected, 12);
      else if (method === 'reals') (expected as number[]).forEach((x, k) => expect((actual as number[])[k]).toBeCloseTo(x, 12));
      else expect(actual, `${method}(${value})`).toEqual(expected);
    });
  });
});

describe('results cut by the output limit', () => {
  it('are not taken for results: a number cut in half is no answer', async () => {
    const sandbox = await openSandbox('bwrap');
    try {
      const code = 'class Solution:\n    def big(self, x: int) -> int:\n        return x\n';
      const spec: CallSpec = { mode: 'call', language: 'python3', method: 'big', params: [{ name: 'x', type: 'int' }], callBy: 'name', returnType: 'int', inPlace: false };
      // At 5 KiB the cut falls inside case 106's number (1234567|890123456789): once read as 1234567.
      const inputs = Array.from({ length: 400 }, () => [1234567890123456789n]);
      const run = await runCases(sandbox, spec, driverProgram(spec, code), inputs, { outputKb: 5 });
      expect(run.result.outputTruncated).toBe(true);
      const answered = run.outputs.filter((o) => o !== undefined);
      expect(answered.length).toBeGreaterThan(10);
      expect(answered.length).toBeLessThan(400);
      for (const output of answered) expect(output).toBe(1234567890123456789n);
    } finally {
      await sandbox.dispose();
    }
  });
});
