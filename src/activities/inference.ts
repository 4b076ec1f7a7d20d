import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { readSnapshot, withBudgets } from '../experiments/snapshot.js';
import { loadPromptTemplates } from '../policy/prompts.js';
import type { Sandbox } from '../sandbox/types.js';
import { collect, type CollectSummary } from '../search/collect.js';
import { readTrajectories } from '../search/shards.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { readTaskFile } from '../tasks/taskFile.js';
import { log } from '../util/log.js';
import type { Phase } from '../workflows/definitions.js';
import { keepAlive, throwIfCancelled, type ProgressReporter } from './liveness.js';
import type { PolicyPool } from './policyPool.js';
import type { CollectShardSummary, EvaluateShardSummary, InferenceActivities, ShardInput } from './types.js';

export interface InferenceDependencies {
  sandbox: Sandbox;
  policies: PolicyPool;
  report?: ProgressReporter;
}

/** The shard's tasks, in its order; every one must be of `split` (collection never searches the test split). */
function shardTasks(input: ShardInput, split: 'train' | 'test'): PreparedTask[] {
  const ids = JSON.parse(readFileSync(input.shard.tasksFile, 'utf8')) as string[];
  const byId = new Map(readTaskFile(input.tasksFile).map((t) => [t.id, t]));
  return ids.map((id) => {
    const task = byId.get(id);
    if (!task) throw ApplicationFailure.nonRetryable(`task ${id} of ${input.shard.tasksFile} is not in ${input.tasksFile}`, 'TaskFileError');
    if (task.split !== split) throw ApplicationFailure.nonRetryable(`task ${id} is of the ${task.split} split; this phase runs on the ${split} split only`, 'TestSplitError');
    return task;
  });
}

/**
 * Inference-queue activities: searches with the worker's one loaded model. Both write
 * trajectory shards into their output directory (codeq collect's resumable format): a retry, on
 * this worker or another, continues at the first task not yet there, and never searches one twice.
 */
export function createInferenceActivities(deps: InferenceDependencies): InferenceActivities {
  async function run(input: ShardInput, phase: Phase, split: 'train' | 'test'): Promise<{ summary: CollectSummary; total: { tasks: number; solved: number; visibleOnly: number } }> {
    const { codeq } = withBudgets(readSnapshot(input.configFile), input.budgets);
    const tasks = shardTasks(input, split);
    const mode = phase === 'collect' ? codeq.experiment.collect.mode : codeq.experiment.evaluate.mode;
    const live = keepAlive(deps.report, codeq.experiment.progressSeconds);
    if (live.previous) log.info('retrying a shard: continuing after the tasks already in it', { out: input.out, lastHeartbeat: live.previous });
    const { policy, release } = await deps.policies.borrow(input.policy);
    try {
      let done = 0;
      let solved = 0;
      for (const t of readTrajectories(input.out)) (done++, (solved += Number(t.solved)));
      live.update({ phase, done, total: tasks.length, solved });
      const summary = await collect({
        mode,
        tasks,
        out: input.out,
        policy,
        sandbox: deps.sandbox,
        templates: loadPromptTemplates(codeq.policy),
        config: codeq,
        seed: input.seed,
        signal: live.signal,
        onTrajectory: (t) => live.update({ phase, done: ++done, total: tasks.length, solved: (solved += Number(t.solved)) }),
      });
      throwIfCancelled(live.signal);
      if (summary.failed > 0) throw new Error(`${summary.failed} of ${tasks.length} searches failed (see ${input.out}/errors.jsonl); retrying them`);
      const all = [...readTrajectories(input.out)];
      return { summary, total: { tasks: all.length, solved: all.filter((t) => t.solved).length, visibleOnly: all.filter((t) => t.verdict === 'pass_visible_only').length } };
    } finally {
      release();
      live.stop();
    }
  }

  return {
    async collectShard(input: ShardInput): Promise<CollectShardSummary> {
      const { summary, total } = await run(input, 'collect', 'train');
      return { index: input.shard.index, tasks: total.tasks, searched: summary.searched, skipped: summary.skipped, solved: total.solved, failed: summary.failed, generatedTokens: summary.generatedTokens, out: input.out };
    },
    async evaluateShard(input: ShardInput): Promise<EvaluateShardSummary> {
      const { total } = await run(input, 'evaluate', 'test');
      return { index: input.shard.index, tasks: total.tasks, solved: total.solved, visibleOnly: total.visibleOnly, file: input.out };
    },
  };
}
