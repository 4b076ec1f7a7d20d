import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSnapshot, withBudgets } from '../experiments/snapshot.js';
import { train, type TrainSummary } from '../training/trainRun.js';
import { keepAlive, throwIfCancelled, type ProgressReporter } from './liveness.js';
import type { TrainInput, TrainingActivities, TrainResult } from './types.js';

export interface TrainingDependencies {
  report?: ProgressReporter;
}

/**
 * Training-queue activities: DPO with the native trainer (reference log-probs first, stored beside
 * the run). A retry resumes from the newest checkpoint, bit for bit on the CPU; a run whose adapter
 * is already written returns it.
 */
export function createTrainingActivities(deps: TrainingDependencies = {}): TrainingActivities {
  return {
    async train(input: TrainInput): Promise<TrainResult> {
      const out = join(input.roundDir, 'train');
      const summaryFile = join(out, 'summary.json');
      if (existsSync(summaryFile)) {
        const done = JSON.parse(readFileSync(summaryFile, 'utf8')) as TrainSummary;
        if (done.adapter && !done.stopped) return { adapter: done.adapter, steps: done.steps, loss: done.final?.loss ?? null, resumedFrom: done.resumedFrom };
      }
      const { train: config, codeq } = withBudgets(readSnapshot(input.configFile), input.budgets);
      const live = keepAlive(deps.report, codeq.experiment.progressSeconds);
      const started = Date.now();
      let first = 0;
      try {
        const summary = await train({
          pairs: input.pairsFile,
          base: input.base,
          config,
          out,
          resume: true,
          signal: live.signal,
          onStart: (step) => {
            first = step;
            live.update({ phase: 'train', done: step, total: config.max_steps });
          },
          onStep: (m) => {
            const perStep = (Date.now() - started) / 1000 / Math.max(1, m.step - first);
            live.update({ phase: 'train', done: m.step, total: config.max_steps, loss: m.loss, etaSeconds: Math.round(perStep * (config.max_steps - m.step)) });
          },
        });
        throwIfCancelled(live.signal);
        if (!summary.adapter) throw new Error(`training stopped at step ${summary.steps} without an adapter; retrying resumes it`);
        return { adapter: summary.adapter, steps: summary.steps, loss: summary.final?.loss ?? null, resumedFrom: summary.resumedFrom };
      } finally {
        live.stop();
      }
    },
  };
}
