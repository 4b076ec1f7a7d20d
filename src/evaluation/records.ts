import { z } from 'zod';
import { SEARCH_MODES } from '../config/schema.js';
import { tokensToChosen } from '../search/tokenCaps.js';
import type { Trajectory } from '../search/trajectory.js';
import { CATEGORIES, type Task } from '../tasks/task.js';
import { FINAL_VERDICTS, VISIBLE_ONLY_REASONS } from '../verify/verdicts.js';

/** Bump when a record's or the results file's shape changes: readers refuse other versions. */
export const EVAL_RESULTS_VERSION = 1;

/** One search: a task × policy × mode × seed, with everything the breakdowns group by. */
export const EvalRecordSchema = z.strictObject({
  task: z.string(),
  language: z.enum(['python3', 'cpp', 'java']),
  category: z.enum(CATEGORIES),
  bugType: z.string(),
  level: z.enum(['easy', 'medium', 'hard']),
  policy: z.string().describe('The policy label (e.g. "base", "round-1").'),
  mode: z.enum(SEARCH_MODES),
  /** The run's seed (each task's search seed derives from it and the task id, see taskSeed). */
  seed: z.number().int(),
  /** Why the task's hidden tests cannot vouch for a pass; null: the task counts toward solve rates. */
  visibleOnly: z.enum(VISIBLE_ONLY_REASONS).nullable(),
  verdict: z.enum([...FINAL_VERDICTS, 'no_program']),
  solvedVisible: z.boolean(),
  /** Visible AND hidden tests passed. */
  solved: z.boolean(),
  generatedTokens: z.number().int(),
  /** Tokens spent once the call that proposed the chosen program returned (null: nothing chosen). */
  tokensToChosen: z.number().int().nullable(),
  executions: z.number().int(),
  wallMs: z.number(),
});
export type EvalRecord = z.infer<typeof EvalRecordSchema>;

export type TaskFacts = Pick<Task, 'id' | 'language' | 'category' | 'bugType' | 'level'>;

/** A search's record, from its trajectory and the task it ran on. */
export function recordOf(trajectory: Trajectory, task: TaskFacts, policy: string, seed: number): EvalRecord {
  if (trajectory.task !== task.id) throw new RangeError(`recordOf: trajectory of ${trajectory.task} paired with task ${task.id}`);
  return {
    task: task.id,
    language: task.language,
    category: task.category,
    bugType: task.bugType,
    level: task.level,
    policy,
    mode: trajectory.mode,
    seed,
    visibleOnly: trajectory.visibleOnly,
    verdict: trajectory.verdict,
    solvedVisible: trajectory.solvedVisible,
    solved: trajectory.solved,
    generatedTokens: trajectory.budget.generatedTokens,
    tokensToChosen: tokensToChosen(trajectory),
    executions: trajectory.budget.executions,
    wallMs: trajectory.budget.wallMs,
  };
}

/** Solved within a token cap: the answer was found by a call that had spent at most `cap`. */
export function solvedWithin(record: Pick<EvalRecord, 'solved' | 'tokensToChosen'>, cap: number | null): boolean {
  if (!record.solved) return false;
  return cap === null || (record.tokensToChosen !== null && record.tokensToChosen <= cap);
}

export function solvedVisibleWithin(record: Pick<EvalRecord, 'solvedVisible' | 'tokensToChosen'>, cap: number | null): boolean {
  if (!record.solvedVisible) return false;
  return cap === null || (record.tokensToChosen !== null && record.tokensToChosen <= cap);
}
