import { resolve } from 'node:path';
import { CONFIGS_DIR } from './load.js';
import { env } from './env.js';

/** The DebugBench directory: an explicit one, else $CODEQ_DEBUGBENCH, else ../shared/debugbench beside the repository. */
export function debugbenchDir(explicit: string | null | undefined): string {
  return resolve(explicit ?? env.debugbench ?? resolve(CONFIGS_DIR, '..', '..', 'shared', 'debugbench'));
}
