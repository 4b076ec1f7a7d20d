import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeqConfig } from '../../src/config/schema.js';
import { temporalBinary } from '../../src/temporal/binary.js';
import { spawnDevServer, waitForTemporal } from '../../src/temporal/devServer.js';
import { config as baseConfig } from './host.js';

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestServer {
  address: string;
  port: number;
  uiPort: number;
  dbFile: string | null;
  child: ChildProcess;
  /** Stops the server (SIGKILL: as a crash would). */
  kill(): Promise<void>;
  /** Starts it again on the same ports and database (history survives with a db file). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real Temporal dev server (the CLI setup built), on free ports; with `persist`, a SQLite file
 * so a restart keeps the history. Nothing is downloaded.
 */
export async function startTestServer(options: { persist?: boolean } = {}): Promise<TestServer> {
  const binary = temporalBinary(baseConfig.cacheDir);
  const dir = mkdtempSync(join(tmpdir(), 'codeq-temporal-'));
  const [port, uiPort] = [await freePort(), await freePort()];
  const dbFile = options.persist ? join(dir, 'temporal.db') : null;
  const address = `127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawnDevServer(binary, { ip: '127.0.0.1', port, uiPort, dbFile, namespace: 'default', headless: true }, join(dir, 'server.log'), false);
    let exited = false;
    child.once('exit', () => (exited = true));
    await waitForTemporal(address, 'default', 60_000, () => !exited);
    return child;
  };
  const server: TestServer = {
    address,
    port,
    uiPort,
    dbFile,
    child: await launch(),
    async kill() {
      const exited = new Promise((r) => server.child.once('exit', r));
      server.child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      server.child = await launch();
    },
    async stop() {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

let counter = 0;
/** The host config pointed at a test server, with task queues no other test uses. */
export function temporalTestConfig(server: TestServer, overrides: (config: CodeqConfig) => void = () => {}): CodeqConfig {
  const config = structuredClone(baseConfig);
  config.temporal.address = server.address;
  config.temporal.taskQueuePrefix = `t${process.pid}-${Date.now().toString(36)}-${counter++}`;
  overrides(config);
  return config;
}
