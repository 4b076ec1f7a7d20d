import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { BLOCK_FD } from './bwrapArgs.js';
import type { RunCgroup } from './cgroups.js';

/**
 * The start and the kill of one bwrap run. bwrap reports its child's pid on the status fd while
 * the child waits on the block fd; the child is moved into the run's kill group and only then
 * let go to exec the program. A kill is then one in-kernel step (`cgroup.kill`) for the whole
 * tree, whatever it is doing. Killing only the namespace's pid 1 left the rest to pid 1's own
 * exit, which waits for its turn on the CPU behind 63 spinning siblings: 0.1-0.8 s under load.
 */
export class ProgramStart {
  private childPid = 0;
  private adopted = false;
  private killed = false;
  /** Why the program could not be put into its kill group; it then never ran. */
  failure: Error | null = null;

  constructor(
    private readonly bwrap: ChildProcess,
    private readonly cgroup: RunCgroup,
  ) {
    // A bwrap that died before reading its go-ahead makes the write fail; its exit tells why.
    bwrap.stdio[BLOCK_FD]?.on('error', () => undefined);
  }

  /** bwrap's status output so far: once it names the child, adopt it and let it go. */
  onStatus(status: string): void {
    if (this.childPid) return;
    const pid = Number(/"child-pid":\s*(\d+)/.exec(status)?.[1]);
    if (!pid) return;
    this.childPid = pid;
    this.cgroup.adopt(pid).then(
      () => {
        this.adopted = true;
        if (this.killed) void this.cgroup.kill();
        else (this.bwrap.stdio[BLOCK_FD] as Writable).end('1');
      },
      (error: Error) => {
        this.failure = error;
        this.killChild();
      },
    );
  }

  /** Stops the run at whatever stage it is. */
  kill(): void {
    this.killed = true;
    if (this.adopted) void this.cgroup.kill();
    // No child yet: stopping bwrap stops everything, and no one is left to be orphaned.
    else if (!this.childPid) this.bwrap.kill('SIGKILL');
    // Otherwise the adoption under way kills the child instead of letting it go.
  }

  /** The child is still blocked, so bwrap has not reaped it: its pid is still its own. */
  private killChild(): void {
    try {
      process.kill(this.childPid, 'SIGKILL');
    } catch {
      // it already exited
    }
  }
}
