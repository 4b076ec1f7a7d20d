import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

export class PairsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PairsFileError';
  }
}

const Message = z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const PairLine = z.object({
  prompt: z.array(Message).min(1),
  chosen: z.array(Message).min(1),
  rejected: z.array(Message).min(1),
  meta: z.record(z.string(), z.unknown()).optional(),
});

/** A preference pair as training reads it (metadata, when present, is carried along untouched). */
export type TrainingPair = z.infer<typeof PairLine>;

/** How many pairs come from train-split and test-split tasks (meta.split), and how many do not say. */
export interface PairSplits {
  train: number;
  test: number;
  unknown: number;
}

export function pairSplits(pairs: TrainingPair[]): PairSplits {
  const splits: PairSplits = { train: 0, test: 0, unknown: 0 };
  for (const pair of pairs) {
    const split = pair.meta?.split;
    splits[split === 'train' || split === 'test' ? split : 'unknown'] += 1;
  }
  return splits;
}

/**
 * Pairs as codeq pairs writes them (TRL's conversational format); errors name file and line.
 * Pairs from test-split tasks (meta.split = test) are refused unless allowTestSplit: training on
 * them would leak evaluation data.
 */
export function readPairsFile(file: string, options: { allowTestSplit?: boolean } = {}): TrainingPair[] {
  if (!existsSync(file)) throw new PairsFileError(`${file}: no such file. HINT: codeq pairs --trajectories DIR --out ${file} makes one`);
  const pairs: TrainingPair[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(lines[i]!);
    } catch (error) {
      throw new PairsFileError(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    const parsed = PairLine.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new PairsFileError(`${file}:${i + 1}: ${issue.path.join('.') || '(pair)'}: ${issue.message}. HINT: each line needs prompt, chosen and rejected message lists`);
    }
    pairs.push(parsed.data);
  }
  if (pairs.length === 0) throw new PairsFileError(`${file}: no pairs in it`);
  const { test } = pairSplits(pairs);
  if (test > 0 && !options.allowTestSplit) {
    throw new PairsFileError(`${file}: ${test} of ${pairs.length} pairs are from test-split tasks (meta.split); training on them leaks evaluation data. HINT: make pairs from --split train trajectories, or pass --allow-test-split`);
  }
  return pairs;
}
