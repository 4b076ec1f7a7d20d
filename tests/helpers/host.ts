import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { resolveCacheDir } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { socketPath } from '../../src/sandbox/backends/docker/daemon.js';
import { createSandbox } from '../../src/sandbox/createSandbox.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { SANDBOX_UID, type BackendName } from '../../src/sandbox/types.js';

export const config = loadConfig();
export const cacheDir = resolveCacheDir(config.cacheDir);

export function openSandbox(backend: BackendName): Promise<ProgramSandbox> {
  return createSandbox(config, backend);
}

/** Pids of live processes whose real uid is the sandbox user, except those in the given containers. */
export function sandboxUserPids(except: number[] = [], exceptContainers: string[] = []): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || except.includes(Number(entry))) continue;
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(uid) !== SANDBOX_UID) continue;
      const container = /\/docker\/([0-9a-f]{64})/.exec(readFileSync(`/proc/${entry}/cgroup`, 'utf8'))?.[1];
      if (container && exceptContainers.includes(container)) continue;
      pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function children(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name) : [];
}

/** Cgroups this process created (named `<pid>-<n>`), busy or idle. */
export function ownCgroups(): string[] {
  const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
  return ['memory', 'pids', 'unified'].flatMap((h) =>
    children(join(cgroupRoot, h, cgroupName)).filter((c) => c.startsWith(`${process.pid}-`)),
  );
}

/** Everything a run could leave behind on the host. */
export async function hostState(options: { except?: number[] } = {}) {
  const { cgroupRoot, cgroupName } = config.sandbox.bwrap;
  const docker = new Docker({ socketPath: socketPath(config.sandbox.docker, cacheDir) });
  const list = await docker.listContainers({ all: true, filters: { label: ['codeq.sandbox'] } }).catch(() => null);
  // Warm containers (and their dirs) wait for a program by design; a used one is removed.
  const isWarm = (labels: Record<string, string>) => labels['codeq.role'] === 'warm';
  const containers = list ? list.filter((c) => !isWarm(c.Labels)).map((c) => c.Id) : ['docker unreachable'];
  const warm = list ? list.filter((c) => isWarm(c.Labels)).map((c) => c.Id) : [];
  const runs = existsSync(join(cacheDir, 'sandbox', 'runs')) ? readdirSync(join(cacheDir, 'sandbox', 'runs')) : [];
  return {
    sandboxUserProcesses: sandboxUserPids(options.except, warm),
    // Pooled groups stay between runs; a group with a process in it after a run is a leak.
    busyCgroups: ['memory', 'pids', 'unified'].flatMap((h) =>
      children(join(cgroupRoot, h, cgroupName))
        .map((c) => `${h}/${c}`)
        .filter((c) => readFileSync(join(cgroupRoot, c.split('/')[0]!, cgroupName, c.split('/')[1]!, 'cgroup.procs'), 'utf8').trim() !== ''),
    ),
    runDirs: runs.filter((name) => !name.includes('-warm-')),
    warmWithinPool: warm.length <= config.sandbox.docker.warmPool && runs.filter((n) => n.includes('-warm-')).length <= config.sandbox.docker.warmPool,
    tempCompileDirs: existsSync(join(cacheDir, 'sandbox', 'compiled'))
      ? (readdirSync(join(cacheDir, 'sandbox', 'compiled'), { recursive: true }) as string[]).filter((p) => p.includes('.tmp-'))
      : [],
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
