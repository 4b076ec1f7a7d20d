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

/** Pairs as codeq pairs writes them (TRL's conversational format); errors name file and line. */
export function readPairsFile(file: string): TrainingPair[] {
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
  return pairs;
}
