import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInferenceActivities } from '../../src/activities/inference.js';
import { PolicyPool } from '../../src/activities/policyPool.js';
import { createTrainingActivities } from '../../src/activities/training.js';
import type { TrainResult } from '../../src/activities/types.js';
import { loadTrainConfig } from '../../src/config/load.js';
import { resolveModel } from '../../src/models/pull.js';
import { budgetsOf, writeSnapshot } from '../../src/experiments/snapshot.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { readTrajectories } from '../../src/search/shards.js';
import type { PhaseProgress } from '../../src/workflows/definitions.js';
import { tinyRoundConfig, TINY_ANSWERS, writeTinyWorld, type TinyWorld } from '../fixtures/tinyRound.js';
import { cacheDir, config as hostConfig, openSandbox } from '../helpers/host.js';

/**
 * The real activities in Temporal's mock activity environment: they heartbeat progress, stop
 * when cancelled (keeping what is done), and a retry resumes from there — and heartbeats keep
 * flowing while a training step runs in the native library.
 */
describe('activities', () => {
  let dir: string;
  let world: TinyWorld;
  let sandbox: ProgramSandbox;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codeq-activities-'));
    sandbox = await openSandbox('bwrap');
    world = await writeTinyWorld(join(dir, 'world'), sandbox, hostConfig);
  }, 240_000);
  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const snapshotIn = (name: string, train: Record<string, unknown> = {}) => {
    const codeq = tinyRoundConfig(hostConfig, world, join(dir, name));
    const snapshot = { codeq, train: { ...loadTrainConfig(world.trainConfig), ...train } };
    return { configFile: writeSnapshot(join(dir, name), snapshot), budgets: budgetsOf(snapshot) };
  };
  const pairsFile = (file: string, n: number) => {
    const pair = (i: number) => ({ prompt: [{ role: 'user', content: `Fix task ${i}: ${'x'.repeat(200)}` }], chosen: [{ role: 'assistant', content: TINY_ANSWERS[0]!.text }], rejected: [{ role: 'assistant', content: TINY_ANSWERS[1]!.text }], meta: { split: 'train' } });
    writeFileSync(file, Array.from({ length: n }, (_, i) => `${JSON.stringify(pair(i))}\n`).join(''));
    return file;
  };

  it('training: cancelled mid-run it keeps a checkpoint, and the retry resumes from it', async () => {
    const { configFile, budgets } = snapshotIn('train-cancel', { max_steps: 400, save_steps: 1000 });
    const roundDir = join(dir, 'train-cancel', 'round-1');
    const input = { experimentId: 'x', round: 1, configFile, budgets: { ...budgets, trainSteps: 400 }, roundDir, pairsFile: pairsFile(join(dir, 'pairs-a.jsonl'), 3), base: world.model };
    const first = new MockActivityEnvironment({ heartbeatTimeoutMs: 5000 });
    const beats: (PhaseProgress | undefined)[] = [];
    first.on('heartbeat', (d: PhaseProgress | undefined) => {
      beats.push(d);
      if ((d?.done ?? 0) >= 5) first.cancel();
    });
    await expect(first.run(createTrainingActivities().train, input)).rejects.toThrow(CancelledFailure);
    expect(readdirSync(join(roundDir, 'train', 'checkpoints')).length).toBe(1);
    const stoppedAt = Math.max(...beats.map((b) => b?.done ?? 0));
    const retry = new MockActivityEnvironment({ heartbeatDetails: beats.at(-1) });
    const result = (await retry.run(createTrainingActivities().train, input)) as TrainResult;
    expect(result.resumedFrom).toBeGreaterThanOrEqual(5);
    expect(result.resumedFrom).toBeLessThanOrEqual(stoppedAt);
    expect(result.steps).toBe(400);
    // Done is done: a third run returns the adapter without training.
    expect(await new MockActivityEnvironment().run(createTrainingActivities().train, input)).toEqual(result);
  }, 180_000);

  it('collection: cancelled after a task it stops; the retry searches only the rest, each task once', async () => {
    const { configFile, budgets } = snapshotIn('collect-cancel');
    const ids = ['python3/add-two/variant-0/00000000', 'python3/add-two/variant-1/00000001', 'python3/add-two/variant-2/00000002'];
    const shardFile = join(dir, 'shard.json');
    writeFileSync(shardFile, JSON.stringify(ids));
    const out = join(dir, 'collect-cancel', 'shard-0');
    const input = { experimentId: 'x', round: 1, configFile, budgets, roundDir: join(dir, 'collect-cancel'), shard: { index: 0, tasksFile: shardFile, tasks: 3 }, tasksFile: world.tasksFile, policy: { model: world.model, adapter: null, label: 'base' }, seed: 3, out };
    const policies = new PolicyPool({ ...hostConfig.policy, contextSize: 1024, sequences: 4 });
    try {
      const activities = createInferenceActivities({ sandbox, policies });
      const first = new MockActivityEnvironment();
      first.on('heartbeat', (d: PhaseProgress | undefined) => (d?.done ?? 0) >= 1 && first.cancel());
      await expect(first.run(activities.collectShard, input)).rejects.toThrow(CancelledFailure);
      const kept = [...readTrajectories(out)].length;
      expect(kept).toBeGreaterThanOrEqual(1);
      expect(kept).toBeLessThan(3);
      const summary = await new MockActivityEnvironment().run(activities.collectShard, input);
      expect(summary).toMatchObject({ tasks: 3, skipped: kept, searched: 3 - kept });
      expect([...readTrajectories(out)].map((t) => t.task).sort()).toEqual(ids);
      // A test-split task in a collection shard is refused, for good.
      writeFileSync(shardFile, JSON.stringify(['python3/times-two/variant-0/00000000']));
      await expect(new MockActivityEnvironment().run(activities.collectShard, { ...input, out: join(dir, 'other') })).rejects.toThrow(/test split; this phase runs on the train split only/);
    } finally {
      await policies.dispose();
    }
  }, 180_000);

  it('heartbeats keep flowing while a training step runs in the native library', async () => {
    const base = await resolveModel(undefined, hostConfig.models, cacheDir);
    const { configFile, budgets } = snapshotIn('train-beats', { max_steps: 1, max_length: 320, lora: { r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['q', 'v'] } });
    const input = { experimentId: 'x', round: 1, configFile, budgets: { ...budgets, trainSteps: 1 }, roundDir: join(dir, 'train-beats', 'round-1'), pairsFile: pairsFile(join(dir, 'pairs-b.jsonl'), 1), base: base.file };
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 30_000 });
    const times: number[] = [];
    env.on('heartbeat', () => times.push(Date.now()));
    const started = Date.now();
    const result = (await env.run(createTrainingActivities().train, input)) as TrainResult;
    expect(result.steps).toBe(1);
    expect(existsSync(result.adapter)).toBe(true);
    // The 0.5B model's load, reference pass and step take seconds; the 1 s heartbeat timer never stalls.
    expect(Date.now() - started).toBeGreaterThan(3000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThan(2500);
  }, 300_000);
});
