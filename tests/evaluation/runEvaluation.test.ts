import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvalResults } from '../../src/evaluation/resultsFile.js';
import { labelPolicies, parsePolicySpec, runEvaluation, EvalError } from '../../src/evaluation/runEvaluation.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { readTaskFile } from '../../src/tasks/taskFile.js';
import { tinyRoundConfig, writeTinyWorld, type TinyWorld } from '../fixtures/tinyRound.js';
import { config as baseConfig, openSandbox } from '../helpers/host.js';

/**
 * codeq eval's engine on the real sandbox and engine (the tiny world's scripted GGUF, which
 * answers with the good program at odds 0.35): every policy × mode × seed searches every task,
 * and results.json holds one record per search and aggregates that agree with them.
 */
describe('runEvaluation', () => {
  let sandbox: ProgramSandbox;
  let world: TinyWorld;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codeq-eval-'));
    sandbox = await openSandbox('bwrap');
    world = await writeTinyWorld(join(dir, 'world'), sandbox, baseConfig);
  }, 240_000);
  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scores policies x modes x seeds on the test split, pairs them, and resumes', async () => {
    const config = tinyRoundConfig(baseConfig, world, join(dir, 'artifacts'));
    const tasks = readTaskFile(world.tasksFile, { split: 'test' });
    const policies = labelPolicies([parsePolicySpec(world.model, '--baseline'), parsePolicySpec(world.model, '--policy')]);
    expect(policies.map((p) => p.label)).toEqual(['scripted#1', 'scripted#2']);
    const out = join(dir, 'eval');
    const run = { policies, compare: true, modes: ['single', 'best-of-n'] as const, caps: [32, 64], seeds: [0, 1], tasks, out, config, sandbox };
    const results = await runEvaluation({ ...run, modes: [...run.modes] });
    expect(results.records).toHaveLength(tasks.length * 2 * 2 * 2);
    expect(new Set(results.records.map((r) => r.task)).size).toBe(tasks.length);
    const single = results.aggregates.results.find((r) => r.policy === 'scripted#1' && r.mode === 'single')!;
    expect(single.tasks).toBe(tasks.length);
    const solvedSearches = results.records.filter((r) => r.policy === 'scripted#1' && r.mode === 'single' && r.solved).length;
    expect(single.overall.hidden.rate).toBeCloseTo(solvedSearches / (tasks.length * 2), 10);
    expect(single.overall.seeds.rates).toHaveLength(2);
    // Best-of-N at 64 tokens finds the good answer far more often than one sample does.
    const bestOfN = results.aggregates.results.find((r) => r.policy === 'scripted#1' && r.mode === 'best-of-n')!;
    expect(bestOfN.overall.hidden.rate).toBeGreaterThanOrEqual(single.overall.hidden.rate);
    expect(results.aggregates.policyComparisons.map((c) => c.mode).sort()).toEqual(['best-of-n', 'single']);
    expect(results.aggregates.modeComparisons.length).toBe(0); // no mcts: nothing to compare it with
    const saved = readEvalResults(join(out, 'results.json'));
    expect(saved.records).toHaveLength(results.records.length);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/McNemar/);
    // A rerun searches nothing again: the same records.
    const again = await runEvaluation({ ...run, modes: [...run.modes] });
    expect(again.records.map((r) => [r.task, r.policy, r.mode, r.seed, r.solved])).toEqual(results.records.map((r) => [r.task, r.policy, r.mode, r.seed, r.solved]));
  }, 600_000);

  it('refuses a malformed policy spec with a hint', () => {
    expect(() => parsePolicySpec('a+b+c', '--policy')).toThrow(EvalError);
    expect(() => parsePolicySpec('', '--policy')).toThrow(/MODEL\+ADAPTER/);
    expect(parsePolicySpec('default', '--policy')).toEqual({ model: null, adapter: null });
    expect(existsSync(dir)).toBe(true);
  });
});
