import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';

/**
 * Compiled programs by content hash. An entry is a directory holding `meta.json` and, for a
 * successful compile, the artifacts; it appears atomically (built under a temporary name, then
 * renamed), so a crash never leaves half an entry. Deterministic compiler rejections are cached
 * too (MCTS proposes the same broken program again); timeouts and sandbox failures are not.
 */
export interface CompileOutcome {
  ok: boolean;
  /** The compiler's diagnostics when !ok. */
  message: string;
  durationMs: number;
  /** The compiler was stopped by a limit (never cached). */
  killedBy?: 'timeout' | 'memory';
}

export interface CompiledProgram extends CompileOutcome {
  /** Directory of the artifacts (mounted read-only at /prog). */
  dir: string;
  cached: boolean;
}

const META = 'meta.json';

export function compileKey(parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}`);
  return hash.digest('hex');
}

export class CompileCache {
  private readonly inFlight = new Map<string, Promise<CompiledProgram>>();

  constructor(private readonly root: string) {}

  /**
   * The cached entry for `key`, or the result of `build`, which compiles into a temporary dir
   * (from `tempParent`) and says whether the outcome may be cached. Concurrent calls for one key
   * share one build.
   */
  async getOrBuild(
    key: string,
    build: () => Promise<{ outcome: CompileOutcome; tempDir: string; cacheable: boolean }>,
  ): Promise<CompiledProgram> {
    const existing = this.read(key);
    if (existing) return existing;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.buildEntry(key, build).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private entryDir(key: string): string {
    return join(this.root, key.slice(0, 2), key);
  }

  private read(key: string): CompiledProgram | null {
    const dir = this.entryDir(key);
    const metaFile = join(dir, META);
    if (!existsSync(metaFile)) return null;
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as CompileOutcome;
      return { ...meta, dir, cached: true };
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
  }

  private async buildEntry(
    key: string,
    build: () => Promise<{ outcome: CompileOutcome; tempDir: string; cacheable: boolean }>,
  ): Promise<CompiledProgram> {
    const { outcome, tempDir, cacheable } = await build();
    if (!cacheable) {
      rmSync(tempDir, { recursive: true, force: true });
      return { ...outcome, dir: '', cached: false };
    }
    writeFileAtomicSync(join(tempDir, META), JSON.stringify(outcome));
    chmodSync(tempDir, 0o755);
    const dir = this.entryDir(key);
    try {
      renameSync(tempDir, dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      rmSync(tempDir, { recursive: true, force: true });
      // Another process finished the same compile first: use its entry.
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && this.read(key)) return { ...outcome, dir, cached: false };
      throw error;
    }
    return { ...outcome, dir, cached: false };
  }

  /** The parent dir temporary entries are created in (same filesystem as the entries, for rename). */
  tempParent(key: string): string {
    return join(this.root, key.slice(0, 2));
  }

}
