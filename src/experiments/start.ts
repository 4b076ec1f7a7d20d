import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { resolveCacheDir } from '../config/env.js';
import { loadTrainConfig } from '../config/load.js';
import type { CodeqConfig } from '../config/schema.js';
import { resolveModel } from '../models/pull.js';
import { experimentWorkflowId, type ActivitySettings, type ExperimentInput, type PolicyRef } from '../workflows/definitions.js';
import type { experimentWorkflow } from '../workflows/experimentWorkflow.js';
import { EXPERIMENT_KEY, ROUND_KEY } from '../workflows/searchAttributes.js';
import { taskQueues } from '../workflows/taskQueues.js';
import { EXPERIMENT_ID, experimentDir, resolveArtifactsRoot } from './layout.js';
import { budgetsOf, readSnapshot, writeSnapshot, type ConfigSnapshot } from './snapshot.js';

export class ExperimentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentError';
  }
}

export interface StartOptions {
  id: string;
  rounds?: number;
  /** The policy the first round starts from (default: the config's model, no adapter). */
  policy?: PolicyRef;
}

/** How the workflows schedule activities, from the config. */
export function activitySettings(config: CodeqConfig): ActivitySettings {
  return { timeouts: config.experiment.timeouts, retry: config.experiment.retry, parallel: config.experiment.collect.parallel, queues: taskQueues(config.temporal.taskQueuePrefix) };
}

export function newExperimentId(now = new Date()): string {
  return `exp-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
}

/**
 * Starts an experiment, or attaches to the one with that id (running or finished): it is never
 * started twice. The config is frozen into <root>/experiments/<id>/config.json first, so every
 * worker computes with the same settings.
 */
/**
 * The input of a new experiment with that id, and its config frozen into
 * <root>/experiments/<id>/config.json (kept if there: an experiment's settings never change under it).
 */
export async function prepareExperiment(config: CodeqConfig, options: StartOptions): Promise<{ input: ExperimentInput; snapshot: ConfigSnapshot }> {
  if (!EXPERIMENT_ID.test(options.id)) throw new ExperimentError(`experiment id ${JSON.stringify(options.id)}: use letters, digits, '.', '_' or '-' (at most 64, starting with a letter or digit)`);
  const dir = experimentDir(resolveArtifactsRoot(config), options.id);
  const configFile = resolve(dir, 'config.json');
  let snapshot: ConfigSnapshot;
  if (existsSync(configFile)) {
    snapshot = readSnapshot(configFile);
  } else {
    mkdirSync(dir, { recursive: true });
    snapshot = { codeq: config, train: loadTrainConfig(config.experiment.train ?? undefined) };
    writeSnapshot(dir, snapshot);
  }
  const model = await resolveModel(snapshot.codeq.policy.model ?? undefined, snapshot.codeq.models, resolveCacheDir(snapshot.codeq.cacheDir));
  const policy = options.policy ?? { model: model.file, adapter: null, label: 'base' };
  const rounds = options.rounds ?? snapshot.codeq.experiment.rounds;
  return { input: { experimentId: options.id, configFile, dir, rounds, budgets: budgetsOf(snapshot), settings: activitySettings(snapshot.codeq), policy }, snapshot };
}

/**
 * Starts an experiment, or attaches to the one with that id (running or finished): it is never
 * started twice.
 */
export async function startExperiment(client: Client, config: CodeqConfig, options: StartOptions): Promise<{ handle: WorkflowHandle<typeof experimentWorkflow>; attached: boolean; dir: string }> {
  const workflowId = experimentWorkflowId(options.id);
  const existing = client.workflow.getHandle<typeof experimentWorkflow>(workflowId);
  if (await existing.describe().then(() => true, () => false)) return { handle: existing, attached: true, dir: experimentDir(resolveArtifactsRoot(config), options.id) };
  const { input, snapshot } = await prepareExperiment(config, options);
  const { rounds, configFile, dir } = input;
  const queues = taskQueues(snapshot.codeq.temporal.taskQueuePrefix);
  try {
    const handle = await client.workflow.start<typeof experimentWorkflow>('experimentWorkflow', {
      taskQueue: queues.control,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: EXPERIMENT_KEY, value: options.id },
        { key: ROUND_KEY, value: 1 },
      ],
      memo: { config: configSummary(snapshot, rounds), configFile },
    });
    return { handle, attached: false, dir };
  } catch (error) {
    // Another start won the race (USE_EXISTING covers a running one; this, a finished one).
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { handle: existing, attached: true, dir };
  }
}

/** The memo the UI shows: what this experiment is, in a few fields. */
export function configSummary(snapshot: ConfigSnapshot, rounds: number): Record<string, unknown> {
  const { experiment, search, policy } = snapshot.codeq;
  return {
    rounds,
    model: policy.model ?? snapshot.codeq.models.default,
    collect: `${experiment.collect.mode}, ${experiment.collect.tasks} train tasks in ${experiment.collect.shards} shards, ${search.budget.tokens} tokens each`,
    evaluate: `${experiment.evaluate.mode}, ${experiment.evaluate.tasks} test tasks`,
    train: `${snapshot.train.loss_type} beta ${snapshot.train.beta}, ${snapshot.train.max_steps} steps, LoRA r${snapshot.train.lora.r}`,
    margin: experiment.promote.margin,
    tasks: experiment.tasks,
  };
}
