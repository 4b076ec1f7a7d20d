import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { resolveCacheDir } from '../config/env.js';
import type { CodeqConfig } from '../config/schema.js';
import { resolveModel } from '../models/pull.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import type { BackendName } from '../sandbox/types.js';
import { RECIPE_VERSION } from '../tasks/prepare/prepareDataset.js';
import { prepareSlice } from '../tasks/prepare/prepareSlice.js';
import { resolveArtifactsRoot } from './layout.js';

/**
 * The slice of DebugBench the main job needs, prepared once and resumably under the artifact
 * root, keyed by everything that shapes it (a changed setting prepares a new slice).
 */
export async function ensureTaskSlice(config: CodeqConfig, backend: BackendName | undefined, onProgress: (line: string) => void, signal?: AbortSignal): Promise<string> {
  const { prepare } = config.experiment;
  const perSplit = { train: prepare.train, test: prepare.test };
  const key = createHash('sha256').update(JSON.stringify({ RECIPE_VERSION, tasks: config.tasks, languages: prepare.languages, levels: prepare.levels, perSplit, seed: config.experiment.seed })).digest('hex').slice(0, 12);
  const dir = join(resolveArtifactsRoot(config), 'tasks', `slice-${key}`);
  const sandbox = await createSandbox(config, backend);
  try {
    await prepareSlice(
      {
        languages: prepare.languages,
        levels: prepare.levels,
        perSplit,
        seed: config.experiment.seed,
        debugbench: config.tasks.debugbench,
        dir,
        ...(signal ? { signal } : {}),
        onProgress: (p) => onProgress(`${p.language} ${p.split}: ${p.have}/${p.want} testable (${p.tried} records tried)`),
      },
      sandbox,
      config.tasks,
    );
  } finally {
    await sandbox.dispose();
  }
  return join(dir, 'tasks.jsonl');
}

/** The default model, downloaded once into the cache when missing. */
export async function ensureModel(config: CodeqConfig): Promise<string> {
  return (await resolveModel(config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir))).file;
}

/** The Temporal UI's page of a workflow. */
export function workflowUrl(ui: string, namespace: string, workflowId: string): string {
  return `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
