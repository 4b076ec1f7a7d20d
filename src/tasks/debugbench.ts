import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LANGUAGES, type Language } from '../sandbox/types.js';
import { normalizeCode } from './normalize.js';
import { BUG_CATEGORIES, type Task } from './task.js';

/** The fields codeq reads from a DebugBench record; others (content, explanations, ...) are ignored. */
const RecordSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]+$/, 'a lowercase LeetCode slug'),
  description: z.string(),
  examples: z.array(z.string()),
  constraints: z.string(),
  oracle_code: z.string().min(1),
  buggy_code: z.string().min(1),
  level: z.enum(['easy', 'medium', 'hard']),
});

export interface LoadProblem {
  file: string;
  /** Index of the record in the file's array; null when the whole file is unusable. */
  index: number | null;
  message: string;
}

export interface LoadResult {
  tasks: Task[];
  /** Records skipped because they are malformed, with where and why. */
  problems: LoadProblem[];
  /** Records dropped as duplicates (same language and normalized buggy code), by language. */
  duplicates: Record<Language, number>;
  /** For each task with duplicates: how many more records it stands for. */
  duplicatesOf: Map<string, number>;
  records: Record<Language, number>;
}

function shardName(file: string): { language: Language; bugType: string } | null {
  const match = /^(python3|cpp|java)_(.+)\.json$/.exec(file);
  if (!match) return null;
  const bugType = match[2]!;
  return bugType in BUG_CATEGORIES ? { language: match[1] as Language, bugType } : null;
}

export function taskId(language: Language, slug: string, bugType: string, buggyCode: string): string {
  const hash = createHash('sha256').update(buggyCode).digest('hex').slice(0, 8);
  return `${language}/${slug}/${bugType.replace(/\s+/g, '-')}/${hash}`;
}

/**
 * Reads every `<language>_<bug type>.json` shard in `dir`. A malformed record (or file) is
 * reported with its file and index and skipped; a record whose language and normalized buggy
 * code were already seen is counted as a duplicate and skipped.
 */
export function loadDebugBench(dir: string, languages: readonly Language[] = LANGUAGES): LoadResult {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`DebugBench directory ${dir} does not exist. HINT: pass --debugbench DIR or set CODEQ_DEBUGBENCH`);
  }
  const result: LoadResult = {
    tasks: [],
    problems: [],
    duplicates: { python3: 0, cpp: 0, java: 0 },
    duplicatesOf: new Map(),
    records: { python3: 0, cpp: 0, java: 0 },
  };
  const seen = new Map<string, string>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const shard = shardName(file);
    if (!shard) {
      result.problems.push({ file, index: null, message: 'not a <python3|cpp|java>_<bug type>.json shard; skipped' });
      continue;
    }
    if (!languages.includes(shard.language)) continue;
    let records: unknown;
    try {
      records = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      result.problems.push({ file, index: null, message: `not valid JSON: ${(error as Error).message}` });
      continue;
    }
    if (!Array.isArray(records)) {
      result.problems.push({ file, index: null, message: 'expected a JSON array of records' });
      continue;
    }
    records.forEach((record: unknown, index) => {
      const parsed = RecordSchema.safeParse(record);
      if (!parsed.success) {
        const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
        result.problems.push({ file, index, message: why });
        return;
      }
      result.records[shard.language]++;
      const r = parsed.data;
      const key = `${shard.language}\0${normalizeCode(r.buggy_code)}`;
      const first = seen.get(key);
      if (first) {
        result.duplicates[shard.language]++;
        result.duplicatesOf.set(first, (result.duplicatesOf.get(first) ?? 0) + 1);
        return;
      }
      const id = taskId(shard.language, r.slug, shard.bugType, r.buggy_code);
      seen.set(key, id);
      result.tasks.push({
        id,
        language: shard.language,
        slug: r.slug,
        level: r.level,
        bugType: shard.bugType,
        category: BUG_CATEGORIES[shard.bugType]!,
        description: r.description,
        constraints: r.constraints,
        examples: r.examples,
        oracleCode: r.oracle_code,
        buggyCode: r.buggy_code,
        source: { file, index },
      });
    });
  }
  return result;
}
