import { join } from 'node:path';
import type { CodeqConfig } from '../config/schema.js';
import { resolveCacheDir } from '../config/env.js';
import { BwrapExecutor } from './backends/bwrap/bwrapExecutor.js';
import { DockerExecutor } from './backends/docker/dockerExecutor.js';
import { ProgramSandbox } from './programSandbox.js';
import type { BackendName, Executor } from './types.js';
import { Workspace } from './workspace.js';

/** A ready sandbox on the configured (or given) backend; throws SandboxError when the host cannot run it. */
export async function createSandbox(config: CodeqConfig, backend: BackendName = config.sandbox.backend): Promise<ProgramSandbox> {
  const cacheDir = resolveCacheDir(config.cacheDir);
  const workspace = new Workspace(join(cacheDir, 'sandbox'));
  const executor: Executor =
    backend === 'docker'
      ? await DockerExecutor.create(config.sandbox, cacheDir, {
          limits: config.sandbox.limits,
          runsDir: workspace.runsDir,
        })
      : await BwrapExecutor.create(config.sandbox);
  return new ProgramSandbox(executor, config.sandbox, workspace);
}
