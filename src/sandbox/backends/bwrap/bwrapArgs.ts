import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import { SANDBOX_ENV, SANDBOX_PATHS, SANDBOX_UID, type Mounts } from '../../types.js';

/** File descriptor on which bwrap reports the child's pid and exit code as JSON. */
export const STATUS_FD = 3;
/** File descriptor the child reads one byte from before it executes the program. */
export const BLOCK_FD = 4;

const MERGED_USR_LINKS = ['/bin', '/lib', '/lib64', '/sbin'];

/**
 * The filesystem skeleton: the host's toolchain directories read-only, and the top-level
 * merged-/usr links recreated as links (or bound, on a host without merged /usr).
 */
export function systemMountArgs(readOnlyPaths: string[]): string[] {
  const args: string[] = [];
  for (const path of readOnlyPaths) if (existsSync(path)) args.push('--ro-bind', path, path);
  for (const link of MERGED_USR_LINKS) {
    if (!existsSync(link)) continue;
    if (lstatSync(link).isSymbolicLink()) args.push('--symlink', readlinkSync(link), link);
    else args.push('--ro-bind', link, link);
  }
  return args;
}

/** The full bwrap command line: no network, no capabilities, own pid/ipc/uts/mount namespaces, uid 65534. */
export function bwrapArgs(options: {
  systemMounts: string[];
  mounts: Mounts;
  tmpBytes: number;
  argv: string[];
}): string[] {
  const { mounts } = options;
  const args = [
    '--unshare-all',
    '--unshare-user',
    '--disable-userns',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--hostname',
    'sandbox',
    '--cap-drop',
    'ALL',
    '--die-with-parent',
    // The program is the namespace's pid 1, as in a container: no bwrap reaper inside, which the
    // outer bwrap would leave as a zombie for the host's init when it exits first.
    '--as-pid-1',
    '--new-session',
    '--clearenv',
    ...Object.entries(SANDBOX_ENV).flatMap(([name, value]) => ['--setenv', name, value]),
    ...options.systemMounts,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(options.tmpBytes),
    '--tmpfs',
    SANDBOX_PATHS.cwd,
    '--ro-bind',
    mounts.job,
    SANDBOX_PATHS.job,
  ];
  if (mounts.prog) args.push('--ro-bind', mounts.prog, SANDBOX_PATHS.prog);
  if (mounts.include) args.push('--ro-bind', mounts.include, SANDBOX_PATHS.include);
  if (mounts.out) args.push('--bind', mounts.out, SANDBOX_PATHS.out);
  // The root is bwrap's own tmpfs: make it read-only so only /tmp (and /out) take writes.
  args.push('--remount-ro', '/');
  // The child waits for the supervisor to move it into the run's kill group (see RunCgroup.adopt).
  args.push('--chdir', SANDBOX_PATHS.cwd, '--json-status-fd', String(STATUS_FD), '--block-fd', String(BLOCK_FD));
  args.push('--', ...options.argv);
  return args;
}
