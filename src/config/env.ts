import { homedir } from 'node:os';
import { join } from 'node:path';

/** Every setting codeq reads from the environment, in one place. */
export const env = {
  /** Cache root override (images, compiled programs, tools). */
  get cacheDir(): string | undefined {
    return nonEmpty(process.env.CODEQ_CACHE_DIR);
  },
  /** A config file to use when --config is not given. */
  get configFile(): string | undefined {
    return nonEmpty(process.env.CODEQ_CONFIG);
  },
  /** Where the DebugBench shards are (default: ../shared/debugbench beside the repository). */
  get debugbench(): string | undefined {
    return nonEmpty(process.env.CODEQ_DEBUGBENCH);
  },
  /** debug | info | warn | error */
  get logLevel(): string | undefined {
    return nonEmpty(process.env.CODEQ_LOG_LEVEL);
  },
  /** The local stack's state dir override (history database, pid files, logs, artifacts). */
  get dataDir(): string | undefined {
    return nonEmpty(process.env.CODEQ_DATA_DIR);
  },
  /** Temporal frontend host:port (a real cluster instead of the local dev server). */
  get temporalAddress(): string | undefined {
    return nonEmpty(process.env.TEMPORAL_ADDRESS);
  },
  get temporalNamespace(): string | undefined {
    return nonEmpty(process.env.TEMPORAL_NAMESPACE);
  },
  /** Temporal Cloud API key: from the environment only, never from a config file. */
  get temporalApiKey(): string | undefined {
    return nonEmpty(process.env.TEMPORAL_API_KEY);
  },
  /** Force structured (JSON line) logs even on a TTY. */
  get jsonLogs(): boolean {
    return process.env.CODEQ_LOG_JSON === '1';
  },
};

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * The cache root: the config's value, else $CODEQ_CACHE_DIR, else /var/cache/codeq for root
 * (sandboxed uid 65534 must be able to traverse it, which rules out /root) or ~/.cache/codeq.
 */
export function resolveCacheDir(configured: string | null): string {
  if (configured) return configured;
  if (env.cacheDir) return env.cacheDir;
  if (isRoot()) return '/var/cache/codeq';
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'codeq');
}

/** The local stack's state dir: the config's value, else $CODEQ_DATA_DIR, else /var/lib/codeq for root or ~/.local/share/codeq. */
export function resolveDataDir(configured: string | null): string {
  if (configured) return configured;
  if (env.dataDir) return env.dataDir;
  if (isRoot()) return '/var/lib/codeq';
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'codeq');
}
