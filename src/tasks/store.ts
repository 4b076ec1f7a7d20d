import { z } from 'zod';
import { LANGUAGES } from '../sandbox/types.js';
import type { CaseInput, TestCase } from './harness/spec.js';
import { formatValue, parseValue, type Value } from './literal.js';
import type { PreparedTask } from './prepare/prepareTask.js';
import { CATEGORIES } from './task.js';
import { VISIBLE_ONLY_REASONS } from '../verify/verdicts.js';

/**
 * Prepared tasks as JSONL, one task per line. Test inputs and expected outputs are JSON *text*
 * (`"input": "[[1,2],3]"`) so that 64-bit integers survive any JSON reader.
 */
type StoredCase = { input: string | { calls: string[]; args: string }; expected: string; alsoAccepted?: string[] };

function storeCase(c: TestCase): StoredCase {
  const input = Array.isArray(c.input) ? formatValue(c.input) : { calls: c.input.calls, args: formatValue(c.input.args) };
  return { input, expected: formatValue(c.expected), ...(c.alsoAccepted?.length ? { alsoAccepted: c.alsoAccepted.map(formatValue) } : {}) };
}

function loadCase(c: StoredCase): TestCase {
  const input: CaseInput = typeof c.input === 'string' ? (parseValue(c.input) as Value[]) : { calls: c.input.calls, args: parseValue(c.input.args) as Value[][] };
  return { input, expected: parseValue(c.expected), ...(c.alsoAccepted ? { alsoAccepted: c.alsoAccepted.map(parseValue) } : {}) };
}

export function serializeTask(task: PreparedTask): string {
  const large = task.large ? { ...task.large, cases: task.large.cases.map((c) => ({ digest: c.digest, expected: formatValue(c.expected) })) } : null;
  return JSON.stringify({ ...task, visible: task.visible.map(storeCase), hidden: task.hidden.map(storeCase), large });
}

const ParamSchema = z.object({ name: z.string(), type: z.string() });
const SpecSchema = z.discriminatedUnion('mode', [
  z.object({
    mode: z.literal('call'),
    language: z.enum(LANGUAGES),
    method: z.string(),
    params: z.array(ParamSchema),
    callBy: z.enum(['name', 'position']),
    returnType: z.string(),
    inPlace: z.boolean(),
  }),
  z.object({
    mode: z.literal('design'),
    language: z.enum(LANGUAGES),
    className: z.string(),
    constructorParams: z.array(ParamSchema),
    methods: z.array(z.object({ name: z.string(), params: z.array(ParamSchema), returnType: z.string() })),
  }),
]);
const CaseSchema = z.object({
  input: z.union([z.string(), z.object({ calls: z.array(z.string()), args: z.string() })]),
  expected: z.string(),
  alsoAccepted: z.array(z.string()).optional(),
});
const VerdictSchema = z.enum(['pass', 'wrong_answer', 'compile_error', 'runtime_error', 'timeout', 'memory', 'output_limit']);
const TaskLineSchema = z.object({
  id: z.string(),
  language: z.enum(LANGUAGES),
  slug: z.string(),
  level: z.enum(['easy', 'medium', 'hard']),
  bugType: z.string(),
  category: z.enum(CATEGORIES),
  description: z.string(),
  constraints: z.string(),
  examples: z.array(z.string()),
  oracleCode: z.string(),
  buggyCode: z.string(),
  source: z.object({ file: z.string(), index: z.number().int() }),
  split: z.enum(['train', 'test']),
  spec: SpecSchema,
  orderFreeLevels: z.array(z.number().int().min(0)),
  checker: z.string().optional(),
  visibleOnly: z.enum(VISIBLE_ONLY_REASONS).nullable(),
  visible: z.array(CaseSchema),
  hidden: z.array(CaseSchema),
  oracleMs: z.object({ visible: z.number(), hidden: z.number() }),
  buggy: z.object({ visible: VerdictSchema, hidden: VerdictSchema.nullable() }),
  exampleDisagreements: z.array(z.number().int()),
  peers: z.object({ used: z.number().int(), disagreements: z.number().int(), frozen: z.array(z.string()) }),
  large: z
    .object({
      recipe: z.object({ seed: z.string(), drawn: z.number().int(), maxLength: z.number().int(), maxElements: z.number().int(), innerMaxLength: z.number().int() }),
      cases: z.array(z.object({ digest: z.string(), expected: z.string() })),
      oracleMs: z.number(),
    })
    .nullable(),
});

/** Parses one tasks.jsonl line; throws with what is wrong. */
export function parseTaskLine(line: string): PreparedTask {
  const stored = TaskLineSchema.parse(JSON.parse(line));
  const large = stored.large ? { ...stored.large, cases: stored.large.cases.map((c) => ({ digest: c.digest, expected: parseValue(c.expected) })) } : null;
  return { ...stored, visible: stored.visible.map(loadCase), hidden: stored.hidden.map(loadCase), large } as PreparedTask;
}
