import { basename, join, resolve } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { resolveCacheDir } from '../config/env.js';
import type { CodeqConfig, SearchMode } from '../config/schema.js';
import { resolveModel } from '../models/pull.js';
import { Policy } from '../policy/policy.js';
import { loadPromptTemplates } from '../policy/prompts.js';
import type { Sandbox } from '../sandbox/types.js';
import { collect } from '../search/collect.js';
import type { PreparedTask } from '../tasks/prepare/prepareTask.js';
import { log } from '../util/log.js';
import { buildResults, type PolicyTrajectories } from './buildResults.js';
import { formatEvalMarkdown } from './markdown.js';
import { writeEvalResults, type EvalResults } from './resultsFile.js';

/** A policy to score: a base model (path or configured name) and optionally a LoRA adapter GGUF. */
export interface PolicySpec {
  label: string;
  model: string | null;
  adapter: string | null;
}

export class EvalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalError';
  }
}

/** "MODEL[+ADAPTER]": `+` splits the base from the adapter; "default" is the configured model. */
export function parsePolicySpec(spec: string, option: string): Omit<PolicySpec, 'label'> {
  const [model, adapter, ...rest] = spec.split('+');
  if (rest.length > 0 || !model) throw new EvalError(`${option} ${JSON.stringify(spec)}: expected MODEL or MODEL+ADAPTER. HINT: e.g. --policy default+runs/round-1/adapter.gguf`);
  return { model: model === 'default' ? null : model, adapter: adapter ? resolve(adapter) : null };
}

/** Distinct labels for the report: the adapter's or the model's file name. */
export function labelPolicies(specs: Omit<PolicySpec, 'label'>[]): PolicySpec[] {
  const names = specs.map((s) => basename(s.adapter ?? s.model ?? 'base', '.gguf'));
  return specs.map((s, i) => ({ ...s, label: names.indexOf(names[i]!) === i && names.lastIndexOf(names[i]!) === i ? names[i]! : `${names[i]}#${i + 1}` }));
}

export interface EvaluationRun {
  policies: PolicySpec[];
  /** The first policy is the baseline when comparing: pairs [baseline, each other]. */
  compare: boolean;
  modes: SearchMode[];
  /** Token caps: searches get the largest; each is counted at every cap. */
  caps: number[];
  seeds: number[];
  tasks: PreparedTask[];
  out: string;
  config: CodeqConfig;
  sandbox: Sandbox;
  signal?: AbortSignal;
  onProgress?: (p: { policy: string; mode: SearchMode; seed: number; done: number; total: number; solved: number }) => void;
}

/** The config searches run under: the largest cap binds; the other limits are set never to bind first. */
export function evaluationConfig(config: CodeqConfig, caps: number[]): CodeqConfig {
  const out = structuredClone(config);
  out.search.budget = { ...out.search.budget, tokens: Math.max(...caps), executions: Math.max(out.search.budget.executions, 1000), wallMs: Math.max(out.search.budget.wallMs, 3_600_000) };
  out.search.bestOfN.n = Math.max(out.search.bestOfN.n, 256);
  out.search.mcts.rollouts = Math.max(out.search.mcts.rollouts, 256);
  return out;
}

/**
 * Searches every task with every policy × mode × seed (trajectories under out/trajectories/…,
 * resumable: a rerun continues where it stopped), then writes out/results.json and
 * out/summary.md from them.
 */
export async function runEvaluation(run: EvaluationRun): Promise<EvalResults> {
  const config = evaluationConfig(run.config, run.caps);
  const templates = loadPromptTemplates(config.policy);
  const cacheDir = resolveCacheDir(config.cacheDir);
  const trajectories: PolicyTrajectories[] = [];
  for (const spec of run.policies) {
    const model = await resolveModel(spec.model ?? config.policy.model ?? undefined, config.models, cacheDir);
    const runs: { dir: string; seed: number }[] = [];
    for (const mode of run.modes) {
      const sequences = mode === 'mcts' ? config.search.mcts.k : mode === 'single' ? 1 : config.policy.sequences;
      const adapter = spec.adapter ? { name: basename(spec.adapter, '.gguf'), file: spec.adapter, scale: 1 } : null;
      const policy = await Policy.load(model.file, { ...config.policy, sequences }, adapter);
      try {
        for (const seed of run.seeds) {
          const out = join(run.out, 'trajectories', spec.label, mode, `seed-${seed}`);
          let done = 0;
          let solved = 0;
          log.info('evaluating', { policy: spec.label, mode, seed, tasks: run.tasks.length, tokens: config.search.budget.tokens });
          const summary = await collect({
            mode, tasks: run.tasks, out, policy, sandbox: run.sandbox, templates, config, seed,
            ...(run.signal ? { signal: run.signal } : {}),
            onTrajectory: (t) => run.onProgress?.({ policy: spec.label, mode, seed, done: ++done, total: run.tasks.length, solved: (solved += Number(t.solved)) }),
          });
          if (summary.aborted) throw new EvalError(`interrupted; rerun the same command to continue (${out} keeps what was searched)`);
          if (summary.failed > 0) throw new EvalError(`${summary.failed} searches failed (see ${out}/errors.jsonl). HINT: rerun the same command: it retries them and keeps the rest`);
          runs.push({ dir: out, seed });
        }
      } finally {
        await policy.dispose();
      }
    }
    trajectories.push({ label: spec.label, model: model.file, adapter: spec.adapter, runs });
  }
  const facts = new Map(run.tasks.map((t) => [t.id, t]));
  const [baseline, ...others] = run.policies.map((p) => p.label);
  const results = buildResults(trajectories, facts, { split: run.tasks[0]?.split ?? 'test', caps: run.caps, policyPairs: run.compare && baseline ? others.map((o) => [baseline, o] as [string, string]) : [] });
  writeEvalResults(join(run.out, 'results.json'), results);
  writeFileAtomicSync(join(run.out, 'summary.md'), formatEvalMarkdown(results));
  return results;
}
