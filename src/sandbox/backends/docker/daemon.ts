import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import type { SandboxConfig } from '../../../config/schema.js';
import { isRoot } from '../../../config/env.js';
import { log } from '../../../util/log.js';
import { findExecutable } from '../../../util/which.js';
import { SandboxError } from '../../types.js';

type DockerConfig = SandboxConfig['docker'];

const START_TIMEOUT_MS = 60_000;

/** Where codeq's own Docker Engine keeps its socket, data and state. */
export function daemonPaths(cacheDir: string) {
  const root = join(cacheDir, 'docker');
  return {
    root,
    socket: join(root, 'docker.sock'),
    dataRoot: join(root, 'data'),
    execRoot: join(root, 'exec'),
    pidFile: join(root, 'dockerd.pid'),
    logFile: join(root, 'dockerd.log'),
  };
}

export function socketPath(config: DockerConfig, cacheDir: string): string {
  return config.socket ?? daemonPaths(cacheDir).socket;
}

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/**
 * A client for a reachable Docker Engine. When none answers on the socket and the config allows
 * it, starts dockerd as root with no firewall or bridge changes to the host, its data and exec
 * roots in the cache dir, and waits until it answers.
 */
export async function connectDocker(config: DockerConfig, cacheDir: string): Promise<Docker> {
  const socket = socketPath(config, cacheDir);
  const docker = new Docker({ socketPath: socket });
  if (await answers(docker)) return docker;
  if (!config.startDaemon) {
    throw new SandboxError(`no Docker Engine answers on ${socket}. HINT: start one, or set sandbox.docker.startDaemon: true`);
  }
  if (!isRoot()) {
    throw new SandboxError(`no Docker Engine answers on ${socket}, and only root can start one. HINT: run npm run setup as root`);
  }
  const dockerd = findExecutable(config.dockerd);
  if (!dockerd) throw new SandboxError(`dockerd (${config.dockerd}) is not installed. HINT: run npm run setup`);
  startDaemon(dockerd, daemonPaths(cacheDir), socket);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answers(docker)) return docker;
    await sleep(250);
  }
  const paths = daemonPaths(cacheDir);
  const tail = readFileSync(paths.logFile, 'utf8').split('\n').slice(-8).join('\n');
  throw new SandboxError(`dockerd did not answer on ${socket} within ${START_TIMEOUT_MS / 1000} s; its log ends:\n${tail}`);
}

function startDaemon(dockerd: string, paths: ReturnType<typeof daemonPaths>, socket: string): void {
  for (const dir of [paths.root, paths.dataRoot, paths.execRoot]) mkdirSync(dir, { recursive: true, mode: 0o711 });
  const logFd = openSync(paths.logFile, 'a');
  const args = [
    '-H',
    `unix://${socket}`,
    '--data-root',
    paths.dataRoot,
    '--exec-root',
    paths.execRoot,
    '--pidfile',
    paths.pidFile,
    // Leave the host's firewall, forwarding and interfaces alone: sandboxes have no network anyway.
    '--iptables=false',
    '--ip-forward=false',
    '--bridge=none',
    '--storage-driver=overlay2',
  ];
  log.info('starting dockerd', { socket, dataRoot: paths.dataRoot, log: paths.logFile });
  const child = spawn(dockerd, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  child.unref();
}
