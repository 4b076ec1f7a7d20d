import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { resolveDataDir } from '../config/env.js';
import type { CodeqConfig } from '../config/schema.js';
import { processAlive } from '../util/process.js';
import { ROLES, taskQueues, type Role } from '../workflows/taskQueues.js';
import { temporalBinary } from './binary.js';
import { TemporalSetupError } from './connection.js';
import { spawnDevServer, waitForTemporal } from './devServer.js';

/**
 * The local stack: the Temporal dev server (history in a SQLite file under the data dir) and one
 * worker process serving every role, started in the background with pid files and logs under
 * <dataDir>/stack. `down` stops exactly what `up` started, by pid (and only if that pid still runs
 * what was started: pids get reused).
 */
export interface StackPaths {
  dir: string;
  db: string;
  server: { pid: string; log: string };
  /** One worker process per role. */
  workers: Record<Role, { pid: string; log: string }>;
}

export function stackPaths(config: CodeqConfig): StackPaths {
  const dir = join(resolveDataDir(config.temporal.dataDir), 'stack');
  const workers = Object.fromEntries(ROLES.map((r) => [r, { pid: join(dir, `worker-${r}.pid`), log: join(dir, `worker-${r}.log`) }])) as StackPaths['workers'];
  return { dir, db: join(dir, 'temporal.db'), server: { pid: join(dir, 'temporal.pid'), log: join(dir, 'temporal.log') }, workers };
}

interface PidRecord {
  pid: number;
  /** A word the process's command line must contain for the pid to still be ours. */
  marker: string;
  started: string;
  /** A worker's launch: its entry, config file and build (absent for the server). */
  launch?: string;
}

function readPid(file: string): PidRecord | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    return null;
  }
}

/** The recorded process, if it is alive and still the one recorded. */
export function liveProcess(file: string): PidRecord | null {
  const record = readPid(file);
  if (!record || !processAlive(record.pid)) return null;
  try {
    if (!readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(record.marker)) return null;
  } catch {
    return null;
  }
  return record;
}

export const devServerAddress = (config: CodeqConfig) => `${config.temporal.devServer.ip}:${config.temporal.devServer.port}`;
export const uiAddress = (config: CodeqConfig) => `http://${config.temporal.devServer.ip === '0.0.0.0' ? '127.0.0.1' : config.temporal.devServer.ip}:${config.temporal.devServer.uiPort}`;

/**
 * Temporal lists a stopped worker's pollers for a minute or two after it is gone. A worker's
 * default identity is pid@host: one of this host whose pid no longer runs is not a poller.
 */
function deadLocalPoller(identity: string): boolean {
  const match = /^(\d+)@(.+)$/.exec(identity);
  return match !== null && match[2] === hostname() && !processAlive(Number(match[1]));
}

/** Pollers on each role's task queue (workflow pollers for control, activity pollers for all). */
export async function queuePollers(config: CodeqConfig, address: string): Promise<Record<Role, number>> {
  const connection = await Connection.connect({ address, connectTimeout: 3000 });
  try {
    const queues = taskQueues(config.temporal.taskQueuePrefix);
    const counts = {} as Record<Role, number>;
    for (const role of ROLES) {
      const response = await connection.workflowService.describeTaskQueue({ namespace: config.temporal.namespace, taskQueue: { name: queues[role] }, taskQueueType: 2 /* activity */ });
      counts[role] = (response.pollers ?? []).filter((p) => !deadLocalPoller(p.identity ?? '')).length;
    }
    return counts;
  } finally {
    await connection.close();
  }
}

export interface UpOptions {
  config: CodeqConfig;
  /** The config file the workers load (null: the embedded defaults). */
  configFile: string | null;
  /** The codeq entry the worker process runs (bin/codeq.js). */
  entry: string;
  onStep?: (message: string) => void;
}

/** When the compiled CLI beside the entry was built (bin/codeq.js runs ../dist/cli/main.js). */
function buildStamp(entry: string): string {
  const main = join(dirname(resolve(entry)), '..', 'dist', 'cli', 'main.js');
  return existsSync(main) ? String(statSync(main).mtimeMs) : 'unbuilt';
}

export async function stackUp(options: UpOptions): Promise<{ address: string; ui: string; started: string[] }> {
  const { config } = options;
  const paths = stackPaths(config);
  mkdirSync(paths.dir, { recursive: true });
  const address = devServerAddress(config);
  const timeoutMs = config.temporal.devServer.startTimeoutSeconds * 1000;
  const started: string[] = [];
  if (!liveProcess(paths.server.pid)) {
    const { ip, port, uiPort } = config.temporal.devServer;
    const child = spawnDevServer(temporalBinary(config.cacheDir), { ip, port, uiPort, dbFile: paths.db, namespace: config.temporal.namespace }, paths.server.log, true);
    writeFileAtomicSync(paths.server.pid, JSON.stringify({ pid: child.pid, marker: 'start-dev', started: new Date().toISOString() }));
    started.push(`temporal server (pid ${child.pid})`);
    options.onStep?.(`starting the Temporal dev server on ${address} (history: ${paths.db})`);
  }
  try {
    await waitForTemporal(address, config.temporal.namespace, timeoutMs, () => liveProcess(paths.server.pid) !== null);
  } catch (error) {
    throw new TemporalSetupError(`${(error as Error).message}. HINT: see ${paths.server.log} (is port ${config.temporal.devServer.port} or ${config.temporal.devServer.uiPort} taken?)`);
  }
  for (const role of ROLES) {
    const files = paths.workers[role];
    const args = [resolve(options.entry), 'worker', '--role', role, ...(options.configFile ? ['--config', resolve(options.configFile)] : [])];
    const launch = `${args.join(' ')} @ ${buildStamp(options.entry)}`;
    const running = liveProcess(files.pid);
    if (running?.launch === launch) continue;
    // A worker from another checkout, build or config would run the wrong code or settings.
    if (running) {
      options.onStep?.(`restarting the ${role} worker (it runs another checkout, build or config file; its activities resume)`);
      await stopProcess(files.pid, (config.workers.shutdownGraceSeconds + 5) * 1000);
    }
    const log = openSync(files.log, 'a');
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: { ...process.env, TEMPORAL_ADDRESS: address } });
    child.unref();
    writeFileAtomicSync(files.pid, JSON.stringify({ pid: child.pid, marker: 'worker', started: new Date().toISOString(), launch }));
    started.push(`${role} worker (pid ${child.pid})`);
    options.onStep?.(`starting the ${role} worker; log: ${files.log}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pollers = await queuePollers(config, address).catch(() => null);
    if (pollers && ROLES.every((r) => pollers[r] > 0)) break;
    const dead = ROLES.find((r) => !liveProcess(paths.workers[r].pid));
    if (dead) throw new TemporalSetupError(`the ${dead} worker exited while starting. HINT: see ${paths.workers[dead].log}`);
    if (Date.now() > deadline) throw new TemporalSetupError(`the workers did not poll their queues within ${config.temporal.devServer.startTimeoutSeconds} s. HINT: see the worker-*.log files in ${paths.dir}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return { address, ui: uiAddress(config), started };
}

async function stopProcess(file: string, graceMs: number): Promise<number | null> {
  const record = liveProcess(file);
  rmSync(file, { force: true });
  if (!record) return null;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (processAlive(record.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (processAlive(record.pid)) process.kill(record.pid, 'SIGKILL');
  return record.pid;
}

/** Stops the workers (they finish or hand back their activities), then the server. */
export async function stackDown(config: CodeqConfig): Promise<string[]> {
  const paths = stackPaths(config);
  const stopped: string[] = [];
  const graceMs = (config.workers.shutdownGraceSeconds + 5) * 1000;
  const pids = await Promise.all(ROLES.map(async (r) => [r, await stopProcess(paths.workers[r].pid, graceMs)] as const));
  for (const [role, pid] of pids) if (pid) stopped.push(`${role} worker (pid ${pid})`);
  const server = await stopProcess(paths.server.pid, 10_000);
  if (server) stopped.push(`temporal server (pid ${server})`);
  return stopped;
}
