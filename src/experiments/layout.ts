import { join, resolve } from 'node:path';
import { resolveDataDir } from '../config/env.js';
import type { CodeqConfig } from '../config/schema.js';

/**
 * The artifact store: <root>/experiments/<id>/{config.json, policy.json, round-<n>/<phase>/...}.
 * One root for every worker: a local directory, or a shared filesystem across machines.
 */
export function resolveArtifactsRoot(config: Pick<CodeqConfig, 'artifacts' | 'temporal'>): string {
  return resolve(config.artifacts.root ?? join(resolveDataDir(config.temporal.dataDir), 'artifacts'));
}

export function experimentDir(root: string, experimentId: string): string {
  return join(root, 'experiments', experimentId);
}

/** Experiment ids become directory names and workflow ids. */
export const EXPERIMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
