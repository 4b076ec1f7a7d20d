import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxConfig } from '../../../config/schema.js';
import { signalFromStatus } from '../../../util/signals.js';
import { log } from '../../../util/log.js';
import { findExecutable } from '../../../util/which.js';
import { OutputCollector } from '../../outputCollector.js';
import { RunGuard } from '../../runGuard.js';
import { SANDBOX_UID, SandboxError, type ExecSpec, type Executor, type RawExecution } from '../../types.js';
import { runCpus } from '../../cpuGroup.js';
import { bwrapArgs, STATUS_FD, systemMountArgs } from './bwrapArgs.js';
import { CgroupPool, checkCgroupSupport, ensureCheapMigrations, type RunCgroup, sweepStaleCgroups } from './cgroups.js';
import { ProgramStart } from './programStart.js';

/**
 * Joins the run's limit cgroups before anything else runs (so nothing forked can escape them),
 * sets the stack and core limits, drops to uid 65534 and execs bwrap. Exit 125 with a
 * "codeq-wrapper:" line means the wrapper itself failed.
 */
const WRAPPER = [
  'for f in $CODEQ_CGROUP_PROCS; do echo $$ > "$f" || { echo "codeq-wrapper: cannot join $f" >&2; exit 125; }; done',
  'ulimit -c 0',
  'ulimit -s "$CODEQ_STACK_KB" || { echo "codeq-wrapper: cannot set the stack limit" >&2; exit 125; }',
  `exec setpriv --reuid=${SANDBOX_UID} --regid=${SANDBOX_UID} --clear-groups --no-new-privs "$@"`,
].join('\n');

export class BwrapExecutor implements Executor {
  readonly backend = 'bwrap' as const;
  private readonly systemMounts: string[];
  private readonly bwrapPath: string;
  private readonly cgroups: CgroupPool;

  private constructor(
    config: SandboxConfig['bwrap'],
    private readonly cpuShares: number,
  ) {
    this.systemMounts = systemMountArgs(config.readOnlyPaths);
    this.bwrapPath = findExecutable(config.binary) ?? config.binary;
    this.cgroups = new CgroupPool(config.cgroupRoot, config.cgroupName);
  }

  /** Checks the host can run the backend and removes groups a crashed process left behind. */
  static async create(sandbox: Pick<SandboxConfig, 'bwrap' | 'cpuShares'>): Promise<BwrapExecutor> {
    const config = sandbox.bwrap;
    if (process.getuid?.() !== 0) {
      throw new SandboxError('the bwrap backend must run as root (it creates cgroups and drops to uid 65534)');
    }
    if (!findExecutable(config.binary)) {
      throw new SandboxError(`bubblewrap (${config.binary}) is not installed. HINT: run npm run setup`);
    }
    if (!findExecutable('setpriv')) throw new SandboxError('setpriv (util-linux) is not installed');
    checkCgroupSupport(config.cgroupRoot);
    if (config.favorDynamicCgroups) ensureCheapMigrations(config.cgroupRoot);
    await sweepStaleCgroups(config.cgroupRoot, config.cgroupName);
    return new BwrapExecutor(config, sandbox.cpuShares);
  }

  async exec(spec: ExecSpec): Promise<RawExecution> {
    const { limits } = spec;
    // One more pid than the limit: the outer bwrap lives in the group too (a container's does not).
    const cgroup = await this.cgroups.acquire({
      memoryBytes: limits.memoryMb * 1024 * 1024,
      pids: limits.pids + 1,
      cpus: runCpus(limits.cpus),
      shares: this.cpuShares,
    });
    let stdinFd: number | 'ignore' = 'ignore';
    try {
      if (spec.stdinFile) {
        try {
          stdinFd = openSync(join(spec.mounts.job, spec.stdinFile), 'r');
        } catch (error) {
          throw new SandboxError(`cannot open the stdin file: ${(error as Error).message}`, { cause: error });
        }
      }
      return await this.spawnInGroup(spec, cgroup, stdinFd);
    } finally {
      if (typeof stdinFd === 'number') closeSync(stdinFd);
      // The run's result stands even if its group is slow to empty; the group is then dropped.
      await this.cgroups.release(cgroup).catch((error: Error) => log.warn('could not release a cgroup', { error: error.message }));
    }
  }

  private spawnInGroup(spec: ExecSpec, cgroup: RunCgroup, stdin: number | 'ignore'): Promise<RawExecution> {
    const { limits } = spec;
    const argv = bwrapArgs({
      systemMounts: this.systemMounts,
      mounts: spec.mounts,
      tmpBytes: limits.tmpMb * 1024 * 1024,
      argv: spec.argv,
    });
    return new Promise<RawExecution>((resolve, reject) => {
      let status = '';
      const started = performance.now();
      const child = spawn('/bin/sh', ['-c', WRAPPER, 'codeq-wrapper', this.bwrapPath, ...argv], {
        // stdin, stdout, stderr, bwrap's status, the child's go-ahead
        stdio: [stdin, 'pipe', 'pipe', 'pipe', 'pipe'],
        env: { CODEQ_CGROUP_PROCS: cgroup.limitProcsFiles.join(' '), CODEQ_STACK_KB: String(limits.stackMb * 1024) },
      });
      const start = new ProgramStart(child, cgroup);
      const kill = () => start.kill();
      const output = new OutputCollector(limits.outputKb * 1024, kill);
      const guard = new RunGuard(limits.timeoutMs, spec.signal, kill);
      child.stdout?.on('data', (chunk: Buffer) => output.push('stdout', chunk));
      child.stderr?.on('data', (chunk: Buffer) => output.push('stderr', chunk));
      child.stdio[STATUS_FD]?.on('data', (chunk: Buffer) => {
        status += chunk.toString('utf8');
        start.onStatus(status);
      });
      // bwrap has exited: anything still in the group dies now, so it cannot hold our pipes open.
      child.on('exit', () => void cgroup.kill());
      child.on('error', (error) => {
        guard.stop();
        reject(new SandboxError(`cannot start bwrap: ${error.message}`, { cause: error }));
      });
      child.on('close', (code, signal) => {
        const durationMs = performance.now() - started;
        guard.stop();
        if (start.failure) {
          reject(new SandboxError(`cannot move the program into its kill cgroup: ${start.failure.message}`, { cause: start.failure }));
          return;
        }
        void this.finish({ code, signal, status, output, timedOut: guard.timedOut, durationMs, cgroup }).then(resolve, reject);
      });
    });
  }

  private async finish(run: {
    code: number | null;
    signal: NodeJS.Signals | null;
    status: string;
    output: OutputCollector;
    timedOut: boolean;
    durationMs: number;
    cgroup: RunCgroup;
  }): Promise<RawExecution> {
    const stderr = run.output.text('stderr');
    const exitStatus = /"exit-code":\s*(\d+)/.exec(run.status);
    const killedFromOutside = run.signal !== null || run.timedOut || run.output.truncated;
    if (!exitStatus && !killedFromOutside) {
      // bwrap or the wrapper failed before the program could run: our fault, not the program's.
      const why = stderr.split('\n').find((line) => /^(bwrap|codeq-wrapper|setpriv):/.test(line));
      throw new SandboxError(`the sandbox did not start the program: ${why ?? `exit status ${run.code}`}`);
    }
    const oomKills = await run.cgroup.oomKills();
    const pidsLimitHits = await run.cgroup.pidsLimitHits();
    const status = exitStatus ? Number(exitStatus[1]) : null;
    const signal = status !== null ? signalFromStatus(status) : run.signal;
    return {
      exitCode: status !== null && signal === null ? status : null,
      signal,
      timedOut: run.timedOut,
      oomKilled: oomKills > 0,
      outputTruncated: run.output.truncated,
      stdout: run.output.text('stdout'),
      stderr,
      durationMs: Math.round(run.durationMs),
      pidsLimitHits,
    };
  }

  // Each run empties its cgroups before returning: nothing is left to the background.
  async settle(): Promise<void> {}

  async dispose(): Promise<void> {
    await this.cgroups.dispose();
  }
}
