import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Docker from 'dockerode';
import type { SandboxConfig } from '../../../config/schema.js';
import { log } from '../../../util/log.js';
import { hasCpuController, runCpus, weightForExit } from '../../cpuGroup.js';

type HostCpu = Pick<Docker.HostConfig, 'CgroupParent' | 'NanoCpus' | 'CpuShares'>;

/**
 * Where codeq's containers get their cgroups, and how they are killed. Under the engine's
 * `docker` parent a container's CpuShares only weigh it against other containers, and the
 * parent weighs as much as one host process. With the engine on cgroupfs and cgroup v1 (codeq's
 * own dockerd here), containers go to the top of each hierarchy instead, as bwrap's cpu groups
 * do (cpuGroup.ts), so their CpuShares count against the host's processes. A kill is then also
 * written to the container's v2 `cgroup.kill` and its weight raised: the engine signals only
 * the container's pid 1, and the rest of a fork bomb would die when pid 1 got its turn.
 */
export class ContainerCgroups {
  private constructor(
    private readonly shares: number,
    /** Null where the engine keeps its own layout. */
    private readonly root: string | null,
  ) {}

  static async create(docker: Docker, sandbox: Pick<SandboxConfig, 'bwrap' | 'cpuShares'>): Promise<ContainerCgroups> {
    const { cgroupRoot } = sandbox.bwrap;
    const info = (await docker.info()) as { CgroupDriver?: string; CgroupVersion?: string };
    if (info.CgroupDriver === 'cgroupfs' && info.CgroupVersion === '1' && hasCpuController(cgroupRoot)) {
      return new ContainerCgroups(sandbox.cpuShares, cgroupRoot);
    }
    log.warn("containers keep the engine's cgroup layout: all of them together weigh like one host process", {
      cgroupDriver: info.CgroupDriver,
      cgroupVersion: info.CgroupVersion,
    });
    return new ContainerCgroups(sandbox.cpuShares, null);
  }

  /** The CPU part of a container's HostConfig for a run limited to `cpus`. */
  hostConfig(cpus: number): HostCpu {
    return {
      ...(this.root ? { CgroupParent: '/' } : {}),
      CpuShares: this.shares,
      NanoCpus: Math.round(runCpus(cpus) * 1e9),
    };
  }

  /** Kills every process of the container at once and lets them exit at full weight. */
  async kill(containerId: string): Promise<void> {
    if (!this.root) return;
    await Promise.all([
      writeFile(join(this.root, 'unified', containerId, 'cgroup.kill'), '1').catch(() => undefined),
      weightForExit(join(this.root, 'cpu', containerId)),
    ]);
  }
}
