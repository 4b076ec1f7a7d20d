import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEvalResults, type EvalResults } from '../evaluation/resultsFile.js';
import type { PromotionDecision } from '../workflows/definitions.js';

/** What a report shows of one round, read from the round's files (never from Temporal). */
export interface RoundData {
  round: number;
  dir: string;
  decision: PromotionDecision | null;
  results: EvalResults | null;
  pairs: { pairs: number; semanticDuplicates: number; perTask: { tasks: number; tasksWithPairs: number } } | null;
  metrics: Record<string, number>[];
  collected: { tasks: number; solved: number } | null;
}

export interface ExperimentData {
  id: string;
  dir: string;
  rounds: RoundData[];
}

const readJson = <T>(file: string): T | null => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null);

function metricsOf(file: string): Record<string, number>[] {
  if (!existsSync(file)) return [];
  const out: Record<string, number>[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Record<string, number>);
    } catch {
      break; // a line cut short by a crash: the rest were never written
    }
  }
  return out;
}

/** Collected tasks and solves, from the collect shards' sealed trajectory files. */
function collectedOf(dir: string): RoundData['collected'] {
  if (!existsSync(dir)) return null;
  let tasks = 0;
  let solved = 0;
  for (const shard of readdirSync(dir).filter((n) => n.startsWith('shard-'))) {
    for (const file of readdirSync(join(dir, shard)).filter((n) => n.endsWith('.jsonl') && n.startsWith('shard-'))) {
      for (const line of readFileSync(join(dir, shard, file), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        tasks++;
        if ((JSON.parse(line) as { solved?: boolean }).solved) solved++;
      }
    }
  }
  return { tasks, solved };
}

export class ReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportError';
  }
}

/** Every round of the experiment in `dir` (<artifacts>/experiments/<id>), in order. */
export function readExperiment(dir: string, id: string): ExperimentData {
  if (!existsSync(join(dir, 'config.json'))) throw new ReportError(`no experiment ${id} at ${dir}. HINT: codeq experiment list shows the experiments; --artifacts or the config's artifacts.root says where their files are`);
  const rounds = readdirSync(dir)
    .map((n) => /^round-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
    .map((round): RoundData => {
      const r = join(dir, `round-${round}`);
      const resultsFile = join(r, 'evaluate', 'results.json');
      return {
        round,
        dir: r,
        decision: readJson<PromotionDecision>(join(r, 'promote', 'decision.json')),
        results: existsSync(resultsFile) ? readEvalResults(resultsFile) : null,
        pairs: readJson(join(r, 'pairs', 'summary.json')),
        metrics: metricsOf(join(r, 'train', 'metrics.jsonl')),
        collected: collectedOf(join(r, 'collect')),
      };
    });
  return { id, dir, rounds };
}
