import type Docker from 'dockerode';
import type { ResourceLimits } from '../../../config/schema.js';
import { SANDBOX_ENV, SANDBOX_PATHS, SANDBOX_UID } from '../../types.js';
import type { ContainerCgroups } from './containerCgroups.js';

export const LABEL_SANDBOX = 'codeq.sandbox';
export const LABEL_OWNER = 'codeq.owner';
export const LABEL_ROLE = 'codeq.role';

/**
 * A runner container: no network, read-only rootfs with an exec tmpfs at /tmp, no capabilities,
 * no-new-privileges, uid 65534, memory (swap equal), pids and CPU limits (in codeq's low-weight
 * cgroup parent where it can), files by bind mount, and no log driver (output is read through
 * attach, so a flood is never written to disk).
 */
export function containerOptions(options: {
  image: string;
  cmd: string[];
  binds: string[];
  limits: ResourceLimits;
  cgroups: ContainerCgroups;
  labels: Record<string, string>;
}): Docker.ContainerCreateOptions {
  const { limits } = options;
  const memory = limits.memoryMb * 1024 * 1024;
  const stackBytes = limits.stackMb * 1024 * 1024;
  return {
    Image: options.image,
    Cmd: options.cmd,
    User: `${SANDBOX_UID}:${SANDBOX_UID}`,
    WorkingDir: SANDBOX_PATHS.cwd,
    Env: Object.entries(SANDBOX_ENV).map(([name, value]) => `${name}=${value}`),
    Hostname: 'sandbox',
    NetworkDisabled: true,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    Labels: { [LABEL_SANDBOX]: '1', ...options.labels },
    HostConfig: {
      NetworkMode: 'none',
      Memory: memory,
      MemorySwap: memory,
      PidsLimit: limits.pids,
      ...options.cgroups.hostConfig(limits.cpus),
      ReadonlyRootfs: true,
      Tmpfs: { [SANDBOX_PATHS.cwd]: `rw,exec,nosuid,nodev,size=${limits.tmpMb}m` },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      IpcMode: 'private',
      Binds: options.binds,
      Ulimits: [
        { Name: 'stack', Soft: stackBytes, Hard: stackBytes },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}
