import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExperimentConfig } from '../config/schema.js';
import type { Proportion } from '../evaluation/intervals.js';
import type { Budgets } from './budgets.js';
import type { TaskQueues } from './taskQueues.js';

/**
 * What workflows, activities and clients exchange: paths and small summaries only (a payload
 * stays far below Temporal's 256 KB warning; a test keeps every one of a tiny round under 64 KB).
 */

/** A policy: the base GGUF and, after a promotion, the LoRA adapter on top of it. */
export interface PolicyRef {
  model: string;
  adapter: string | null;
  /** Where it came from: "base", or "round-<n>". */
  label: string;
}

export const PHASES = ['plan', 'collect', 'pairs', 'train', 'evaluate', 'promote'] as const;
export type Phase = (typeof PHASES)[number];

/** Live progress of the running phase (what activities report). */
export interface PhaseProgress {
  phase: Phase;
  done: number;
  total: number;
  solved?: number;
  /** Training: the last step's loss, and seconds left at the current pace. */
  loss?: number;
  etaSeconds?: number;
  /** The activity reporting it (a phase of several shards gets one report per shard; the round sums them). */
  part?: string;
}

export interface EvaluationSummary {
  policy: PolicyRef;
  tasks: number;
  solved: number;
  visibleOnly: number;
  file: string;
}

export interface PromotionDecision {
  promote: boolean;
  reason: string;
  incumbentSolved: number;
  candidateSolved: number;
  tasks: number;
  margin: number;
  alpha: number;
  /** Wilson 95% intervals (candidate: null without a candidate). */
  incumbentRate: Proportion;
  candidateRate: Proportion | null;
  /** Paired on the same tasks: candidate − incumbent with Newcombe's 95% interval, McNemar's exact p. */
  comparison: { difference: number; low: number; high: number; pValue: number; gained: number; lost: number } | null;
  /** The tasks the candidate solved and the incumbent did not (gained), and the reverse. */
  flipped: { gained: string[]; lost: string[] };
}

export interface RoundResult {
  round: number;
  incumbent: PolicyRef;
  candidate: PolicyRef | null;
  /** The policy the next round starts from. */
  next: PolicyRef;
  collected: { tasks: number; solved: number; failed: number };
  pairs: number;
  train: { steps: number; loss: number | null } | null;
  decision: PromotionDecision;
  dir: string;
}

/** How the workflows schedule activities: from the config, fixed when the experiment starts. */
export interface ActivitySettings {
  timeouts: ExperimentConfig['timeouts'];
  retry: ExperimentConfig['retry'];
  /** Collection shards running at once. */
  parallel: number;
  queues: TaskQueues;
}

export interface RoundInput {
  experimentId: string;
  round: number;
  /** The experiment's config snapshot (JSON), written when it started. */
  configFile: string;
  budgets: Budgets;
  incumbent: PolicyRef;
  /** The experiment's artifact directory: <root>/experiments/<id>. */
  dir: string;
  settings: ActivitySettings;
  /** Start paused (the experiment was paused when the round began). */
  paused?: boolean;
}

export interface ExperimentInput {
  experimentId: string;
  configFile: string;
  dir: string;
  rounds: number;
  budgets: Budgets;
  settings: ActivitySettings;
  /**
   * Continue the experiment in `dir` where its last round ended (scheduled runs): the first round
   * is the one after the last finished, from the policy that round left; `rounds` more are run.
   */
  continue?: boolean;
  /** The last round this run goes to (set once the start round is known; else `rounds`). */
  untilRound?: number;
  /** Carried across continue-as-new. */
  round?: number;
  policy: PolicyRef;
  results?: RoundResult[];
  paused?: boolean;
}

export type ExperimentStatus = 'running' | 'paused' | 'cancelling' | 'done' | 'cancelled';

export interface ExperimentState {
  experimentId: string;
  status: ExperimentStatus;
  round: number;
  rounds: number;
  phase: Phase | null;
  progress: PhaseProgress | null;
  policy: PolicyRef;
  budgets: Budgets;
  results: RoundResult[];
}

export interface RoundState {
  round: number;
  phase: Phase | null;
  progress: PhaseProgress | null;
  paused: boolean;
}

export const stateQuery = defineQuery<ExperimentState>('state');
export const roundStateQuery = defineQuery<RoundState>('roundState');
/** Pause after the current phase (the round waits there until resumed). */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** Stop: the running phase's activities are cancelled and the experiment ends. */
export const cancelSignal = defineSignal('cancel');
/** From a round to its experiment: the phase it entered. */
export const phaseSignal = defineSignal<[Phase]>('phase');
/** From activities: how far the running phase is. */
export const progressSignal = defineSignal<[PhaseProgress]>('progress');
/** Budgets of the rounds not yet started (validated; returns the settings now in force). */
export const setBudgetsUpdate = defineUpdate<Budgets, [Partial<Budgets>]>('setBudgets');

export const experimentWorkflowId = (experimentId: string) => `codeq-exp-${experimentId}`;
export const roundWorkflowId = (experimentId: string, round: number) => `codeq-exp-${experimentId}-round-${round}`;
