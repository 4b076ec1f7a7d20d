import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { prepareSlice } from '../../src/tasks/prepare/prepareSlice.js';
import { readTaskFile } from '../../src/tasks/taskFile.js';
import { config, openSandbox } from '../helpers/host.js';

/** A DebugBench directory of our own: one problem, bugs of which one is no bug at all. */
function writeBench(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const oracle = 'class Solution:\n    def addTwo(self, a: int, b: int) -> int:\n        return a + b\n';
  const record = (bug: string, slug: string) => ({
    slug,
    description: 'Given two integers a and b, return their sum.',
    examples: ['Input: a = 1, b = 2\nOutput: 3', 'Input: a = -4, b = 2\nOutput: -2'],
    constraints: '-100 <= a, b <= 100',
    oracle_code: oracle,
    buggy_code: oracle.replace('a + b', bug),
    level: 'easy',
  });
  // `b + a` passes every test: dropped as buggy-passes, and remembered as tried.
  const bugs = ['a - b', 'b + a', 'a * b', 'a + b + 1', 'b'];
  writeFileSync(join(dir, 'python3_operation error.json'), JSON.stringify(bugs.map((bug, i) => record(bug, `add-two-${i}`))));
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

describe('prepareSlice', () => {
  let sandbox: ProgramSandbox;
  const dir = mkdtempSync(join(tmpdir(), 'codeq-slice-'));
  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    writeBench(join(dir, 'bench'));
  }, 60_000);
  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  // Every slug in the train split (testFraction 0), few hidden tests: seconds.
  const tasksConfig = { ...config.tasks, split: { ...config.tasks.split, testFraction: 0 }, hidden: { ...config.tasks.hidden, count: 6, large: { ...config.tasks.hidden.large, count: 0 } } };
  const request = (out: string) => ({ languages: ['python3' as const], perSplit: { train: 3, test: 0 }, seed: 1, debugbench: join(dir, 'bench'), dir: out });

  it('prepares only as many testable tasks as asked, skipping dropped ones, and resumes after a crash', async () => {
    const out = join(dir, 'slice');
    const progress: number[] = [];
    const tasks = await prepareSlice({ ...request(out), onProgress: (p) => progress.push(p.have) }, sandbox, tasksConfig);
    expect(tasks).toHaveLength(3);
    expect(progress).toEqual([1, 2, 3]);
    expect(readTaskFile(join(out, 'tasks.jsonl')).map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    const tried = lines(join(out, 'tried.jsonl')).map((l) => JSON.parse(l) as { id: string; status: string; reason?: string });
    expect(tried.filter((t) => t.status === 'testable')).toHaveLength(3);
    expect(tasks.some((t) => t.buggyCode.includes('b + a'))).toBe(false);

    // A crash mid-append leaves half a line: it is cut, the record tried again, nothing else redone.
    const last = tried.at(-1)!;
    writeFileSync(join(out, 'tried.jsonl'), `${lines(join(out, 'tried.jsonl')).slice(0, -1).join('\n')}\n`);
    appendFileSync(join(out, 'tried.jsonl'), '{"id":"python3/add');
    const again = await prepareSlice(request(out), sandbox, tasksConfig);
    expect(again.map((t) => t.id)).toEqual(tasks.map((t) => t.id));
    const triedAgain = lines(join(out, 'tried.jsonl')).map((l) => JSON.parse(l) as { id: string });
    expect(triedAgain.map((t) => t.id)).toEqual(tried.map((t) => t.id));
    expect(triedAgain.at(-1)!.id).toBe(last.id);
  }, 240_000);

  it('a larger request keeps what is there and prepares only the rest', async () => {
    const out = join(dir, 'slice');
    const before = lines(join(out, 'tried.jsonl')).length;
    const tasks = await prepareSlice({ ...request(out), perSplit: { train: 4, test: 0 } }, sandbox, tasksConfig);
    expect(tasks).toHaveLength(4);
    expect(lines(join(out, 'tried.jsonl')).length).toBeGreaterThan(before);
    expect(lines(join(out, 'tried.jsonl')).length).toBeLessThanOrEqual(5);
  }, 240_000);
});
