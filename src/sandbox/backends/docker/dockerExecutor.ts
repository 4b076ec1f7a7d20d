import { hostname } from 'node:os';
import type Docker from 'dockerode';
import type { ResourceLimits, SandboxConfig } from '../../../config/schema.js';
import { processAlive } from '../../../util/process.js';
import { signalFromStatus } from '../../../util/signals.js';
import { OutputCollector } from '../../outputCollector.js';
import { RunGuard } from '../../runGuard.js';
import { SANDBOX_PATHS, SandboxError, type ExecSpec, type Executor, type RawExecution } from '../../types.js';
import { Attachment } from './attachment.js';
import { ContainerCgroups } from './containerCgroups.js';
import { containerOptions, LABEL_OWNER, LABEL_SANDBOX } from './containerOptions.js';
import { connectDocker } from './daemon.js';
import { imageExists, runnerImageTag } from './image.js';
import { discardWarm, loadWarm, startWarm, WarmPool, WarmStartError } from './warmPool.js';
import { log } from '../../../util/log.js';

/** How a prepared container is made to run its program. */
type Begin = () => Promise<void>;

/**
 * Runs each process in a fresh container of the runner image (see containerOptions), either
 * created for the run or taken from a pool of containers started ahead of time. Containers are
 * always removed, off the result's path; settle() waits for that.
 */
export class DockerExecutor implements Executor {
  readonly backend = 'docker' as const;
  private readonly cleanups = new Set<Promise<void>>();
  private readonly owner = `${hostname()}:${process.pid}`;

  private constructor(
    private readonly docker: Docker,
    private readonly image: string,
    private readonly cgroups: ContainerCgroups,
    private readonly pool: WarmPool | null,
  ) {}

  static async create(
    sandbox: Pick<SandboxConfig, 'docker' | 'bwrap' | 'cpuShares'>,
    cacheDir: string,
    warm?: { limits: ResourceLimits; runsDir: string },
  ): Promise<DockerExecutor> {
    const config = sandbox.docker;
    const docker = await connectDocker(config, cacheDir);
    const image = runnerImageTag(config);
    if (!(await imageExists(docker, image))) {
      throw new SandboxError(`the runner image ${image} does not exist. HINT: run codeq sandbox build-image`);
    }
    await removeOrphans(docker);
    const cgroups = await ContainerCgroups.create(docker, sandbox);
    const pool = warm && config.warmPool > 0 ? new WarmPool(docker, image, warm.limits, cgroups, config.warmPool, warm.runsDir) : null;
    return new DockerExecutor(docker, image, cgroups, pool);
  }

  async exec(spec: ExecSpec): Promise<RawExecution> {
    const warm = spec.mounts.out ? null : this.pool?.take(spec.limits);
    if (warm) {
      try {
        await loadWarm(warm, spec);
        return await this.observe(warm.container, warm.attachment, spec, () => startWarm(warm, spec));
      } catch (error) {
        // A warm container that died (daemon restart, removed by hand) never started the
        // program: run it in a fresh one instead. Anything else is a real failure.
        if (!(error instanceof WarmStartError)) throw error;
        log.warn('a warm container was not usable; using a fresh one', { error: error.message });
      } finally {
        this.later(discardWarm(warm));
      }
    }
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer(
        containerOptions({
          image: this.image,
          cmd: this.command(spec),
          binds: this.binds(spec),
          limits: spec.limits,
          cgroups: this.cgroups,
          labels: { [LABEL_OWNER]: this.owner },
        }),
      );
    } catch (error) {
      throw new SandboxError(`cannot create a container: ${(error as Error).message}`, { cause: error });
    }
    let attachment: Attachment;
    try {
      attachment = await Attachment.open(container);
    } catch (error) {
      this.later(container.remove({ force: true, v: true }).then(() => undefined, () => undefined));
      throw new SandboxError(`cannot attach to a container: ${(error as Error).message}`, { cause: error });
    }
    try {
      return await this.observe(container, attachment, spec, () => container.start());
    } finally {
      attachment.close();
      this.later(container.remove({ force: true, v: true }).then(() => undefined, () => undefined));
    }
  }

  private command(spec: ExecSpec): string[] {
    // The engine cannot open a file as stdin, so a shell inside does it.
    return spec.stdinFile
      ? ['/bin/sh', '-c', `exec "$@" < ${SANDBOX_PATHS.job}/${spec.stdinFile}`, 'sh', ...spec.argv]
      : spec.argv;
  }

  private binds(spec: ExecSpec): string[] {
    const { mounts } = spec;
    const binds = [`${mounts.job}:${SANDBOX_PATHS.job}:ro`];
    if (mounts.prog) binds.push(`${mounts.prog}:${SANDBOX_PATHS.prog}:ro`);
    if (mounts.include) binds.push(`${mounts.include}:${SANDBOX_PATHS.include}:ro`);
    if (mounts.out) binds.push(`${mounts.out}:${SANDBOX_PATHS.out}:rw`);
    return binds;
  }

  /** Starts the program, enforces the time and output limits, and reports how it ended. */
  private async observe(container: Docker.Container, attachment: Attachment, spec: ExecSpec, begin: Begin): Promise<RawExecution> {
    const { limits } = spec;
    let killed = false;
    const kill = () => {
      killed = true;
      // The whole tree at once, in the kernel; the engine's kill (pid 1 only) keeps its state right.
      void this.cgroups.kill(container.id);
      container.kill().catch(() => undefined);
    };
    const output = new OutputCollector(limits.outputKb * 1024, kill);
    attachment.sink = (stream, chunk) => output.push(stream, chunk);
    const started = performance.now();
    const guard = new RunGuard(limits.timeoutMs, spec.signal, kill);
    try {
      await begin();
      const { StatusCode: status } = (await container.wait()) as { StatusCode: number };
      const durationMs = performance.now() - started;
      guard.stop();
      await Promise.race([attachment.ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
      // A failure we did not cause may be the OOM killer, also when it took a child (cc1plus under g++): ask.
      const oomKilled = status !== 0 && !killed ? Boolean((await container.inspect()).State.OOMKilled) : false;
      const signal = signalFromStatus(status);
      return {
        exitCode: signal === null ? status : null,
        signal,
        timedOut: guard.timedOut,
        oomKilled,
        outputTruncated: output.truncated,
        stdout: output.text('stdout'),
        stderr: output.text('stderr'),
        durationMs: Math.round(durationMs),
      };
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw new SandboxError(`the container failed: ${(error as Error).message}`, { cause: error });
    } finally {
      guard.stop();
      attachment.sink = null;
    }
  }

  /** Cleanup off the result's path; settle() and dispose() wait for all of it. */
  private later(cleanup: Promise<void>): void {
    const tracked = cleanup.catch(() => undefined).finally(() => this.cleanups.delete(tracked));
    this.cleanups.add(tracked);
  }

  async settle(): Promise<void> {
    await this.pool?.settle();
    while (this.cleanups.size > 0) await Promise.allSettled([...this.cleanups]);
  }

  async dispose(): Promise<void> {
    await this.pool?.dispose();
    await this.settle();
  }
}

/** Containers left by codeq processes on this host that died before removing them (their dirs go with the workspace sweep). */
async function removeOrphans(docker: Docker): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL_SANDBOX] } });
  for (const info of containers) {
    const [host, pid] = (info.Labels[LABEL_OWNER] ?? '').split(':');
    if (host === hostname() && !processAlive(Number(pid))) {
      await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}
