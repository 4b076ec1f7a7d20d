import { basename, resolve } from 'node:path';
import { resolveCacheDir } from '../config/env.js';
import type { CodeqConfig, SearchMode } from '../config/schema.js';
import { resolveModel } from '../models/pull.js';
import { Policy } from '../policy/policy.js';
import { requireInputFile, UsageError } from './options.js';

/** Flags `codeq search` and `codeq collect` share. */
export interface SearchFlags {
  mode: SearchMode;
  model?: string;
  adapter?: string;
  adapterScale?: number;
  tokens?: number;
  rollouts?: number;
  k?: number;
  n?: number;
}

/** The config with the command line's budget and mode overrides applied. */
export function searchConfig(config: CodeqConfig, flags: SearchFlags): CodeqConfig {
  const out = structuredClone(config);
  if (flags.tokens !== undefined) out.search.budget.tokens = flags.tokens;
  if (flags.rollouts !== undefined) out.search.mcts.rollouts = flags.rollouts;
  if (flags.k !== undefined) out.search.mcts.k = flags.k;
  if (flags.n !== undefined) out.search.bestOfN.n = flags.n;
  return out;
}

/** The search's own inputs, checked before anything starts: the model path, the adapter file. */
export function checkSearchInputs(flags: SearchFlags): void {
  if (flags.model && (flags.model.endsWith('.gguf') || flags.model.includes('/'))) requireInputFile('--model', flags.model, 'give a .gguf path or a catalog name (configs/default.yaml models.catalog)');
  if (flags.adapter) requireInputFile('--adapter', flags.adapter, 'codeq train --out DIR writes DIR/adapter.gguf');
  if (flags.adapterScale !== undefined && !flags.adapter) throw new UsageError('--adapter-scale needs --adapter. HINT: give --adapter FILE.gguf, or drop --adapter-scale');
}

/** The policy with as many sequences as the mode generates at once (an MCTS expansion: k). */
export async function openSearchPolicy(config: CodeqConfig, flags: SearchFlags): Promise<Policy> {
  const model = await resolveModel(flags.model ?? config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir));
  const sequences = flags.mode === 'mcts' ? config.search.mcts.k : flags.mode === 'single' ? 1 : config.policy.sequences;
  const adapter = flags.adapter ? { name: basename(flags.adapter, '.gguf'), file: resolve(flags.adapter), scale: flags.adapterScale ?? 1 } : null;
  if (flags.adapterScale !== undefined && !flags.adapter) throw new UsageError('--adapter-scale needs --adapter');
  return Policy.load(model.file, { ...config.policy, sequences }, adapter);
}
