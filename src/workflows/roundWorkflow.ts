import { ApplicationFailure, condition, getExternalWorkflowHandle, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { CollectShardSummary, ControlActivities, EvaluateShardSummary, InferenceActivities, RoundContext, ShardRef, TrainingActivities } from '../activities/types.js';
import {
  pauseSignal,
  phaseSignal,
  progressSignal,
  resumeSignal,
  roundStateQuery,
  type ActivitySettings,
  type EvaluationSummary,
  type Phase,
  type PhaseProgress,
  type PolicyRef,
  type RoundInput,
  type RoundResult,
} from './definitions.js';
import { PHASE_KEY } from './searchAttributes.js';

/** Permanent failures: retrying cannot help, the UI shows the message. */
export const NON_RETRYABLE = ['ConfigError', 'TaskFileError', 'TestSplitError', 'PairsFileError', 'ModelError', 'PolicyError', 'TrainRunError', 'PromotionError'];

export function activityOptions(settings: ActivitySettings, phase: Phase, taskQueue: string): ActivityOptions {
  const { startToCloseMinutes, heartbeatSeconds } = settings.timeouts[phase];
  const { initialIntervalSeconds, backoffCoefficient, maximumIntervalSeconds, maximumAttempts } = settings.retry;
  return {
    taskQueue,
    startToCloseTimeout: `${startToCloseMinutes} minutes`,
    heartbeatTimeout: `${heartbeatSeconds} seconds`,
    retry: { initialInterval: `${initialIntervalSeconds} seconds`, backoffCoefficient, maximumInterval: `${maximumIntervalSeconds} seconds`, ...(maximumAttempts > 0 ? { maximumAttempts } : {}), nonRetryableErrorTypes: NON_RETRYABLE },
  };
}

/** At most `limit` of `jobs` at once, results in order. */
async function limited<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, lane));
  return results;
}

const sum = <T>(items: T[], f: (item: T) => number) => items.reduce((n, item) => n + f(item), 0);

/** One progress for the phase from its shards' latest reports (training has one: it is kept as is). */
export function combineProgress(reports: PhaseProgress[], expectedTotal = 0): PhaseProgress | null {
  if (reports.length === 0) return null;
  if (reports.length === 1 && expectedTotal === 0) return reports[0]!;
  const { phase } = reports[0]!;
  const solved = reports.some((r) => r.solved !== undefined) ? sum(reports, (r) => r.solved ?? 0) : undefined;
  return { phase, done: sum(reports, (r) => r.done), total: Math.max(expectedTotal, sum(reports, (r) => r.total)), ...(solved !== undefined ? { solved } : {}) };
}

/**
 * One self-improvement round: plan (draw train-split tasks, fix the test-split ones), collect
 * trajectories in shards on the inference queue, build deduplicated pairs, train a DPO adapter on
 * the training queue, evaluate the candidate and the incumbent on the same test-split tasks, and
 * promote the candidate only when it beats the incumbent by the margin. Every phase writes its
 * files under the round's directory; a retried or resumed phase picks up what is there.
 */
export async function roundWorkflow(input: RoundInput): Promise<RoundResult> {
  const { settings } = input;
  let phase: Phase | null = null;
  let progress: PhaseProgress | null = null;
  let paused = input.paused ?? false;
  setHandler(roundStateQuery, () => ({ round: input.round, phase, progress, paused }));
  // A phase of several shards: the latest report of each, summed (one shard's count alone reads as the phase's).
  let parts = new Map<string, PhaseProgress>();
  /** Tasks the running phase searches in all its shards (0: not a sharded phase). */
  let expectedTotal = 0;
  setHandler(progressSignal, (p) => {
    if (p.phase !== phase) return;
    parts.set(p.part ?? '', p);
    progress = combineProgress([...parts.values()], expectedTotal);
  });
  setHandler(pauseSignal, () => void (paused = true));
  setHandler(resumeSignal, () => void (paused = false));
  const parent = workflowInfo().parent;

  /** Phase boundaries are where a pause takes effect. */
  async function enter(next: Phase): Promise<void> {
    await condition(() => !paused);
    phase = next;
    progress = null;
    parts = new Map();
    expectedTotal = 0;
    upsertSearchAttributes([{ key: PHASE_KEY, value: next }]);
    if (parent) await getExternalWorkflowHandle(parent.workflowId, parent.runId).signal(phaseSignal, next);
  }

  const control = (p: Phase) => proxyActivities<ControlActivities>(activityOptions(settings, p, settings.queues.control));
  const inference = (p: Phase) => proxyActivities<InferenceActivities>(activityOptions(settings, p, settings.queues.inference));
  const training = proxyActivities<TrainingActivities>(activityOptions(settings, 'train', settings.queues.training));
  const roundDir = `${input.dir}/round-${input.round}`;
  const context: RoundContext = { experimentId: input.experimentId, round: input.round, configFile: input.configFile, budgets: input.budgets, roundDir };

  await enter('plan');
  const plan = await control('plan').planRound(context);

  await enter('collect');
  expectedTotal = sum(plan.collect, (s) => s.tasks);
  const collectShard = (shard: ShardRef) => () =>
    inference('collect').collectShard({ ...context, shard, tasksFile: plan.tasksFile, policy: input.incumbent, seed: plan.seed, out: `${roundDir}/collect/shard-${shard.index}` });
  const collected: CollectShardSummary[] = await limited(plan.collect.map(collectShard), settings.parallel);

  await enter('pairs');
  const pairs = await control('pairs').buildPairs({ ...context, trajectoryDirs: collected.map((c) => c.out) });

  let candidate: PolicyRef | null = null;
  let trained: RoundResult['train'] = null;
  await enter('train');
  if (pairs.pairs > 0) {
    const result = await training.train({ ...context, pairsFile: pairs.file, base: input.incumbent.model });
    candidate = { model: input.incumbent.model, adapter: result.adapter, label: `round-${input.round}` };
    trained = { steps: result.steps, loss: result.loss };
  }

  await enter('evaluate');
  // The incumbent and the candidate on the same tasks and seeds, shard by shard. The incumbent's
  // shards are queued first: a worker holding one model switches adapters once, not per shard.
  const policies: [PolicyRef, string][] = candidate ? [[input.incumbent, 'incumbent'], [candidate, 'candidate']] : [[input.incumbent, 'incumbent']];
  const jobs = policies.flatMap(([policy, name]) =>
    plan.evaluate.map((shard) => () => inference('evaluate').evaluateShard({ ...context, shard, tasksFile: plan.tasksFile, policy, seed: plan.seed, out: `${roundDir}/evaluate/${name}/shard-${shard.index}` })),
  );
  expectedTotal = policies.length * sum(plan.evaluate, (s) => s.tasks);
  const shards: EvaluateShardSummary[] = await limited(jobs, settings.parallel);
  const summary = (k: number): EvaluationSummary => {
    const [policy, name] = policies[k]!;
    const mine = shards.slice(k * plan.evaluate.length, (k + 1) * plan.evaluate.length);
    return { policy, tasks: sum(mine, (s) => s.tasks), solved: sum(mine, (s) => s.solved), visibleOnly: sum(mine, (s) => s.visibleOnly), file: `${roundDir}/evaluate/${name}` };
  };
  const incumbentEval = summary(0);
  const candidateEval = candidate ? summary(1) : null;

  await enter('promote');
  const decision = await control('promote').decidePromotion({
    ...context,
    incumbent: incumbentEval,
    candidate: candidateEval,
    seed: plan.seed,
    ...(candidate ? {} : { noCandidate: `no preference pairs from ${sum(collected, (c) => c.tasks)} searched tasks: nothing to train` }),
  });
  if (decision.promote && !candidate) throw ApplicationFailure.nonRetryable('promotion without a candidate', 'InvalidDecision');
  phase = null;
  return {
    round: input.round,
    incumbent: input.incumbent,
    candidate,
    next: decision.promote && candidate ? candidate : input.incumbent,
    collected: { tasks: sum(collected, (c) => c.tasks), solved: sum(collected, (c) => c.solved), failed: sum(collected, (c) => c.failed) },
    pairs: pairs.pairs,
    train: trained,
    decision,
    dir: roundDir,
  };
}
