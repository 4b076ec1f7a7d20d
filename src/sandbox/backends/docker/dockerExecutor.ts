import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';
import type { SandboxConfig } from '../../../config/schema.js';
import { processAlive } from '../../../util/process.js';
import { signalFromStatus } from '../../../util/signals.js';
import { OutputCollector } from '../../outputCollector.js';
import {
  SANDBOX_ENV,
  SANDBOX_PATHS,
  SANDBOX_UID,
  SandboxError,
  type ExecSpec,
  type Executor,
  type RawExecution,
} from '../../types.js';
import { connectDocker } from './daemon.js';
import { imageExists, runnerImageTag } from './image.js';

const LABEL_SANDBOX = 'codeq.sandbox';
const LABEL_OWNER = 'codeq.owner';
const OWNER = `${hostname()}:${process.pid}`;

/**
 * Runs each process in a fresh container of the runner image: no network, read-only rootfs with
 * an exec tmpfs at /tmp, no capabilities, no-new-privileges, uid 65534, memory (swap equal) and
 * pids limits, job files by read-only bind mount, output read through attach (no log driver, so
 * a flood of output is never written to disk). Containers are always removed.
 */
export class DockerExecutor implements Executor {
  readonly backend = 'docker' as const;
  private readonly removals = new Set<Promise<void>>();

  private constructor(
    private readonly docker: Docker,
    private readonly image: string,
  ) {}

  static async create(config: SandboxConfig['docker'], cacheDir: string): Promise<DockerExecutor> {
    const docker = await connectDocker(config, cacheDir);
    const image = runnerImageTag(config);
    if (!(await imageExists(docker, image))) {
      throw new SandboxError(`the runner image ${image} does not exist. HINT: run codeq sandbox build-image`);
    }
    const executor = new DockerExecutor(docker, image);
    await executor.removeOrphans();
    return executor;
  }

  async exec(spec: ExecSpec): Promise<RawExecution> {
    const container = await this.createContainer(spec).catch((error: Error) => {
      throw new SandboxError(`cannot create a container: ${error.message}`, { cause: error });
    });
    try {
      return await this.runContainer(container, spec);
    } finally {
      this.removeLater(container);
    }
  }

  private createContainer(spec: ExecSpec): Promise<Docker.Container> {
    const { limits, mounts } = spec;
    const memory = limits.memoryMb * 1024 * 1024;
    const stackKb = limits.stackMb * 1024;
    const binds = [`${mounts.job}:${SANDBOX_PATHS.job}:ro`];
    if (mounts.prog) binds.push(`${mounts.prog}:${SANDBOX_PATHS.prog}:ro`);
    if (mounts.out) binds.push(`${mounts.out}:${SANDBOX_PATHS.out}:rw`);
    // The engine has no way to open a file as stdin, so a shell inside does it.
    const cmd = spec.stdinFile
      ? ['/bin/sh', '-c', `exec "$@" < ${SANDBOX_PATHS.job}/${spec.stdinFile}`, 'sh', ...spec.argv]
      : spec.argv;
    return this.docker.createContainer({
      Image: this.image,
      Cmd: cmd,
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
      Labels: { [LABEL_SANDBOX]: '1', [LABEL_OWNER]: OWNER },
      HostConfig: {
        NetworkMode: 'none',
        Memory: memory,
        MemorySwap: memory,
        PidsLimit: limits.pids,
        ReadonlyRootfs: true,
        Tmpfs: { [SANDBOX_PATHS.cwd]: `rw,exec,nosuid,nodev,size=${limits.tmpMb}m` },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        IpcMode: 'private',
        Binds: binds,
        Ulimits: [
          { Name: 'stack', Soft: stackKb * 1024, Hard: stackKb * 1024 },
          { Name: 'core', Soft: 0, Hard: 0 },
        ],
        LogConfig: { Type: 'none', Config: {} },
      },
    });
  }

  private async runContainer(container: Docker.Container, spec: ExecSpec): Promise<RawExecution> {
    const { limits } = spec;
    let timedOut = false;
    let killed = false;
    const kill = () => {
      killed = true;
      container.kill().catch(() => undefined);
    };
    const output = new OutputCollector(limits.outputKb * 1024, kill);
    const stream = await container.attach({ stream: true, stdout: true, stderr: true });
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    container.modem.demuxStream(stream, sink((chunk) => output.push('stdout', chunk)), sink((chunk) => output.push('stderr', chunk)));

    const started = performance.now();
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, limits.timeoutMs);
    const onAbort = () => kill();
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await container.start();
      const { StatusCode: status } = (await container.wait()) as { StatusCode: number };
      const durationMs = performance.now() - started;
      clearTimeout(timer);
      await Promise.race([streamEnded, new Promise((resolve) => setTimeout(resolve, 1000))]);
      // A 137 we did not cause is the kernel's OOM killer or the program killing itself: ask.
      const oomKilled = status === 137 && !killed ? Boolean((await container.inspect()).State.OOMKilled) : false;
      const signal = signalFromStatus(status);
      return {
        exitCode: signal === null ? status : null,
        signal,
        timedOut,
        oomKilled,
        outputTruncated: output.truncated,
        stdout: output.text('stdout'),
        stderr: output.text('stderr'),
        durationMs: Math.round(durationMs),
      };
    } catch (error) {
      throw new SandboxError(`the container failed: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      (stream as unknown as { destroy(): void }).destroy();
    }
  }

  /** Removal happens off the result's path; dispose() waits for all of them. */
  private removeLater(container: Docker.Container): void {
    const removal = container
      .remove({ force: true, v: true })
      .catch(() => undefined)
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /** Containers left by codeq processes on this host that died before removing them. */
  private async removeOrphans(): Promise<void> {
    const containers = await this.docker.listContainers({ all: true, filters: { label: [LABEL_SANDBOX] } });
    for (const info of containers) {
      const [host, pid] = (info.Labels[LABEL_OWNER] ?? '').split(':');
      if (host === hostname() && !processAlive(Number(pid))) {
        await this.docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined);
      }
    }
  }

  async dispose(): Promise<void> {
    while (this.removals.size > 0) await Promise.allSettled([...this.removals]);
  }
}

function sink(onChunk: (chunk: Buffer) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      onChunk(chunk);
      done();
    },
  });
}
