import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeqConfig } from '../../src/config/schema.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { collect, CollectError, formatCollectSummary, type CollectOptions } from '../../src/search/collect.js';
import { formatTree } from '../../src/search/printTree.js';
import { readTrajectories } from '../../src/search/shards.js';
import { TRAJECTORY_VERSION } from '../../src/search/trajectory.js';
import type { PreparedTask } from '../../src/tasks/prepare/prepareTask.js';
import { config, openSandbox } from '../helpers/host.js';
import { useLogCapture } from '../helpers/logs.js';
import { ScriptedPolicy } from '../helpers/scriptedPolicy.js';
import { prepareCountPairs } from './countPairsTask.js';
import { CORRECT, wrong, ZERO } from './programs.js';

const templates = loadPromptTemplates(config.policy);
const settings: CodeqConfig = structuredClone(config);
settings.tasks.hidden.count = 4;
settings.search.mcts = { rollouts: 2, k: 2, maxDepth: 2, rolloutDepth: 0, exploration: 1, critic: false, puct: 1, widening: null, backup: 'mean', exhaustAfter: 2 };
settings.search.reflection.enabled = false; // the classic prompts: these tests count tokens and prompts exactly
settings.search.collect.shardSize = 2;

describe('collect: shards, resume, settings', () => {
  const logs = useLogCapture(); // its progress lines, and the error the failing search below logs
  let sandbox: ProgramSandbox;
  let tasks: PreparedTask[];
  let dir: string;

  beforeAll(async () => {
    sandbox = await openSandbox('bwrap');
    dir = mkdtempSync(join(tmpdir(), 'codeq-collect-'));
    const task = await prepareCountPairs(sandbox, settings.tasks);
    // Five tasks (one problem under five ids): enough for two full shards and an open one.
    tasks = Array.from({ length: 5 }, (_, i) => ({ ...task, id: `python3/count-target-pairs/fixture/0000000${i}` }));
  }, 120_000);
  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Solves every task on its second rewrite. */
  const policy = () => new ScriptedPolicy(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? wrong(i) : CORRECT)));
  const options = (out: string, extra: Partial<CollectOptions> = {}): CollectOptions => ({
    mode: 'mcts',
    tasks,
    out,
    policy: policy(),
    sandbox,
    templates,
    config: settings,
    seed: 7,
    ...extra,
  });

  it('resumes after an interruption: no task twice, none lost, a torn line dropped', async () => {
    const out = join(dir, 'resume');
    const controller = new AbortController();
    let seen = 0;
    const first = await collect(options(out, { signal: controller.signal, onTrajectory: () => ++seen === 3 && controller.abort() }));
    expect(first).toMatchObject({ searched: 3, aborted: true, solved: 3 });
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'shard-00000.jsonl', 'shard-00001.partial.jsonl']);
    // A crash in the middle of an append leaves half a line.
    appendFileSync(join(out, 'shard-00001.partial.jsonl'), '{"version":1,"task":"python3/cou');
    const second = await collect(options(out));
    expect(second).toMatchObject({ searched: 2, skipped: 3, aborted: false });
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'shard-00000.jsonl', 'shard-00001.jsonl', 'shard-00002.jsonl']);
    const records = [...readTrajectories(out)];
    expect(records.map((r) => r.task).sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(records.every((r) => r.solved && r.mode === 'mcts' && r.policy.model === 'scripted.gguf')).toBe(true);
    // A third run has nothing to do.
    expect(await collect(options(out))).toMatchObject({ searched: 0, skipped: 5 });
  });

  it('gives every task its own seed from the run seed and the task id, whatever the order', async () => {
    const a = join(dir, 'order-a');
    const b = join(dir, 'order-b');
    await collect(options(a, { tasks: tasks.slice(0, 2) }));
    await collect(options(b, { tasks: tasks.slice(0, 2).reverse() }));
    const seeds = (out: string) => Object.fromEntries([...readTrajectories(out)].map((r) => [r.task, r.seed]));
    expect(seeds(a)).toEqual(seeds(b));
    expect(new Set(Object.values(seeds(a))).size).toBe(2);
  });

  it('refuses to mix settings in one directory unless forced', async () => {
    const out = join(dir, 'settings');
    await collect(options(out, { tasks: tasks.slice(0, 1) }));
    await expect(collect(options(out, { tasks: tasks.slice(0, 1), seed: 8 }))).rejects.toThrow(CollectError);
    await expect(collect(options(out, { tasks: tasks.slice(0, 1), mode: 'best-of-n' }))).rejects.toThrow(/other settings.*--force/);
    const forced = await collect(options(out, { tasks: tasks.slice(0, 1), seed: 8, force: true }));
    expect(forced.searched).toBe(1);
    expect([...readTrajectories(out)].map((r) => r.seed)).toHaveLength(1);
  });

  it('reports a malformed trajectory with its file and line', () => {
    const file = join(dir, 'shard-00000.jsonl');
    writeFileSync(file, `${readFileSync(join(dir, 'settings', 'shard-00000.jsonl'), 'utf8')}{"version":${TRAJECTORY_VERSION}}\n`);
    expect(() => [...readTrajectories(dir)]).toThrow(/shard-00000\.jsonl:2: task: /);
    writeFileSync(file, '{"version":0}\n');
    expect(() => [...readTrajectories(dir)]).toThrow(new RegExp(`version 0, this codeq reads version ${TRAJECTORY_VERSION}\\. HINT: collect again`));
    rmSync(file);
  });

  it('never reuses a shard number, and refuses a second collect on the same directory', async () => {
    const out = join(dir, 'numbers');
    await collect(options(out, { tasks: tasks.slice(0, 4) }));
    rmSync(join(out, 'shard-00000.jsonl')); // two tasks gone by hand
    const again = await collect(options(out, { tasks: tasks.slice(0, 4) }));
    expect(again.searched).toBe(2);
    expect(readdirSync(out).filter((f) => f.startsWith('shard-')).sort()).toEqual(['shard-00001.jsonl', 'shard-00002.jsonl']);
    writeFileSync(join(out, '.lock'), String(process.ppid)); // a live process holds it
    await expect(collect(options(out))).rejects.toThrow(/being written by another collect \(pid \d+\)/);
    writeFileSync(join(out, '.lock'), '999999999'); // a dead one: taken over
    expect((await collect(options(out))).searched).toBe(1);
  });

  it('counts pass_visible_only apart, never as solved, and records each task\'s split', async () => {
    const out = join(dir, 'visible-only');
    // Hidden tests that cannot vouch (none): a pass on the visible tests is all there is.
    const weak = tasks.slice(0, 2).map((t) => ({ ...t, visibleOnly: 'no_hidden' as const, hidden: [] }));
    const summary = await collect(options(out, { tasks: weak }));
    expect(summary).toMatchObject({ searched: 2, solved: 0, visibleOnly: 2, solvedVisible: 2, testSplit: 0 });
    expect(formatCollectSummary(summary, out, 'train')).toMatch(/^done: 2 searched \(0 already in .*; train split\), 0 solved on visible\+hidden tests, 2 pass_visible_only/);
    const records = [...readTrajectories(out)];
    expect(records.map((r) => [r.split, r.visibleOnly, r.verdict, r.solved])).toEqual([
      ['train', 'no_hidden', 'pass_visible_only', false],
      ['train', 'no_hidden', 'pass_visible_only', false],
    ]);
    expect(formatTree(records[0]!)).toMatch(/hidden \(not run\)  →  pass_visible_only \(no_hidden: not counted as solved\)\n$/);
    const test = await collect(options(join(dir, 'test-split'), { tasks: [{ ...tasks[0]!, split: 'test' }] }));
    expect(test).toMatchObject({ solved: 1, testSplit: 1 });
    expect(formatCollectSummary(test, out, 'test')).toMatch(/1 test-split trees: evaluation data, codeq pairs refuses them$/);
  });

  it('records a search that failed in errors.jsonl and retries it on the next run', async () => {
    const out = join(dir, 'errors');
    const task = { ...tasks[0]!, id: 'python3/count-target-pairs/fixture/failing0' };
    const failing = new ScriptedPolicy([]); // throws: the script is empty
    const summary = await collect(options(out, { tasks: [task], policy: failing }));
    expect(summary).toMatchObject({ failed: 1, searched: 0 });
    expect(readFileSync(join(out, 'errors.jsonl'), 'utf8')).toContain('the script has only 0 answers');
    expect(logs.expectLogged('error', 'search failed')).toEqual([expect.objectContaining({ task: task.id, error: 'the script has only 0 answers' })]);
    const again = await collect(options(out, { tasks: [task], policy: new ScriptedPolicy([ZERO, ZERO, ZERO, ZERO]) }));
    expect(again.searched).toBe(1);
  });
});
