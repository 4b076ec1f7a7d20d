import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { resolveCacheDir } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { groupDir, HIERARCHIES, listGroups } from '../../src/sandbox/backends/bwrap/cgroups.js';
import { socketPath } from '../../src/sandbox/backends/docker/daemon.js';
import { createSandbox } from '../../src/sandbox/createSandbox.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { SANDBOX_UID, type BackendName } from '../../src/sandbox/types.js';

export const config = loadConfig();
export const cacheDir = resolveCacheDir(config.cacheDir);

export function openSandbox(backend: BackendName): Promise<ProgramSandbox> {
  return createSandbox(config, backend);
}

interface Place {
  container?: string;
  runOwner?: number;
}

/** Where a live process sits, from its memory cgroup (or, for a shim, the container it runs). */
function placeOf(pid: string): Place {
  const memory = /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '';
  const runOwner = new RegExp(`^/${config.sandbox.bwrap.cgroupName}/(\\d+)-\\d+$`).exec(memory)?.[1];
  if (runOwner) return { runOwner: Number(runOwner) };
  const container = /\/([0-9a-f]{64})$/.exec(memory)?.[1] ?? /containerd-shim.*\0-id\0([0-9a-f]{64})\0/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
  return container ? { container } : {};
}

function parentOf(pid: string): string {
  return /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '0';
}

/**
 * Whether a sandbox-user process is this process's to answer for: in one of its run groups or in
 * a container `countContainer` accepts, below it, or an orphan (nobody's: a leak). A process that
 * is exiting, or a zombie, has left its cgroups: its ancestors say whose it is, and one below
 * another codeq process (other people's tests run sandboxes on this host too) is theirs.
 */
function isOurs(pid: string, countContainer: (id: string) => boolean): boolean {
  if (Number(parentOf(pid)) <= 1) return true;
  for (let current = pid, depth = 0; depth < 256; depth++) {
    if (Number(current) === process.pid) return true;
    if (Number(current) <= 1) return false;
    const place = placeOf(current);
    if (place.runOwner !== undefined) return place.runOwner === process.pid;
    if (place.container) return countContainer(place.container);
    current = parentOf(current);
  }
  return true;
}

/**
 * Pids of live processes whose real uid is the sandbox user and that are this process's to answer
 * for (see isOurs), except the given ones.
 */
export function sandboxUserPids(except: number[] = [], countContainer: (id: string) => boolean = () => true): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || except.includes(Number(entry))) continue;
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(uid) === SANDBOX_UID && isOurs(entry, countContainer)) pids.push(Number(entry));
    } catch {
      // the process (or an ancestor) ended while we looked
    }
  }
  return pids;
}

/** Run cgroups this process created (`<hierarchy>/<pid>-<n>`), busy or idle. */
export function ownCgroups(): string[] {
  const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
  return HIERARCHIES.flatMap((h) =>
    listGroups(cgroupRoot, h, cgroupName)
      .filter((group) => group.owner === process.pid)
      .map((group) => `${h}/${group.name}`),
  );
}

const OWN_PREFIX = `${process.pid}-`;

/** Compile dirs in the making of this process (`<backend>/<xx>/.tmp-<pid>-*`); others' come and go meanwhile. */
function ownTempDirs(compiledDir: string): string[] {
  const list = (dir: string) => {
    try {
      return readdirSync(dir);
    } catch {
      return []; // gone while we looked
    }
  };
  return list(compiledDir).flatMap((backend) =>
    list(join(compiledDir, backend)).flatMap((prefix) =>
      list(join(compiledDir, backend, prefix))
        .filter((name) => name.startsWith(`.tmp-${OWN_PREFIX}`))
        .map((name) => `${backend}/${prefix}/${name}`),
    ),
  );
}

/** Everything a run of this process could leave behind on the host. */
export async function hostState(options: { except?: number[] } = {}) {
  const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
  const docker = new Docker({ socketPath: socketPath(config.sandbox.docker, cacheDir) });
  const list = await docker.listContainers({ all: true, filters: { label: ['codeq.sandbox'] } }).catch(() => null);
  const ours = (labels: Record<string, string>) => labels['codeq.owner']?.endsWith(`:${process.pid}`) === true;
  // Warm containers (and their dirs) wait for a program by design; a used one is removed.
  const isWarm = (labels: Record<string, string>) => labels['codeq.role'] === 'warm';
  const containers = list ? list.filter((c) => ours(c.Labels) && !isWarm(c.Labels)).map((c) => c.Id) : ['docker unreachable'];
  const warm = list ? list.filter((c) => ours(c.Labels) && isWarm(c.Labels)).map((c) => c.Id) : [];
  const runsDir = join(cacheDir, 'sandbox', 'runs');
  const runs = existsSync(runsDir) ? readdirSync(runsDir).filter((name) => name.startsWith(OWN_PREFIX)) : [];
  const compiledDir = join(cacheDir, 'sandbox', 'compiled');
  return {
    // In a container: counted when it is one of ours that ran a program (others may start any time).
    sandboxUserProcesses: sandboxUserPids(options.except, (id) => containers.includes(id)),
    // Pooled groups stay between runs; a group with a process in it after a run is a leak.
    busyCgroups: ownCgroups().filter((group) => {
      const [hierarchy, name] = group.split('/') as [(typeof HIERARCHIES)[number], string];
      return readFileSync(join(groupDir(cgroupRoot, hierarchy, cgroupName, name), 'cgroup.procs'), 'utf8').trim() !== '';
    }),
    runDirs: runs.filter((name) => !name.includes('-warm-')),
    warmWithinPool: warm.length <= config.sandbox.docker.warmPool && runs.filter((n) => n.includes('-warm-')).length <= config.sandbox.docker.warmPool,
    tempCompileDirs: ownTempDirs(compiledDir),
    containers,
  };
}

/** Containers and run dirs this process left, warm ones included (none once its sandboxes are disposed). */
export async function ownLeftovers(): Promise<{ containers: number; runDirs: string[] }> {
  const docker = new Docker({ socketPath: socketPath(config.sandbox.docker, cacheDir) });
  const list = await docker.listContainers({ all: true, filters: { label: ['codeq.sandbox'] } });
  const runsDir = join(cacheDir, 'sandbox', 'runs');
  return {
    containers: list.filter((c) => c.Labels['codeq.owner']?.endsWith(`:${process.pid}`)).length,
    runDirs: existsSync(runsDir) ? readdirSync(runsDir).filter((n) => n.startsWith(`${process.pid}-`)) : [],
  };
}

/** The most sandbox-user processes sharing one memory cgroup (one run's tree, on either backend). */
export function largestSandboxUserGroup(except: number[] = []): number {
  const counts = new Map<string, number>();
  for (const pid of sandboxUserPids(except)) {
    try {
      const group = /^\d+:memory:(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1] ?? '?';
      counts.set(group, (counts.get(group) ?? 0) + 1);
    } catch {
      // ended while we looked
    }
  }
  return Math.max(0, ...counts.values());
}
