import type { Budgets } from '../workflows/budgets.js';
import type { EvaluationSummary, PolicyRef, PromotionDecision } from '../workflows/definitions.js';

/**
 * The activities' inputs and outputs (paths and counts), and their interfaces by task queue.
 * Workflows import these types only; the implementations live beside this file.
 */

export interface RoundContext {
  experimentId: string;
  round: number;
  configFile: string;
  budgets: Budgets;
  /** <root>/experiments/<id>/round-<n> */
  roundDir: string;
}

/** A shard: a file listing task ids, and where its results go. */
export interface ShardRef {
  index: number;
  tasksFile: string;
  tasks: number;
}

export interface RoundPlan {
  collect: ShardRef[];
  evaluate: ShardRef[];
  /** The tasks file every shard's ids come from. */
  tasksFile: string;
  seed: number;
}

export interface ShardInput extends RoundContext {
  shard: ShardRef;
  tasksFile: string;
  policy: PolicyRef;
  seed: number;
  /** The shard's output directory. */
  out: string;
}

export interface CollectShardSummary {
  index: number;
  tasks: number;
  searched: number;
  skipped: number;
  solved: number;
  failed: number;
  generatedTokens: number;
  out: string;
}

export interface EvaluateShardSummary {
  index: number;
  tasks: number;
  solved: number;
  visibleOnly: number;
  file: string;
}

export interface PairsInput extends RoundContext {
  trajectoryDirs: string[];
}

export interface PairsResult {
  file: string;
  pairs: number;
  semanticDuplicates: number;
}

export interface TrainInput extends RoundContext {
  pairsFile: string;
  base: string;
}

export interface TrainResult {
  adapter: string;
  steps: number;
  loss: number | null;
  resumedFrom: number | null;
}

export interface PromoteInput extends RoundContext {
  incumbent: EvaluationSummary;
  candidate: EvaluationSummary | null;
  /** Why there is no candidate (no pairs), when there is none. */
  noCandidate?: string;
  /** The evaluation's seed (the round's), recorded with its results. */
  seed?: number;
}

export interface ResumePoint {
  round: number;
  policy: PolicyRef;
}

export interface ControlActivities {
  /** Where an experiment in `dir` continues: the round after the last finished one, and its policy. */
  resumePoint(input: { dir: string; policy: PolicyRef }): Promise<ResumePoint>;
  planRound(input: RoundContext): Promise<RoundPlan>;
  buildPairs(input: PairsInput): Promise<PairsResult>;
  decidePromotion(input: PromoteInput): Promise<PromotionDecision>;
}

export interface InferenceActivities {
  collectShard(input: ShardInput): Promise<CollectShardSummary>;
  evaluateShard(input: ShardInput): Promise<EvaluateShardSummary>;
}

export interface TrainingActivities {
  train(input: TrainInput): Promise<TrainResult>;
}
