import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { resolveCacheDir } from '../config/env.js';
import { TemporalSetupError } from './connection.js';

/** The Temporal CLI version scripts/setup.sh installs (the newest go install builds). */
export const TEMPORAL_CLI_VERSION = '1.5.1';

/** The `temporal` CLI: on PATH, else the one setup built into the cache. Never downloaded here. */
export function temporalBinary(cacheDir: string | null): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'temporal');
    if (dir && existsSync(candidate)) return candidate;
  }
  const cached = join(resolveCacheDir(cacheDir), 'tools', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
  if (existsSync(cached)) return cached;
  throw new TemporalSetupError(`the Temporal CLI is not installed (not on PATH, not at ${cached}). HINT: npm run setup builds it (go install, once)`);
}
