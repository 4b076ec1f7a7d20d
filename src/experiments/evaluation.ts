import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readTrajectories } from '../search/shards.js';
import type { PolicyScores } from './promotion.js';

/**
 * A policy's evaluation: the trajectories under `dir` (one directory per shard), task id →
 * solved on visible AND hidden tests (pass_visible_only is not solved; such tasks are not drawn).
 */
export function readEvaluation(dir: string): PolicyScores {
  const solved = new Map<string, boolean>();
  if (!existsSync(dir)) return { solved };
  for (const shard of readdirSync(dir).filter((n) => n.startsWith('shard-')).sort()) {
    for (const t of readTrajectories(join(dir, shard))) solved.set(t.task, t.solved);
  }
  return { solved };
}
