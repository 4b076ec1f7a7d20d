import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive } from '../../../util/process.js';
import { SandboxError } from '../../types.js';

/**
 * One run's cgroups on this kernel's hybrid layout: v1 `memory` and `pids` controllers carry the
 * limits; a v2 (`unified`) group carries `cgroup.kill`, which kills a whole tree at once,
 * daemons included. Every run gets fresh groups named `<owner pid>-<n>` so a crashed owner's
 * leftovers can be found and removed.
 */
export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

const HIERARCHIES = ['memory', 'pids', 'unified'] as const;
type Hierarchy = (typeof HIERARCHIES)[number];

const EMPTY_WAIT_MS = 5000;

export function checkCgroupSupport(root: string): void {
  for (const hierarchy of HIERARCHIES) {
    if (!existsSync(join(root, hierarchy, 'cgroup.procs'))) {
      throw new SandboxError(
        `cgroup hierarchy ${join(root, hierarchy)} is missing. HINT: the bwrap backend needs cgroup v1 ` +
          `memory and pids controllers and a v2 hierarchy at ${root}/unified; use --backend docker otherwise`,
      );
    }
  }
  if (!existsSync(join(root, 'memory', 'memory.oom_control'))) {
    throw new SandboxError(`${root}/memory is not a cgroup v1 memory controller (no memory.oom_control)`);
  }
}

let counter = 0;

export class RunCgroup {
  private removed = false;

  private constructor(
    private readonly dirs: Record<Hierarchy, string>,
  ) {}

  static async create(root: string, parent: string, limits: CgroupLimits): Promise<RunCgroup> {
    const name = `${process.pid}-${++counter}`;
    const dirs = Object.fromEntries(HIERARCHIES.map((h) => [h, join(root, h, parent, name)])) as Record<
      Hierarchy,
      string
    >;
    const group = new RunCgroup(dirs);
    try {
      await Promise.all(HIERARCHIES.map((h) => mkdir(dirs[h], { recursive: true })));
      await writeFile(join(dirs.memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // With swap accounting the limit covers RAM + swap, so the program cannot page its way past it.
      const memsw = join(dirs.memory, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) await writeFile(memsw, String(limits.memoryBytes));
      await writeFile(join(dirs.pids, 'pids.max'), String(limits.pids));
    } catch (error) {
      await group.remove().catch(() => undefined);
      throw new SandboxError(`cannot create cgroups for a run: ${(error as Error).message}. HINT: run as root`, {
        cause: error,
      });
    }
    return group;
  }

  /** The files a process writes its own pid into to join all three groups. */
  get procsFiles(): string[] {
    return HIERARCHIES.map((h) => join(this.dirs[h], 'cgroup.procs'));
  }

  /** Kills every process in the group, however it was forked or detached. */
  async kill(): Promise<void> {
    if (this.removed) return;
    await writeFile(join(this.dirs.unified, 'cgroup.kill'), '1').catch(() => undefined);
  }

  /** Did the kernel's OOM killer act in this group? */
  async oomKills(): Promise<number> {
    const text = await readFile(join(this.dirs.memory, 'memory.oom_control'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0);
  }

  /** Fork attempts refused because the pids limit was reached. */
  async pidsLimitHits(): Promise<number> {
    const text = await readFile(join(this.dirs.pids, 'pids.events'), 'utf8').catch(() => '');
    return Number(/^max (\d+)/m.exec(text)?.[1] ?? 0);
  }

  private async populated(): Promise<boolean> {
    const text = await readFile(join(this.dirs.unified, 'cgroup.events'), 'utf8').catch(() => 'populated 0');
    return /^populated 1/m.test(text);
  }

  /** Kills what is left, waits for the groups to empty, and removes them. Idempotent. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await this.kill();
    const deadline = Date.now() + EMPTY_WAIT_MS;
    while ((await this.populated()) && Date.now() < deadline) await sleep(2);
    for (const hierarchy of HIERARCHIES) await removeDirWhenEmpty(this.dirs[hierarchy], deadline);
    this.removed = true;
  }
}

async function removeDirWhenEmpty(dir: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() > deadline) {
        throw new SandboxError(`cannot remove cgroup ${dir}: ${(error as Error).message}`, { cause: error });
      }
      await sleep(2);
    }
  }
}

/** Kills and removes run groups whose owning process died without cleaning up. */
export async function sweepStaleCgroups(root: string, parent: string): Promise<number> {
  const stale = new Set<string>();
  for (const hierarchy of HIERARCHIES) {
    const dir = join(root, hierarchy, parent);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const owner = /^(\d+)-\d+$/.exec(entry.name);
      if (entry.isDirectory() && owner && !processAlive(Number(owner[1]))) stale.add(entry.name);
    }
  }
  const deadline = Date.now() + EMPTY_WAIT_MS;
  for (const name of stale) {
    await writeFile(join(root, 'unified', parent, name, 'cgroup.kill'), '1').catch(() => undefined);
    for (const hierarchy of HIERARCHIES) await removeDirWhenEmpty(join(root, hierarchy, parent, name), deadline);
  }
  return stale.size;
}
