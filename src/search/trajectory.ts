import { z } from 'zod';
import { SEARCH_MODES, type CodeqConfig, type SearchConfig, type SearchMode } from '../config/schema.js';
import { FINAL_VERDICTS, isSolved, VISIBLE_ONLY_REASONS, type VisibleOnlyReason } from '../verify/verdicts.js';
import type { TestReport } from '../verify/verifyProgram.js';
import type { BudgetUsed, StopReason } from './budget.js';
import type { SearchOutcome } from './engine.js';
import type { Expansion } from './tree.js';

/** Bump when the record's shape changes: readers refuse other versions with a clear message. */
export const TRAJECTORY_VERSION = 3;

const VERDICTS = ['pass', 'wrong_answer', 'compile_error', 'runtime_error', 'timeout', 'memory', 'output_limit'] as const;
const STOPS = ['solved', 'tokens', 'executions', 'wall', 'rollouts', 'samples', 'exhausted', 'aborted'] as const satisfies readonly StopReason[];

const TestSummarySchema = z.object({ verdict: z.enum(VERDICTS), passed: z.number().int(), total: z.number().int() });
export type TestSummary = z.infer<typeof TestSummarySchema>;

const NodeSchema = z.object({
  id: z.number().int(),
  hash: z.string(),
  code: z.string(),
  parent: z.number().int().nullable(),
  depth: z.number().int(),
  visits: z.number().int(),
  /** Q_search (mean backed-up value). */
  value: z.number(),
  critic: z.number().nullable(),
  /** Q at the end of the search (the visible reward's backup; before issue 14 it could blend in a critic). */
  q: z.number(),
  visible: TestSummarySchema.extend({ reward: z.number(), feedback: z.string() }),
  /** On the train split, a program that passed the visible tests on the hidden ones (run after the search); else null. */
  hidden: TestSummarySchema.nullable(),
  expansion: z.number().int().nullable(),
  /** The self-reflection on this node's program its children's prompts carried (none before issue 14). */
  reflection: z.string().nullable().default(null),
});

const ExpansionSchema = z.object({
  id: z.number().int(),
  parent: z.number().int(),
  kind: z.enum(['expand', 'rollout', 'sample']),
  prompt: z.string(),
  /** Tokens each answer of the call could generate (the last call gets what the budget had left). */
  maxTokens: z.number().int(),
  /** The search's generated tokens once this call returned: what a solve by it cost. */
  spentTokens: z.number().int(),
  rewrites: z.array(
    z.object({
      node: z.number().int().nullable(),
      duplicate: z.boolean(),
      text: z.string(),
      tokens: z.number().int(),
      seed: z.number().int(),
      failure: z.string().nullable(),
    }),
  ),
});

export const TrajectorySchema = z.object({
  version: z.literal(TRAJECTORY_VERSION),
  task: z.string(),
  language: z.enum(['python3', 'cpp', 'java']),
  /** The task's split: pairs and training refuse test-split trajectories unless told otherwise. */
  split: z.enum(['train', 'test']),
  /** Why the task's hidden tests cannot vouch for a pass (then a pass is pass_visible_only); null: they can. */
  visibleOnly: z.enum(VISIBLE_ONLY_REASONS).nullable(),
  mode: z.enum(SEARCH_MODES),
  policy: z.object({ model: z.string(), adapter: z.string().nullable() }),
  seed: z.number().int(),
  /** The settings the search ran under (budget and mode parameters; alpha: the critic's weight in Q, in files from before issue 14). */
  settings: z.object({ budget: z.record(z.string(), z.number()), mode: z.record(z.string(), z.union([z.number(), z.boolean(), z.string(), z.null()])), alpha: z.number().optional() }),
  budget: z.object({
    rollouts: z.number().int(),
    policyCalls: z.number().int(),
    generatedTokens: z.number().int(),
    criticPromptTokens: z.number().int().default(0),
    reflectionTokens: z.number().int().default(0),
    executions: z.number().int(),
    duplicates: z.number().int(),
    wallMs: z.number(),
  }),
  stop: z.enum(STOPS),
  /** The system prompt every policy call of this search had. */
  system: z.string(),
  nodes: z.array(NodeSchema),
  expansions: z.array(ExpansionSchema),
  chosen: z
    .object({
      node: z.number().int(),
      visible: TestSummarySchema,
      hidden: TestSummarySchema.nullable(),
    })
    .nullable(),
  /** The chosen program's final verdict: pass only on the visible AND the hidden tests (pass_visible_only apart). */
  verdict: z.enum([...FINAL_VERDICTS, 'no_program']),
  solvedVisible: z.boolean(),
  solved: z.boolean(),
  /** How the answer was chosen among several visible passes (search.agreement); null: the first pass. */
  agreement: z
    .object({ inputs: z.number().int(), clusters: z.array(z.array(z.number().int())), chosen: z.number().int() })
    .nullable()
    .default(null),
});
export type Trajectory = z.infer<typeof TrajectorySchema>;
export type TrajectoryNode = Trajectory['nodes'][number];
export type TrajectoryExpansion = Expansion;

function summary(report: Pick<TestReport, 'verdict' | 'passed' | 'total'>): TestSummary {
  return { verdict: report.verdict, passed: report.passed, total: report.total };
}

/** The settings of a mode that shape its tree, recorded with it. */
export function modeSettings(mode: SearchMode, search: SearchConfig, temperature: number, sequences: number): Record<string, ModeSetting> {
  if (mode === 'single') return { ...search.singlePass };
  const agreement = { agreementCandidates: search.agreement.candidates, agreementInputs: search.agreement.inputs };
  if (mode === 'best-of-n') return { ...search.bestOfN, temperature, sequences, ...agreement };
  const { widening, ...mcts } = search.mcts;
  const { enabled, ...reflection } = search.reflection;
  return { ...mcts, wideningC: widening?.c ?? null, wideningAlpha: widening?.alpha ?? null, temperature, ...agreement, reflection: enabled, ...Object.fromEntries(Object.entries(reflection).map(([k, v]) => [`reflection${k[0]!.toUpperCase()}${k.slice(1)}`, v])) };
}

/** A recorded setting: flat, so trees from different settings compare field by field. */
export type ModeSetting = number | boolean | string | null;

export function toTrajectory(
  outcome: SearchOutcome,
  task: { id: string; language: Trajectory['language']; split: Trajectory['split']; visibleOnly: VisibleOnlyReason | null },
  meta: { model: string; adapter: string | null; seed: number; system: string; config: Pick<CodeqConfig, 'search' | 'policy'> },
): Trajectory {
  const { search, policy } = meta.config;
  const budget: BudgetUsed = outcome.budget;
  const chosen = outcome.chosen;
  return {
    version: TRAJECTORY_VERSION,
    task: task.id,
    language: task.language,
    split: task.split,
    visibleOnly: task.visibleOnly,
    mode: outcome.mode,
    policy: { model: meta.model, adapter: meta.adapter },
    seed: meta.seed,
    settings: { budget: { ...search.budget }, mode: modeSettings(outcome.mode, search, policy.generation.temperature, policy.sequences) },
    budget,
    stop: outcome.stop,
    system: meta.system,
    nodes: outcome.tree.nodes.map((n) => ({
      id: n.id,
      hash: n.hash,
      code: n.code,
      parent: n.parent,
      depth: n.depth,
      visits: n.visits,
      value: outcome.tree.value(n),
      critic: n.critic,
      q: outcome.tree.value(n),
      visible: { ...summary(n.visible), reward: n.visible.reward, feedback: n.visible.feedback },
      hidden: outcome.hiddenOfNodes.has(n.id) ? summary(outcome.hiddenOfNodes.get(n.id)!) : null,
      expansion: n.expansion,
      reflection: n.reflection,
    })),
    expansions: outcome.tree.expansions,
    chosen: chosen ? { node: chosen.id, visible: summary(chosen.visible), hidden: outcome.hidden ? summary(outcome.hidden) : null } : null,
    verdict: outcome.verdict,
    solvedVisible: chosen?.visible.verdict === 'pass',
    solved: isSolved(outcome.verdict),
    agreement: outcome.agreement,
  };
}

export class TrajectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrajectoryError';
  }
}

/** Parses one trajectory line; `where` (file:line) goes into the error. */
export function parseTrajectory(line: string, where: string): Trajectory {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    throw new TrajectoryError(`${where}: not JSON (${(error as Error).message}). HINT: trajectory files are JSONL written by codeq collect`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (version !== TRAJECTORY_VERSION) {
    throw new TrajectoryError(`${where}: trajectory version ${JSON.stringify(version)}, this codeq reads version ${TRAJECTORY_VERSION}. HINT: collect again with this version`);
  }
  const parsed = TrajectorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrajectoryError(`${where}: ${issue.path.join('.') || '(record)'}: ${issue.message}`);
  }
  return parsed.data;
}
