import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModel } from '../../src/models/pull.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { readTrajectories } from '../../src/search/shards.js';
import { prepareTask } from '../../src/tasks/prepare/prepareTask.js';
import { serializeTask } from '../../src/tasks/store.js';
import { FIXTURES, fixtureTask } from '../fixtures/problems.js';
import { cacheDir, config, openSandbox } from '../helpers/host.js';

const CLI = resolve(import.meta.dirname, '../../bin/codeq.js');

/** A small budget so that five searches with the real 0.5B model fit in a few minutes on 2 cores. */
const OVERLAY = `
policy:
  generation:
    maxTokens: 320
search:
  budget:
    tokens: 1400
  mcts:
    rollouts: 2
    k: 2
    maxDepth: 2
    rolloutDepth: 1
  collect:
    shardSize: 2
tasks:
  hidden:
    count: 8
`;

function codeq(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, CODEQ_LOG_JSON: '1' }, timeout: 1_200_000 });
}

describe('codeq collect and codeq pairs with the real default model', () => {
  let dir: string;
  let sandbox: ProgramSandbox;

  beforeAll(async () => {
    await resolveModel(undefined, config.models, cacheDir); // npm test's setup pulled it
    dir = mkdtempSync(join(tmpdir(), 'codeq-real-search-'));
    sandbox = await openSandbox('bwrap');
    const lines: string[] = [];
    for (const fixture of FIXTURES.filter((f) => f.language === 'python3').slice(0, 5)) {
      const result = await prepareTask({ ...fixtureTask(fixture), id: `python3/${fixture.slug}/fixture/00000000` }, 'train', sandbox, { ...config.tasks, hidden: { ...config.tasks.hidden, count: 8 } });
      if (result.status !== 'testable') throw new Error(`fixture ${fixture.slug} is not testable`);
      lines.push(serializeTask(result.task));
    }
    writeFileSync(join(dir, 'tasks.jsonl'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'small.yaml'), OVERLAY);
  }, 300_000);
  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('searches five easy Python tasks, writes trajectories, and pairs come out of them', () => {
    const out = join(dir, 'collect');
    const run = codeq(['collect', '--tasks', join(dir, 'tasks.jsonl'), '--levels', 'easy', '--mode', 'mcts', '--out', out, '--config', join(dir, 'small.yaml')]);
    expect(run.status, run.stderr.slice(-3000)).toBe(0);
    expect(run.stdout).toMatch(/^done: 5 searched \(0 already in /);
    expect(readdirSync(out).filter((f) => /^shard-\d{5}\.jsonl$/.test(f))).toHaveLength(3);
    const trajectories = [...readTrajectories(out)];
    expect(trajectories).toHaveLength(5);
    for (const t of trajectories) {
      expect(t.policy.model).toBe('qwen2.5-coder-0.5b-instruct-q4_k_m.gguf');
      expect(t.budget.generatedTokens).toBeGreaterThan(0);
      expect(t.budget.generatedTokens).toBeLessThanOrEqual(1400); // the budget in OVERLAY: never passed
      expect(t.split).toBe('train'); // collect's default split
      expect(t.budget.executions).toBe(t.nodes.length); // every program ran exactly once
      expect(t.expansions.length).toBeGreaterThan(0);
      expect(t.solved).toBe(t.verdict === 'pass');
      if (t.solved) expect(t.chosen!.hidden ?? t.chosen!.visible).toMatchObject({ verdict: 'pass' });
    }
    // Progress was reported as structured logs (no TTY here).
    expect(run.stderr).toContain('"message":"collect mcts"');

    const pairsFile = join(dir, 'pairs.jsonl');
    const pairs = codeq(['pairs', '--trajectories', out, '--out', pairsFile, '--json']);
    expect(pairs.status, pairs.stderr).toBe(0);
    const summary = JSON.parse(pairs.stdout);
    expect(summary.trajectories).toBe(5);
    const lines = readFileSync(pairsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines).toHaveLength(summary.pairs);
    for (const pair of lines) {
      expect(pair.prompt.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
      expect(pair.meta.qChosen - pair.meta.qRejected).toBeGreaterThan(0.2);
      expect(pair.chosen[0].content).not.toBe(pair.rejected[0].content);
    }
    expect(existsSync(join(dir, 'pairs.summary.json'))).toBe(true);
  }, 1_500_000);
});
