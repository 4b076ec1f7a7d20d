import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import type { ResourceLimits } from '../../../config/schema.js';
import { log } from '../../../util/log.js';
import { shellCommand } from '../../../util/shellQuote.js';
import { SANDBOX_PATHS, SandboxError, type ExecSpec } from '../../types.js';
import { Attachment } from './attachment.js';
import type { ContainerCgroups } from './containerCgroups.js';
import { containerOptions, LABEL_OWNER, LABEL_ROLE } from './containerOptions.js';

const run = promisify(execFile);

/** Where a warm container waits: a FIFO it reads its command line from. */
const CONTROL = '/ctl';
const WAIT_FOR_COMMAND = ['/bin/sh', '-c', `read -r line < ${CONTROL}/go && eval "exec $line"`];
const GO_RETRY_MS = 2000;

export interface WarmContainer {
  container: Docker.Container;
  attachment: Attachment;
  /** Host dir bound at /job, /prog and /ctl; filled just before the program starts. */
  dir: string;
}

/** The limits fixed when a container is created (the time and output limits are ours to enforce). */
function sameLimits(a: ResourceLimits, b: ResourceLimits): boolean {
  return a.memoryMb === b.memoryMb && a.pids === b.pids && a.tmpMb === b.tmpMb && a.stackMb === b.stackMb && a.cpus === b.cpus;
}

/**
 * Containers created and started ahead of time, each waiting on a FIFO for the one program it
 * will run: the ~60 ms of container start-up moves off a run's critical path. Every container
 * still runs exactly one program and is removed afterwards; only runs with the pool's limits
 * (the configured defaults) use it.
 */
export class WarmPool {
  private readonly idle: WarmContainer[] = [];
  private readonly pending = new Set<Promise<void>>();
  private filling = 0;
  private closed = false;

  constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly limits: ResourceLimits,
    private readonly cgroups: ContainerCgroups,
    private readonly size: number,
    private readonly runsDir: string,
  ) {
    this.fill();
  }

  /** A started container waiting for a program with these limits, or null. */
  take(limits: ResourceLimits): WarmContainer | null {
    if (this.closed || !sameLimits(limits, this.limits)) return null;
    const warm = this.idle.shift() ?? null;
    this.fill();
    return warm;
  }

  private fill(): void {
    while (!this.closed && this.idle.length + this.filling < this.size) {
      this.filling++;
      const created = this.create()
        .then(async (warm) => {
          if (this.closed) await discardWarm(warm);
          else this.idle.push(warm);
        })
        .catch((error: Error) => log.warn('could not prepare a warm container', { error: error.message }))
        .finally(() => {
          this.filling--;
          this.pending.delete(created);
        });
      this.pending.add(created);
    }
  }

  private async create(): Promise<WarmContainer> {
    const dir = join(this.runsDir, `${process.pid}-warm-${randomBytes(6).toString('hex')}`);
    for (const sub of ['job', 'prog', 'ctl']) await mkdir(join(dir, sub), { recursive: true, mode: 0o755 });
    await run('mkfifo', ['-m', '0644', join(dir, 'ctl', 'go')]);
    const container = await this.docker.createContainer(
      containerOptions({
        image: this.image,
        cmd: WAIT_FOR_COMMAND,
        binds: [
          `${join(dir, 'job')}:${SANDBOX_PATHS.job}:ro`,
          `${join(dir, 'prog')}:${SANDBOX_PATHS.prog}:ro`,
          `${join(dir, 'ctl')}:${CONTROL}:ro`,
        ],
        limits: this.limits,
        cgroups: this.cgroups,
        labels: { [LABEL_OWNER]: `${hostname()}:${process.pid}`, [LABEL_ROLE]: 'warm' },
      }),
    );
    const attachment = await Attachment.open(container);
    await container.start();
    return { container, attachment, dir };
  }

  /** Resolves when no container is being prepared. */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async dispose(): Promise<void> {
    this.closed = true;
    await this.settle();
    await Promise.all(this.idle.splice(0).map(discardWarm));
  }
}

export async function discardWarm(warm: WarmContainer): Promise<void> {
  warm.attachment.close();
  await warm.container.remove({ force: true, v: true }).catch(() => undefined);
  await rm(warm.dir, { recursive: true, force: true });
}

/** A warm container could not be given its program: it never ran, so the run may go elsewhere. */
export class WarmStartError extends SandboxError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WarmStartError';
  }
}

/** Makes the run's files visible to the waiting container (hard links; copies across filesystems). */
export async function loadWarm(warm: WarmContainer, spec: ExecSpec): Promise<void> {
  try {
    await mirror(spec.mounts.job, join(warm.dir, 'job'));
    if (spec.mounts.prog) await mirror(spec.mounts.prog, join(warm.dir, 'prog'));
  } catch (error) {
    throw new WarmStartError(`cannot load files into a warm container: ${(error as Error).message}`, { cause: error });
  }
}

async function mirror(from: string, to: string): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      await mkdir(target, { mode: 0o755 });
      await mirror(source, target);
    } else if (entry.isFile()) {
      await link(source, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EXDEV') throw error;
        return copyFile(source, target);
      });
    }
  }
}

/** Hands the waiting shell its command line; the program starts when this returns. */
export async function startWarm(warm: WarmContainer, spec: ExecSpec): Promise<void> {
  if (spec.argv.some((word) => word.includes('\n'))) throw new SandboxError('a command word contains a newline');
  const redirect = spec.stdinFile ? ` < ${SANDBOX_PATHS.job}/${spec.stdinFile}` : ' < /dev/null';
  const line = `${shellCommand(spec.argv)}${redirect}\n`;
  const fifo = join(warm.dir, 'ctl', 'go');
  const deadline = Date.now() + GO_RETRY_MS;
  for (;;) {
    try {
      // Non-blocking, so a container that died instead of waiting cannot hang us (ENXIO: no reader yet).
      const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
      try {
        await handle.write(line);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO' || Date.now() > deadline) {
        throw new WarmStartError(`the warm container did not take its command: ${(error as Error).message}`, { cause: error });
      }
      await sleep(1);
    }
  }
}
