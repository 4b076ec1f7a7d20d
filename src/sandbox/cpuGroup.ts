import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/**
 * CPU for runs, through cgroup v1 `cpu` groups that sit at the top of the cpu hierarchy, one
 * per run. In CFS a group competes as one entity weighing its cpu.shares against each normal
 * process's 1024: however many processes a program forks, all of them together weigh what the
 * run was given (sandbox.cpuShares), so the supervising process (its timers, its kills, a
 * worker's heartbeats) gets the CPU first whenever it wants it. A parent group for all runs
 * would cap them too, but its weight would also cap what a dying run can be given (see
 * `weightForExit`), so there is none.
 */

/** The CFS period of every codeq cpu group (the kernel's default): quotas are CPUs × this. */
export const CFS_PERIOD_US = 100_000;

/** What a killed run weighs while its processes exit: as much as a normal process. */
export const EXIT_SHARES = 1024;

/** A CPU limit as CFS quota per period; the kernel refuses quotas under 1 ms. */
export function cfsQuotaUs(cpus: number): number {
  return Math.max(1000, Math.round(cpus * CFS_PERIOD_US));
}

/** The CPUs a run gets: its limit, within the machine's (Docker refuses more than it has). */
export function runCpus(cpus: number): number {
  return Math.min(cpus, availableParallelism());
}

/** Whether the host has a cgroup v1 `cpu` controller with CFS bandwidth control at `root`/cpu. */
export function hasCpuController(root: string): boolean {
  return existsSync(join(root, 'cpu', 'cpu.shares')) && existsSync(join(root, 'cpu', 'cpu.cfs_quota_us'));
}

/**
 * Gives a killed run's group a normal process's weight and no quota. Every killed process must
 * still be scheduled once to exit; at a low weight beside busy host processes, 64 of them took
 * 0.2-0.4 s to go instead of ~40 ms, and the verdict waited for them.
 */
export async function weightForExit(cpuGroupDir: string): Promise<void> {
  await Promise.all([
    writeFile(join(cpuGroupDir, 'cpu.shares'), String(EXIT_SHARES)),
    writeFile(join(cpuGroupDir, 'cpu.cfs_quota_us'), '-1'),
  ]).catch(() => undefined);
}
