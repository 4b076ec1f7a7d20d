import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptable } from '../../src/verify/compare.js';
import { loadDebugBench, taskId } from '../../src/tasks/debugbench.js';
import { normalizeCode } from '../../src/tasks/normalize.js';
import { splitBySlug, splitOfSlug } from '../../src/tasks/split.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-debugbench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const record = (slug: string, buggy: string, extra: Record<string, unknown> = {}) => ({
  slug,
  description: 'd',
  examples: ['Input: x = 1\nOutput: 1'],
  constraints: '',
  oracle_code: 'class Solution:\n    def f(self, x): return x',
  buggy_code: buggy,
  level: 'easy',
  ...extra,
});

describe('loadDebugBench', () => {
  writeFileSync(
    join(dir, 'python3_condition error.json'),
    JSON.stringify([
      record('a-b', 'code one'),
      record('a-b', 'code one  \n\n'), // the same buggy code, differently spaced
      record('c-d', 'code two', { level: 'impossible' }),
      'not a record',
      record('e-f', 'code three'),
    ]),
  );
  writeFileSync(join(dir, 'cpp_double.json'), JSON.stringify([record('a-b', 'int code;')]));
  writeFileSync(join(dir, 'java_triple.json'), '[{"broken json"');
  writeFileSync(join(dir, 'notes.json'), '[]');

  it('loads tasks, reports malformed records by file and index, and counts duplicates', () => {
    const result = loadDebugBench(dir);
    expect(result.tasks.map((t) => t.id)).toEqual([taskId('cpp', 'a-b', 'double', 'int code;'), taskId('python3', 'a-b', 'condition error', 'code one'), taskId('python3', 'e-f', 'condition error', 'code three')]);
    expect(result.tasks[1]).toMatchObject({ language: 'python3', bugType: 'condition error', category: 'logic', source: { file: 'python3_condition error.json', index: 0 } });
    expect(result.duplicates).toEqual({ python3: 1, cpp: 0, java: 0 });
    expect(result.duplicatesOf.get(result.tasks[1]!.id)).toBe(1);
    expect(result.records).toEqual({ python3: 3, cpp: 1, java: 0 }); // malformed ones are problems, not records
    expect(result.problems.map((p) => [p.file, p.index])).toEqual([
      ['java_triple.json', null],
      ['notes.json', null],
      ['python3_condition error.json', 2],
      ['python3_condition error.json', 3],
    ]);
    expect(result.problems[2]!.message).toContain('level');
  });

  it('filters by language and names a missing directory', () => {
    expect(loadDebugBench(dir, ['cpp']).tasks).toHaveLength(1);
    expect(() => loadDebugBench(join(dir, 'nope'))).toThrow(/HINT: pass --debugbench/);
  });

  it('builds ids from language, slug, bug type and a hash of the buggy code', () => {
    expect(taskId('java', 'two-sum', 'misused == or =', 'x')).toMatch(/^java\/two-sum\/misused-==-or-=\/[0-9a-f]{8}$/);
  });
});

describe('normalizeCode', () => {
  it('ignores trailing spaces and blank lines but not indentation', () => {
    expect(normalizeCode('a  \r\n\n  b\n')).toBe('a\n  b');
    expect(normalizeCode('  b')).not.toBe(normalizeCode('b'));
  });
});

describe('split by slug', () => {
  it('puts every record of a problem on the same side, deterministically', () => {
    const items = Array.from({ length: 400 }, (_, i) => ({ slug: `problem-${i % 100}`, n: i }));
    const { train, test } = splitBySlug(items, 0.25, 7);
    const testSlugs = new Set(test.map((t) => t.slug));
    expect(train.some((t) => testSlugs.has(t.slug))).toBe(false);
    expect(testSlugs.size).toBeGreaterThan(10);
    expect(testSlugs.size).toBeLessThan(40);
    expect(splitBySlug(items, 0.25, 7).test).toEqual(test);
    expect(splitBySlug(items, 0.25, 8).test).not.toEqual(test);
    expect(splitOfSlug('x', 0, 1)).toBe('train');
    expect(splitOfSlug('x', 1, 1)).toBe('test');
    expect(() => splitOfSlug('x', 1.5, 1)).toThrow(RangeError);
  });
});

describe('comparing results', () => {
  const exact = { tolerance: 1e-5, orderFreeLevels: [] };
  it('compares numbers within the tolerance and integers exactly', () => {
    expect(acceptable(2.000001, 2, exact)).toBe(true);
    expect(acceptable(2.1, 2, exact)).toBe(false);
    expect(acceptable(9007199254740993n, 9007199254740992n, exact)).toBe(false);
    expect(acceptable([1, [2.0000001]], [1, [2]], exact)).toBe(true);
    expect(acceptable('1', 1, exact)).toBe(false);
  });

  it('treats the top-level list as a multiset when the statement allows any order', () => {
    const anyOrder = { tolerance: 1e-5, orderFreeLevels: [0] };
    expect(acceptable([[3, 1], [2]], [[2], [3, 1]], anyOrder)).toBe(true);
    expect(acceptable([[1, 3], [2]], [[2], [3, 1]], anyOrder)).toBe(false);
    expect(acceptable([1, 1, 2], [1, 2, 2], anyOrder)).toBe(false);
  });
});
