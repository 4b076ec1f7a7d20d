import { beforeAll, describe, expect, it } from 'vitest';
import { programTokenizer, type ProgramTokenizer } from '../../src/preferences/programTokens.js';
import type { Language } from '../../src/sandbox/types.js';

/** Per language: a program, the same program with other comments and formatting, and programs that differ. */
const CASES: Record<Language, { base: string; reformatted: string[]; different: string[] }> = {
  python3: {
    base: 'class Solution:\n    def f(self, xs):\n        total = 0\n        for x in xs:\n            total += x\n        return "sum: " + str(total)\n',
    reformatted: [
      '# a header\nclass Solution:\n  def f(self, xs):  # two-space indent\n    total = 0\n\n    for x in xs:\n      total  +=  x   # add\n    return "sum: " + \\\n        str(total)\n',
      'class Solution:\n    def f(self, xs):\n        total = 0\n        for x in xs: total += x\n        return "sum: " + str(total)',
    ],
    different: [
      // a string literal
      'class Solution:\n    def f(self, xs):\n        total = 0\n        for x in xs:\n            total += x\n        return "sum:  " + str(total)\n',
      // an identifier
      'class Solution:\n    def f(self, ys):\n        total = 0\n        for x in ys:\n            total += x\n        return "sum: " + str(total)\n',
      // indentation that moves a statement out of the loop
      'class Solution:\n    def f(self, xs):\n        total = 0\n        for x in xs:\n            pass\n        total += x\n        return "sum: " + str(total)\n',
      // a number
      'class Solution:\n    def f(self, xs):\n        total = 1\n        for x in xs:\n            total += x\n        return "sum: " + str(total)\n',
    ],
  },
  cpp: {
    base: '#include <string>\nclass Solution {\npublic:\n    std::string f(int n) {\n        int t = 0;\n        for (int i = 0; i < n; i++) t += i;\n        return "sum: " + std::to_string(t);\n    }\n};\n',
    reformatted: [
      '#include <string>\n/* the class */\nclass Solution\n{\npublic:\n  std::string f(int n)\n  {\n    int t = 0; // start\n    for (int i = 0;\n         i < n;\n         i++)\n      t += i;\n    return "sum: " + std::to_string(t);\n  }\n};',
    ],
    different: [
      '#include <string>\nclass Solution {\npublic:\n    std::string f(int n) {\n        int t = 0;\n        for (int i = 0; i < n; i++) t += i;\n        return "sum:" + std::to_string(t);\n    }\n};\n',
      '#include <string>\nclass Solution {\npublic:\n    std::string f(int m) {\n        int t = 0;\n        for (int i = 0; i < m; i++) t += i;\n        return "sum: " + std::to_string(t);\n    }\n};\n',
      '#include <string>\nclass Solution {\npublic:\n    std::string f(int n) {\n        int t = 0;\n        for (int i = 0; i <= n; i++) t += i;\n        return "sum: " + std::to_string(t);\n    }\n};\n',
    ],
  },
  java: {
    base: 'class Solution {\n    public String f(int n) {\n        int t = 0;\n        for (int i = 0; i < n; i++) t += i;\n        return "sum: " + t + \'!\';\n    }\n}\n',
    reformatted: [
      '/** Docs. */\nclass Solution\n{\n  // the method\n  public String f(int n)\n  {\n    int t = 0; /* zero */\n    for (int i = 0;\n         i < n; i++) t += i;\n    return "sum: "\n      + t\n      + \'!\';\n  }\n}',
    ],
    different: [
      'class Solution {\n    public String f(int n) {\n        int t = 0;\n        for (int i = 0; i < n; i++) t += i;\n        return "Sum: " + t + \'!\';\n    }\n}\n',
      'class Solution {\n    public String f(int n) {\n        int s = 0;\n        for (int i = 0; i < n; i++) s += i;\n        return "sum: " + s + \'!\';\n    }\n}\n',
      'class Solution {\n    public String f(int n) {\n        int t = 0;\n        for (int i = 0; i < n; i++) t += i;\n        return "sum: " + t + \'?\';\n    }\n}\n',
    ],
  },
};

describe('program tokens (tree-sitter): comments and formatting do not count, code does', () => {
  let tokenizer: ProgramTokenizer;
  beforeAll(async () => {
    tokenizer = await programTokenizer();
  });

  for (const [language, { base, reformatted, different }] of Object.entries(CASES) as [Language, (typeof CASES)[Language]][]) {
    it(`${language}: the same program reformatted and commented is one program`, () => {
      expect(reformatted.length).toBeGreaterThan(0);
      for (const variant of reformatted) expect(tokenizer.normalize(variant, language)).toBe(tokenizer.normalize(base, language));
    });

    it(`${language}: a changed string literal, identifier or operator is another program`, () => {
      const keys = new Set([base, ...different].map((code) => tokenizer.normalize(code, language)));
      expect(keys.size).toBe(different.length + 1);
    });
  }

  it('keeps the whitespace inside a string literal, and the text of a program that does not parse', () => {
    expect(tokenizer.normalize('x = "a  b"\n', 'python3')).not.toBe(tokenizer.normalize('x = "a b"\n', 'python3'));
    const broken = 'def f(:\n    return (1\n';
    expect(tokenizer.normalize(broken, 'python3')).toBe(tokenizer.normalize(broken, 'python3'));
    expect(tokenizer.normalize(broken, 'python3')).not.toBe(tokenizer.normalize('def f(:\n    return (2\n', 'python3'));
  });
});
