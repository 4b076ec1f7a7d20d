import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { resolveArtifactsRoot } from '../experiments/layout.js';
import { drawTasks, roundSeed } from '../experiments/plan.js';
import { decidePromotion } from '../experiments/promotion.js';
import { readSnapshot, withBudgets } from '../experiments/snapshot.js';
import { buildResults, solvedByTask } from '../evaluation/buildResults.js';
import { writeEvalResults } from '../evaluation/resultsFile.js';
import { extractPairs } from '../preferences/extractPairs.js';
import { readTrajectories } from '../search/shards.js';
import { readTaskFile } from '../tasks/taskFile.js';
import type { PolicyRef, PromotionDecision } from '../workflows/definitions.js';
import type { ControlActivities, PairsInput, PromoteInput, RoundContext, RoundPlan } from './types.js';

/** Caps a round's evaluation is counted at: powers of two from 128 below the budget, and the budget. */
export function tokenCapsUpTo(budget: number): number[] {
  const caps: number[] = [];
  for (let cap = 128; cap < budget; cap *= 2) caps.push(cap);
  return [...caps, budget];
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const writeJson = (file: string, value: unknown) => writeFileAtomicSync(file, `${JSON.stringify(value, null, 2)}\n`);

/** The tasks file an experiment draws from: the config's, else the one prepared under the artifact root. */
export function experimentTasksFile(codeq: ReturnType<typeof readSnapshot>['codeq']): string {
  return resolve(codeq.experiment.tasks ?? join(resolveArtifactsRoot(codeq), 'tasks', 'tasks.jsonl'));
}

/**
 * Control-queue activities: light work on files (any machine). Each writes its outputs under the
 * round's directory atomically and, when they are already there, returns them without redoing.
 */
export function createControlActivities(): ControlActivities {
  return {
    async resumePoint({ dir, policy }) {
      const file = join(dir, 'policy.json');
      if (!existsSync(file)) return { round: 1, policy };
      const last = readJson<PolicyRef & { round: number }>(file);
      return { round: last.round + 1, policy: { model: last.model, adapter: last.adapter, label: last.label } };
    },

    async planRound(context: RoundContext): Promise<RoundPlan> {
      const file = join(context.roundDir, 'plan', 'plan.json');
      if (existsSync(file)) return readJson<RoundPlan>(file);
      const { codeq } = withBudgets(readSnapshot(context.configFile), context.budgets);
      const tasksFile = experimentTasksFile(codeq);
      const tasks = readTaskFile(tasksFile);
      const { experiment } = codeq;
      const draw = drawTasks(tasks, { seed: experiment.seed, round: context.round, collectTasks: experiment.collect.tasks, evaluateTasks: experiment.evaluate.tasks, collectShards: experiment.collect.shards, evaluateShards: experiment.evaluate.shards });
      const shard = (kind: string) => (ids: string[], index: number) => {
        const tasksFile = join(context.roundDir, 'plan', `${kind}-${index}.json`);
        writeJson(tasksFile, ids);
        return { index, tasksFile, tasks: ids.length };
      };
      const plan: RoundPlan = { collect: draw.collect.map(shard('collect')), evaluate: draw.evaluate.map(shard('evaluate')), tasksFile, seed: roundSeed(experiment.seed, context.round) };
      writeJson(file, plan);
      return plan;
    },

    async buildPairs(input: PairsInput) {
      const file = join(input.roundDir, 'pairs', 'pairs.jsonl');
      const summaryFile = join(input.roundDir, 'pairs', 'summary.json');
      if (existsSync(summaryFile) && existsSync(file)) {
        const summary = readJson<{ pairs: number; semanticDuplicates: number }>(summaryFile);
        return { file, pairs: summary.pairs, semanticDuplicates: summary.semanticDuplicates };
      }
      const { codeq } = readSnapshot(input.configFile);
      function* all() {
        for (const dir of input.trajectoryDirs) if (existsSync(dir)) yield* readTrajectories(dir);
      }
      // Collection searched the train split only; extractPairs refuses test-split trees anyway.
      const { pairs, summary } = await extractPairs(all(), codeq.pairs, { allowTestSplit: false });
      writeFileAtomicSync(file, pairs.map((p) => `${JSON.stringify(p)}\n`).join(''));
      writeJson(summaryFile, summary);
      return { file, pairs: summary.pairs, semanticDuplicates: summary.semanticDuplicates };
    },

    async decidePromotion(input: PromoteInput): Promise<PromotionDecision> {
      const file = join(input.roundDir, 'promote', 'decision.json');
      if (existsSync(file)) return readJson<PromotionDecision>(file);
      const { codeq } = readSnapshot(input.configFile);
      // The round's evaluation in the evaluation module's results format (the report's input).
      const tasks = new Map(readTaskFile(experimentTasksFile(codeq)).map((t) => [t.id, t]));
      const policies = [{ ...input.incumbent.policy, label: 'incumbent', runs: [{ dir: input.incumbent.file, seed: input.seed ?? 0 }] }, ...(input.candidate ? [{ ...input.candidate.policy, label: 'candidate', runs: [{ dir: input.candidate.file, seed: input.seed ?? 0 }] }] : [])];
      const results = buildResults(policies, tasks, { split: 'test', caps: tokenCapsUpTo(codeq.search.budget.tokens), policyPairs: input.candidate ? [['incumbent', 'candidate']] : [] });
      writeEvalResults(join(input.roundDir, 'evaluate', 'results.json'), results);
      const scores = (label: string) => ({ solved: solvedByTask(results.records.filter((r) => r.policy === label)) });
      const decision = decidePromotion(scores('incumbent'), input.candidate ? scores('candidate') : null, codeq.experiment.promote, input.noCandidate);
      // What the next round (or the next scheduled run) starts from; written before the decision,
      // which marks the phase done.
      const policy = decision.promote && input.candidate ? input.candidate.policy : input.incumbent.policy;
      writeJson(join(input.roundDir, '..', 'policy.json'), { ...policy, round: input.round });
      writeJson(file, decision);
      return decision;
    },
  };
}
