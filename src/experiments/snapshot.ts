import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { ConfigError, validateConfig } from '../config/load.js';
import type { CodeqConfig, TrainConfig } from '../config/schema.js';
import type { Budgets } from '../workflows/budgets.js';

/**
 * An experiment's config, frozen when it starts: <dir>/config.json holds the whole codeq config
 * and the training config, so every worker (on any machine sharing the artifact root) computes
 * with the same settings, whatever its own config file says. Budgets the experiment changes
 * later (a Workflow Update) travel in the workflow and are applied on top.
 */
export interface ConfigSnapshot {
  codeq: CodeqConfig;
  train: TrainConfig;
}

export function writeSnapshot(dir: string, snapshot: ConfigSnapshot): string {
  const file = join(resolve(dir), 'config.json');
  writeFileAtomicSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
  return file;
}

export function readSnapshot(file: string): ConfigSnapshot {
  if (!existsSync(file)) throw new ConfigError(file, ['the experiment\'s config snapshot is missing. HINT: is the artifact root shared by every worker (artifacts.root)?']);
  let data: { codeq?: unknown; train?: unknown };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as { codeq?: unknown; train?: unknown };
  } catch (error) {
    throw new ConfigError(file, [`not JSON: ${(error as Error).message}`]);
  }
  return { codeq: validateConfig('codeq', data.codeq, file), train: validateConfig('train', data.train, file) };
}

/** The budgets a new experiment starts with, from its config. */
export function budgetsOf(snapshot: ConfigSnapshot): Budgets {
  return {
    tokens: snapshot.codeq.search.budget.tokens,
    collectTasks: snapshot.codeq.experiment.collect.tasks,
    evaluateTasks: snapshot.codeq.experiment.evaluate.tasks,
    trainSteps: snapshot.train.max_steps,
  };
}

/** The snapshot with the experiment's current budgets applied. */
export function withBudgets(snapshot: ConfigSnapshot, budgets: Budgets): ConfigSnapshot {
  const out = structuredClone(snapshot);
  out.codeq.search.budget.tokens = budgets.tokens;
  out.codeq.experiment.collect.tasks = budgets.collectTasks;
  out.codeq.experiment.evaluate.tasks = budgets.evaluateTasks;
  out.train.max_steps = budgets.trainSteps;
  out.train.warmup_steps = Math.min(out.train.warmup_steps, Math.max(0, budgets.trainSteps - 1));
  return out;
}
