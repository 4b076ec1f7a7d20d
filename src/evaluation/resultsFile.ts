import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { SEARCH_MODES } from '../config/schema.js';
import type { Aggregates } from './aggregate.js';
import { EVAL_RESULTS_VERSION, EvalRecordSchema, type EvalRecord } from './records.js';

/**
 * results.json: every search's record and the aggregates computed from them — the input of every
 * report. Versioned: a reader refuses another version with a clear message.
 */
export interface EvalResults {
  version: typeof EVAL_RESULTS_VERSION;
  createdAt: string;
  split: 'train' | 'test';
  policies: { label: string; model: string; adapter: string | null }[];
  modes: (typeof SEARCH_MODES)[number][];
  seeds: number[];
  caps: number[];
  records: EvalRecord[];
  aggregates: Aggregates;
}

const HeaderSchema = z.object({
  version: z.literal(EVAL_RESULTS_VERSION),
  createdAt: z.string(),
  split: z.enum(['train', 'test']),
  policies: z.array(z.object({ label: z.string(), model: z.string(), adapter: z.string().nullable() })),
  modes: z.array(z.enum(SEARCH_MODES)),
  seeds: z.array(z.number().int()),
  caps: z.array(z.number().int()),
  records: z.array(EvalRecordSchema),
  aggregates: z.object({ results: z.array(z.unknown()), policyComparisons: z.array(z.unknown()), modeComparisons: z.array(z.unknown()) }),
});

export class EvalResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalResultsError';
  }
}

export function writeEvalResults(file: string, results: EvalResults): void {
  // NaN (a rate over no tasks) is not JSON: written as null.
  writeFileAtomicSync(file, `${JSON.stringify(results, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
}

export function readEvalResults(file: string): EvalResults {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new EvalResultsError(code === 'ENOENT' ? `${file}: no such file. HINT: codeq eval --out DIR writes DIR/results.json` : `${file}: not JSON (${(error as Error).message}). HINT: results.json is written by codeq eval`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== EVAL_RESULTS_VERSION) throw new EvalResultsError(`${file}: results version ${JSON.stringify(version)}, this codeq reads version ${EVAL_RESULTS_VERSION}. HINT: rerun codeq eval with this version`);
  const parsed = HeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EvalResultsError(`${file}: ${issue.path.join('.') || '(file)'}: ${issue.message}. HINT: results.json is written by codeq eval; do not edit it`);
  }
  return raw as EvalResults;
}
