import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../fixtures/problems.js';

const REPO = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'codeq-model-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeq(...args: string[]) {
  const run = spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, CODEQ_LOG_JSON: '1' } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('codeq model', () => {
  const tiny = join(dir, 'tiny.gguf');

  it('writes a tiny model with the asked shape, and inspects it', () => {
    const made = codeq('model', 'tiny', '--out', tiny, '--layers', '3', '--hidden', '32', '--heads', '2', '--kv-heads', '1', '--seed', '4');
    expect(made.status, made.stderr).toBe(0);
    const inspected = JSON.parse(codeq('model', 'inspect', tiny, '--json').stdout);
    expect(inspected).toMatchObject({ architecture: 'qwen2', layers: 3, hidden: 32, heads: 2, kvHeads: 1, name: 'codeq tiny qwen2 (seed 4)' });
    expect(codeq('model', 'inspect', tiny).stdout).toContain('layers 3, hidden 32');
  });

  it('rejects impossible shapes and bad files with the reason', () => {
    expect(codeq('model', 'tiny', '--out', join(dir, 'x.gguf'), '--hidden', '30', '--heads', '4').stderr).toContain('hidden must be a multiple of heads');
    const text = join(dir, 'text.gguf');
    writeFileSync(text, 'certainly not a GGUF model file');
    const bad = codeq('model', 'inspect', text);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('is not a GGUF file');
  });

  it('pull resolves an explicit path and names unknown models', () => {
    expect(codeq('model', 'pull', tiny).stdout.trim()).toBe(tiny);
    expect(codeq('model', 'pull', 'no-such-model').stderr).toContain('unknown model "no-such-model"');
  });
});

describe('codeq repair', () => {
  it('runs the policy on a task and judges what it wrote (a tiny model writes no program)', () => {
    const tiny = join(dir, 'repair.gguf');
    codeq('model', 'tiny', '--out', tiny);
    const fixture = FIXTURES.find((f) => f.language === 'python3' && f.slug === 'count-target-pairs')!;
    const data = join(dir, 'debugbench');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'python3_other error.json'), JSON.stringify([{ ...fixture, level: 'easy', buggyVerdict: undefined }]));
    const config = join(dir, 'small.yaml');
    writeFileSync(config, 'policy:\n  contextSize: 1024\n  threads: 1\n  generation:\n    maxTokens: 24\n    temperature: 1.0\n    topP: 0.95\n    seed: 3\n');
    expect(codeq('data', 'prepare', '--debugbench', data, '--out', join(dir, 'prepared'), '--hidden', '3').status).toBe(0);
    const tasks = join(dir, 'prepared', 'tasks.jsonl');
    const taskId = (JSON.parse(readFileSync(tasks, 'utf8').split('\n')[0]!) as { id: string }).id;
    const run = codeq('repair', '--task', taskId, '--tasks', tasks, '--model', tiny, '--k', '2', '--json', '--config', config);
    expect(run.status, run.stderr).toBe(4); // no candidate passed
    const results = JSON.parse(run.stdout) as { verdict: string; tokens: number; seed: number; failure: string | null }[];
    expect(results.map((r) => r.seed)).toEqual([3, 4]);
    for (const r of results) {
      expect(r.tokens).toBeGreaterThan(0);
      if (r.verdict === 'no_code') expect(r.failure).toMatch(/no code block|no block in the language/);
    }
    expect(codeq('repair', '--task', 'python3/nope/x/00000000', '--tasks', tasks, '--model', tiny).stderr).toContain('is not in');
  });
});
