import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { Random } from '../util/random.js';

export interface TaskDraw {
  collect: string[][];
  evaluate: string[][];
}

/** `items` dealt round-robin into `count` non-empty shards (fewer when there are fewer items). */
export function shardsOf<T>(items: T[], count: number): T[][] {
  const n = Math.max(1, Math.min(count, items.length));
  const shards: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => shards[i % n]!.push(item));
  return items.length === 0 ? [] : shards;
}

/**
 * Which tasks a round searches and which it evaluates on. Collection: `collectTasks` train-split
 * tasks drawn anew each round (seeded by the experiment's seed and the round). Evaluation: the
 * first `evaluateTasks` test-split tasks whose hidden tests can decide, in one order fixed by the
 * experiment's seed — the same tasks every round, so rounds compare.
 */
export function drawTasks(tasks: PreparedTask[], options: { seed: number; round: number; collectTasks: number; evaluateTasks: number; collectShards: number; evaluateShards: number }): TaskDraw {
  const train = tasks.filter((t) => t.split === 'train').map((t) => t.id).sort();
  const test = tasks.filter((t) => t.split === 'test' && t.visibleOnly === null && t.hidden.length > 0).map((t) => t.id).sort();
  const collect = new Random(`collect:${options.seed}:${options.round}`).shuffle(train).slice(0, options.collectTasks);
  const evaluate = new Random(`evaluate:${options.seed}`).shuffle(test).slice(0, options.evaluateTasks);
  return { collect: shardsOf(collect, options.collectShards), evaluate: shardsOf(evaluate, options.evaluateShards) };
}

/** A round's seed for searches: from the experiment's seed and the round number. */
export function roundSeed(seed: number, round: number): number {
  return (seed * 1_000_003 + round * 7919) % 2_147_483_647;
}
