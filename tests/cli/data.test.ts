import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { splitOfSlug } from '../../src/tasks/split.js';
import { parseTaskLine } from '../../src/tasks/store.js';
import { FIXTURES } from '../fixtures/problems.js';

const config = loadConfig();
const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeq(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CODEQ_LOG_JSON: '1' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Our fixtures as DebugBench shards: the bug type goes in the file name. */
function writeShards(target: string, languages: string[]): void {
  mkdirSync(target, { recursive: true });
  for (const language of languages) {
    const records = FIXTURES.filter((f) => f.language === language).map(({ buggyVerdict: _, language: __, ...record }) => ({ ...record, level: 'easy' }));
    writeFileSync(join(target, `${language}_other error.json`), JSON.stringify(records));
  }
}

describe('codeq data prepare', () => {
  const data = join(dir, 'debugbench');
  const out = join(dir, 'prepared');
  writeShards(data, ['python3', 'cpp']);

  it('writes tasks with visible and hidden tests, dropped records and stats, and resumes', () => {
    const first = codeq('data', 'prepare', '--debugbench', data, '--out', out, '--languages', 'python3,cpp', '--hidden', '4', '--seed', '3');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/python3: 6\/6 tasks testable/);
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8'));
    expect(stats.languages.python3).toMatchObject({ records: 6, duplicates: 0, tasks: 6, testable: 6, testableRate: 1, visibleTests: 12 });
    expect(stats.languages.cpp.testable).toBe(6);
    expect(stats.settings).toMatchObject({ count: 4, seed: 3 });
    const tasks = readFileSync(join(out, 'tasks.jsonl'), 'utf8').trim().split('\n').map(parseTaskLine);
    expect(tasks).toHaveLength(12);
    expect(tasks.filter((t) => t.spec.mode === 'call').every((t) => t.hidden.length === 4)).toBe(true);
    // Every task is on its problem's side of the default split (by slug, seeded).
    for (const t of tasks) expect(t.split).toBe(splitOfSlug(t.slug, config.tasks.split.testFraction, config.tasks.split.seed));
    // 4 hidden tests are short of the target for every task: the problems with the most short tasks come first, then by name.
    const pythonSlugs = tasks.filter((t) => t.language === 'python3').map((t) => t.slug).sort();
    expect(stats.languages.python3.hiddenCoverage).toMatchObject({ tasks: 0, share: 0, shortProblems: pythonSlugs.slice(0, 3).map((slug) => ({ slug, tasks: 1 })) });
    const again = codeq('data', 'prepare', '--debugbench', data, '--out', out, '--languages', 'python3,cpp', '--hidden', '4', '--seed', '3');
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('resuming');
    expect(readFileSync(join(out, 'tasks.jsonl'), 'utf8').trim().split('\n').map(parseTaskLine)).toEqual(tasks);
  });

  it('refuses to mix settings in one output directory unless forced', () => {
    const other = codeq('data', 'prepare', '--debugbench', data, '--out', out, '--languages', 'python3,cpp', '--hidden', '5', '--seed', '3');
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('was prepared with other settings or data. HINT');
    expect(codeq('data', 'prepare', '--debugbench', data, '--out', out, '--languages', 'python3', '--hidden', '0', '--force').status).toBe(0);
  });

  it('names bad arguments', () => {
    expect(codeq('data', 'prepare', '--out', out, '--languages', 'rust').stderr).toContain('--languages: unknown language "rust"');
    expect(codeq('data', 'prepare', '--debugbench', join(dir, 'missing'), '--out', out).stderr).toContain('does not exist. HINT');
  });
});

describe('codeq verify', () => {
  it('scores candidates with visible and hidden tests, and reports invalid lines without stopping', () => {
    const fixture = FIXTURES.find((f) => f.language === 'java' && f.slug === 'count-target-pairs')!;
    const base = { id: 'x', language: fixture.language, slug: fixture.slug, examples: fixture.examples, oracle_code: fixture.oracle_code, constraints: fixture.constraints, description: fixture.description };
    const lines = [
      JSON.stringify({ ...base, id: 'right', candidate_code: fixture.oracle_code }),
      JSON.stringify({ ...base, id: 'wrong', candidate_code: fixture.buggy_code }),
      '{ not json',
      JSON.stringify({ ...base, id: 'no-candidate', candidate_code: undefined }),
      JSON.stringify({ ...base, id: 'broken', candidate_code: 'class Solution {' }),
    ];
    const input = join(dir, 'fixes.jsonl');
    const output = join(dir, 'verdicts.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const run = codeq('verify', '--input', input, '--output', output, '--hidden', '6');
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('5 lines');
    const results = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(results.map((r) => r.line)).toEqual([1, 2, 3, 4, 5]);
    expect(results[0]).toMatchObject({ id: 'right', language: 'java', slug: 'count-target-pairs', verdict: 'pass', visible: { passed: 2, total: 2 }, hidden: { passed: 6, total: 6 } });
    expect(results[1]).toMatchObject({ id: 'wrong', verdict: 'wrong_answer', visible: { passed: 1, total: 2 } });
    expect(results[1].first_failure).toEqual({ tests: 'visible', index: 1, input: '[[1,1,1],2]', expected: '3', actual: '6' });
    expect(results[2].error).toMatch(/^not JSON/);
    expect(results[3].error).toContain('candidate_code');
    expect(results[4]).toMatchObject({ id: 'broken', verdict: 'compile_error' });
    expect(run.stderr).toContain(`${input}:3: not JSON`);
  });
});
