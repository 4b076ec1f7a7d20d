import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { processAlive } from '../util/process.js';
import { RunRequestError, SANDBOX_UID, SandboxError } from './types.js';

/**
 * Host-side directories for runs: each run gets a fresh job dir (read-only inside the sandbox)
 * named `<owner pid>-<random>`, removed afterwards; dirs of owners that died are swept at start.
 */
export class Workspace {
  readonly runsDir: string;
  readonly compiledDir: string;

  constructor(readonly root: string) {
    this.runsDir = join(root, 'runs');
    this.compiledDir = join(root, 'compiled');
    for (const dir of [root, this.runsDir, this.compiledDir]) mkdirSync(dir, { recursive: true, mode: 0o755 });
    assertReachableBySandbox(root);
    this.sweepStaleRuns();
  }

  /** A new job dir holding `files` (name → contents), readable by the sandbox user. */
  async createJobDir(files: Record<string, string>): Promise<string> {
    for (const name of Object.keys(files)) checkFileName(name);
    const dir = join(this.runsDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    try {
      await Promise.all(Object.entries(files).map(([name, contents]) => writeFile(join(dir, name), contents, { mode: 0o644 })));
    } catch (error) {
      this.remove(dir);
      throw new SandboxError(`cannot write the job files: ${(error as Error).message}`, { cause: error });
    }
    return dir;
  }

  /** A new empty dir (with `subdirs`) the sandbox user may write into: a compiler's output. */
  createWritableDir(parent: string, subdirs: string[] = []): string {
    mkdirSync(parent, { recursive: true, mode: 0o755 });
    const dir = join(parent, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    // chmod, not chown: it works for a non-root docker user too, and the dir lives only until the rename.
    for (const sub of ['.', ...subdirs]) {
      mkdirSync(join(dir, sub), { recursive: true });
      chmodSync(join(dir, sub), 0o777);
    }
    return dir;
  }

  remove(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
  }

  private sweepStaleRuns(): void {
    for (const name of readdirSync(this.runsDir)) {
      const owner = Number(/^(\d+)-/.exec(name)?.[1]);
      if (owner && !processAlive(owner)) rmSync(join(this.runsDir, name), { recursive: true, force: true });
    }
  }
}

/** File names a request may use: plain names, no paths. */
export function checkFileName(name: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new RunRequestError(`invalid input file name ${JSON.stringify(name)}: use letters, digits, '_', '.', '-' only`);
  }
  return name;
}

/** uid 65534 must be able to traverse every ancestor of the workspace (so /root/... will not do). */
function assertReachableBySandbox(root: string): void {
  for (let dir = resolve(root); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new SandboxError(
        `the sandbox user (uid ${SANDBOX_UID}) cannot enter ${dir}, an ancestor of the cache dir ${root}. ` +
          `HINT: chmod o+x ${dir}, or set CODEQ_CACHE_DIR (or cacheDir in the config) to a directory under /var/cache or /tmp`,
      );
    }
    if (dir === dirname(dir)) return;
  }
}
