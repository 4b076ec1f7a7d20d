import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { log } from '../../../util/log.js';
import { processAlive } from '../../../util/process.js';
import { CFS_PERIOD_US, cfsQuotaUs, hasCpuController, weightForExit } from '../../cpuGroup.js';
import { SandboxError } from '../../types.js';

/**
 * Cgroups for runs on this kernel's hybrid layout: v1 `memory`, `pids` and `cpu` controllers
 * carry the limits; a v2 (`unified`) group carries `cgroup.kill`, which kills a whole tree at
 * once, daemons included. Groups are named `<owner pid>-<n>` (under `<parent>/`; the cpu group
 * at the top of its hierarchy as `<parent>-<owner pid>-<n>`, see cpuGroup.ts) so a crashed
 * owner's leftovers can be found and removed, and they are reused from run to run: the first
 * process to join a new cgroup pays ~10-15 ms in the kernel here, which would double the cost of
 * a short run.
 */
export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
  /** CFS quota, in CPUs. */
  cpus: number;
  /** cpu.shares of the whole tree. */
  shares: number;
}

export const HIERARCHIES = ['memory', 'pids', 'cpu', 'unified'] as const;
type Hierarchy = (typeof HIERARCHIES)[number];
/** The limit-carrying groups the sandbox's outer process joins; the kill group holds only the program. */
const LIMIT_HIERARCHIES = ['memory', 'pids', 'cpu'] as const;

/** Where a run group lives in a hierarchy. */
export function groupDir(root: string, hierarchy: Hierarchy, parent: string, name: string): string {
  return hierarchy === 'cpu' ? join(root, 'cpu', `${parent}-${name}`) : join(root, hierarchy, parent, name);
}

/** The names (`<owner pid>-<n>`) of the run groups in a hierarchy, with their owners. */
export function listGroups(root: string, hierarchy: Hierarchy, parent: string): { name: string; owner: number }[] {
  const dir = hierarchy === 'cpu' ? join(root, 'cpu') : join(root, hierarchy, parent);
  const pattern = hierarchy === 'cpu' ? new RegExp(`^${parent}-((\\d+)-\\d+)$`) : /^((\d+)-\d+)$/;
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const match = entry.isDirectory() ? pattern.exec(entry.name) : null;
    return match ? [{ name: match[1]!, owner: Number(match[2]) }] : [];
  });
}

const EMPTY_WAIT_MS = 5000;

export function checkCgroupSupport(root: string): void {
  for (const hierarchy of HIERARCHIES) {
    if (!existsSync(join(root, hierarchy, 'cgroup.procs'))) {
      throw new SandboxError(
        `cgroup hierarchy ${join(root, hierarchy)} is missing. HINT: the bwrap backend needs cgroup v1 ` +
          `memory, pids and cpu controllers and a v2 hierarchy at ${root}/unified; use --backend docker otherwise`,
      );
    }
  }
  if (!existsSync(join(root, 'memory', 'memory.oom_control'))) {
    throw new SandboxError(`${root}/memory is not a cgroup v1 memory controller (no memory.oom_control)`);
  }
  if (!hasCpuController(root)) {
    throw new SandboxError(`${root}/cpu is not a cgroup v1 cpu controller with CFS bandwidth control (no cpu.cfs_quota_us)`);
  }
}

/**
 * Moving a process into a cgroup takes a global lock that, by default, waits for an RCU grace
 * period: ~10 ms per run on these VMs, as much as a whole Python run. The `favordynmods` mount
 * option (Linux ≥ 6.0) makes migrations cheap at a small cost to fork and exit; it is a property
 * of the running kernel's cgroup mount, set once and kept until reboot. Returns what it did.
 */
export function ensureCheapMigrations(root: string): 'already' | 'enabled' | 'unavailable' {
  const mountPoint = join(root, 'unified');
  const line = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === mountPoint);
  if (!line) return 'unavailable';
  if (/\bfavordynmods\b/.test(line)) return 'already';
  const remount = spawnSync('mount', ['-o', 'remount,favordynmods', mountPoint], { encoding: 'utf8' });
  if (remount.status !== 0) {
    log.warn('cannot enable favordynmods on the cgroup2 mount; each run pays an RCU grace period', {
      mountPoint,
      error: remount.stderr.trim(),
    });
    return 'unavailable';
  }
  log.info('enabled favordynmods on the cgroup2 mount (cheap cgroup migrations, until reboot)', { mountPoint });
  return 'enabled';
}

let counter = 0;

async function readCounter(file: string, pattern: RegExp): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** One set of groups (memory, pids, cpu, unified) that runs one process tree at a time. */
export class RunCgroup {
  private removed = false;
  /** A new group has no limit. */
  private memoryLimit = Number.POSITIVE_INFINITY;
  private oomBaseline = 0;
  private pidsBaseline = 0;

  private constructor(private readonly dirs: Record<Hierarchy, string>) {}

  static async create(root: string, parent: string): Promise<RunCgroup> {
    const name = `${process.pid}-${++counter}`;
    const dirs = Object.fromEntries(HIERARCHIES.map((h) => [h, groupDir(root, h, parent, name)])) as Record<Hierarchy, string>;
    try {
      await Promise.all(HIERARCHIES.map((h) => mkdir(dirs[h], { recursive: true })));
    } catch (error) {
      await new RunCgroup(dirs).remove().catch(() => undefined);
      throw new SandboxError(`cannot create cgroups for runs: ${(error as Error).message}. HINT: run as root`, {
        cause: error,
      });
    }
    return new RunCgroup(dirs);
  }

  /** Sets the limits of the next run and notes the counters it will be judged against. */
  async prepare(limits: CgroupLimits): Promise<void> {
    const memory = join(this.dirs.memory, 'memory.limit_in_bytes');
    // With swap accounting the limit covers RAM + swap, so the program cannot page its way past it.
    // memsw must stay >= the plain limit, so the order of the two writes depends on the direction.
    const memsw = join(this.dirs.memory, 'memory.memsw.limit_in_bytes');
    const hasMemsw = existsSync(memsw);
    if (limits.memoryBytes !== this.memoryLimit) {
      const value = String(limits.memoryBytes);
      const lowering = limits.memoryBytes < this.memoryLimit;
      if (!lowering && hasMemsw) await writeFile(memsw, value);
      await writeFile(memory, value);
      if (lowering && hasMemsw) await writeFile(memsw, value);
      this.memoryLimit = limits.memoryBytes;
    }
    await writeFile(join(this.dirs.pids, 'pids.max'), String(limits.pids));
    // Rewritten every run: a kill gave the group a normal weight and no quota (weightForExit).
    await writeFile(join(this.dirs.cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
    await writeFile(join(this.dirs.cpu, 'cpu.cfs_quota_us'), String(cfsQuotaUs(limits.cpus)));
    await writeFile(join(this.dirs.cpu, 'cpu.shares'), String(limits.shares));
    this.oomBaseline = await readCounter(join(this.dirs.memory, 'memory.oom_control'), /^oom_kill (\d+)/m);
    this.pidsBaseline = await readCounter(join(this.dirs.pids, 'pids.events'), /^max (\d+)/m);
  }

  /** The files a process writes its own pid into to join the limit-carrying groups. */
  get limitProcsFiles(): string[] {
    return LIMIT_HIERARCHIES.map((h) => join(this.dirs[h], 'cgroup.procs'));
  }

  /**
   * Moves a process (the program, before it starts) into the kill group. Only the program's tree
   * goes there, not the sandbox's outer process: `kill` can then take the whole tree at once and
   * the outer process still reaps the program, so nothing is orphaned to the host's init.
   */
  async adopt(pid: number): Promise<void> {
    await writeFile(join(this.dirs.unified, 'cgroup.procs'), String(pid));
  }

  /** Kills every process in the kill group at once, however it was forked or detached, and lets them exit at full weight. */
  async kill(): Promise<void> {
    if (this.removed) return;
    await Promise.all([writeFile(join(this.dirs.unified, 'cgroup.kill'), '1').catch(() => undefined), weightForExit(this.dirs.cpu)]);
  }

  /** OOM kills in this group since `prepare`. */
  async oomKills(): Promise<number> {
    return (await readCounter(join(this.dirs.memory, 'memory.oom_control'), /^oom_kill (\d+)/m)) - this.oomBaseline;
  }

  /** Fork attempts refused by the pids limit since `prepare`. */
  async pidsLimitHits(): Promise<number> {
    return (await readCounter(join(this.dirs.pids, 'pids.events'), /^max (\d+)/m)) - this.pidsBaseline;
  }

  private async populated(): Promise<boolean> {
    const text = await readFile(join(this.dirs.unified, 'cgroup.events'), 'utf8').catch(() => 'populated 0');
    return /^populated 1/m.test(text);
  }

  /** Kills whatever is left and waits until the group is empty; false when it would not empty. */
  async drain(): Promise<boolean> {
    if (!(await this.populated())) return true;
    await this.kill();
    const deadline = Date.now() + EMPTY_WAIT_MS;
    while (await this.populated()) {
      if (Date.now() > deadline) return false;
      await sleep(2);
    }
    return true;
  }

  /** Kills what is left, waits for the groups to empty, and removes them. Idempotent. */
  async remove(): Promise<void> {
    if (this.removed) return;
    await this.drain();
    const deadline = Date.now() + EMPTY_WAIT_MS;
    for (const hierarchy of HIERARCHIES) await removeDirWhenEmpty(this.dirs[hierarchy], deadline);
    this.removed = true;
  }
}

/** Reusable groups, at most one run in each at a time. */
export class CgroupPool {
  private readonly idle: RunCgroup[] = [];
  private readonly all = new Set<RunCgroup>();

  constructor(
    private readonly root: string,
    private readonly parent: string,
  ) {}

  async acquire(limits: CgroupLimits): Promise<RunCgroup> {
    const group = this.idle.pop() ?? (await RunCgroup.create(this.root, this.parent));
    this.all.add(group);
    try {
      await group.prepare(limits);
    } catch (error) {
      await this.discard(group);
      throw new SandboxError(`cannot set cgroup limits: ${(error as Error).message}`, { cause: error });
    }
    return group;
  }

  /** Back to the pool once empty; a group that will not empty is removed instead. */
  async release(group: RunCgroup): Promise<void> {
    if (await group.drain()) this.idle.push(group);
    else await this.discard(group);
  }

  private async discard(group: RunCgroup): Promise<void> {
    this.all.delete(group);
    await group.remove();
  }

  async dispose(): Promise<void> {
    this.idle.length = 0;
    const groups = [...this.all];
    this.all.clear();
    for (const group of groups) await group.remove();
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
    for (const group of listGroups(root, hierarchy, parent)) if (!processAlive(group.owner)) stale.add(group.name);
  }
  const deadline = Date.now() + EMPTY_WAIT_MS;
  for (const name of stale) {
    await writeFile(join(groupDir(root, 'unified', parent, name), 'cgroup.kill'), '1').catch(() => undefined);
    // The kill group holds the program's tree only; a run whose supervisor was SIGKILLed can leave
    // its outer processes in the limit groups: kill whatever each hierarchy still lists.
    for (const hierarchy of HIERARCHIES) {
      const procs = await readFile(join(groupDir(root, hierarchy, parent, name), 'cgroup.procs'), 'utf8').catch(() => '');
      for (const pid of procs.split('\n').filter(Boolean).map(Number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
    for (const hierarchy of HIERARCHIES) {
      try {
        await removeDirWhenEmpty(groupDir(root, hierarchy, parent, name), deadline);
      } catch (error) {
        // A group that will not empty is a leak to report, not a reason to refuse to start.
        log.warn('a stale run cgroup would not go away', { group: groupDir(root, hierarchy, parent, name), error: (error as Error).message });
      }
    }
  }
  return stale.size;
}
