import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitOfFound } from '../../src/cli/searchCommand.js';
import { loadConfig } from '../../src/config/load.js';
import { splitOfSlug } from '../../src/tasks/split.js';
import { tree } from '../preferences/trajectoryFixture.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-cli-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeq(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('codeq search --task: the split it records', () => {
  it('is the prepared task\'s, or for a task built from DebugBench the one tasks.split gives its problem', () => {
    const { split } = loadConfig().tasks;
    expect(splitOfFound({ id: 'x', split: 'test', slug: 'two-sum' }, split)).toBe('test');
    const slugs = ['two-sum', 'add-two-numbers', 'valid-anagram', 'jump-game', 'word-break', 'house-robber', 'coin-change', 'climbing-stairs'];
    for (const slug of slugs) expect(splitOfFound({ id: 'x', slug }, split)).toBe(splitOfSlug(slug, split.testFraction, split.seed));
    expect(new Set(slugs.map((slug) => splitOfFound({ id: 'x', slug }, { ...split, testFraction: 1 })))).toEqual(new Set(['test']));
    expect(() => splitOfFound({ id: 'x' }, split)).toThrow(/neither a split nor a slug/);
  });
});

describe('codeq collect, search and pairs on bad input', () => {
  it('names a missing or malformed tasks file, and what to do', () => {
    const missing = codeq('collect', '--tasks', join(dir, 'nope.jsonl'), '--out', join(dir, 'out'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.jsonl: no such file\. HINT: make one with codeq data prepare/);
    writeFileSync(join(dir, 'bad.jsonl'), '{"id": "python3/x/y/00000000"}\n');
    const bad = codeq('collect', '--tasks', join(dir, 'bad.jsonl'), '--out', join(dir, 'out'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.jsonl:1: not a prepared task \(.*language/);
  });

  it('rejects an unknown mode and a bad budget with the option name', () => {
    const mode = codeq('collect', '--mode', 'beam', '--out', dir);
    expect(mode.status).toBe(1);
    expect(mode.stderr).toMatch(/--mode.*expected one of single, best-of-n, mcts, got "beam"/);
    const tokens = codeq('search', '--task', 'x', '--tokens', '-3');
    expect(tokens.status).toBe(1);
    expect(tokens.stderr).toMatch(/--tokens.*expected a positive whole number/);
    const threshold = codeq('pairs', '--trajectories', dir, '--out', join(dir, 'p.jsonl'), '--threshold', '1.5');
    expect(threshold.status).toBe(1);
    expect(threshold.stderr).toMatch(/--threshold.*expected a number in \[0, 1\], got "1.5"/);
    expect(codeq('collect', '--levels', 'easy,tough', '--out', dir).stderr).toMatch(/--levels.*expected one of easy, medium, hard, got "tough"/);
  });

  it('pairs: refuses an empty or missing directory and names a malformed trajectory line', () => {
    expect(codeq('pairs', '--trajectories', join(dir, 'none'), '--out', join(dir, 'p.jsonl')).stderr).toMatch(/none: no such directory/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(codeq('pairs', '--trajectories', empty, '--out', join(dir, 'p.jsonl')).stderr).toMatch(/no shard-\*\.jsonl in it\. HINT: codeq collect --out/);
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'shard-00000.jsonl'), 'not json\n');
    const run = codeq('pairs', '--trajectories', bad, '--out', join(dir, 'p.jsonl'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/shard-00000\.jsonl:1: not JSON/);
  });

  it('pairs: refuses test-split trees with the file, the count and the flag; --allow-test-split says so in every summary', () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    const test = (task: string) => ({ ...tree('mcts', task), split: 'test' });
    writeFileSync(join(mixed, 'shard-00000.jsonl'), [tree('mcts', 'python3/a/b/00000000'), test('python3/t/u/00000000'), test('python3/t/v/00000000')].map((t) => JSON.stringify(t)).join('\n') + '\n');
    const out = join(dir, 'mixed-pairs.jsonl');
    const refused = codeq('pairs', '--trajectories', mixed, '--out', out);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/mixed\/shard-00000\.jsonl:2: 2 trajectories of test-split tasks .*HINT: collect with --split train, or pass --allow-test-split/);
    const allowed = codeq('pairs', '--trajectories', mixed, '--out', out, '--allow-test-split');
    expect(allowed.status, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/^TEST SPLIT: 10 pairs from 2 test-split trajectories \(--allow-test-split\)/);
    expect(allowed.stdout).toMatch(/duplicates removed \d+ \([\d.]+%: same prompt and programs up to comments and formatting\), of which exact \d+ \([\d.]+%\)/);
    const summary = JSON.parse(readFileSync(join(dir, 'mixed-pairs.summary.json'), 'utf8'));
    expect(summary.testSplit).toEqual({ allowed: true, trajectories: 2, pairs: 10 });
    const pairs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(pairs.filter((p) => p.meta.split === 'test')).toHaveLength(10);
  });
});
