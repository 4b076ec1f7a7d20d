import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../workflows/searchAttributes.js';

export interface DevServerOptions {
  ip: string;
  port: number;
  uiPort: number;
  /** SQLite file: history survives restarts. null = in memory. */
  dbFile: string | null;
  namespace: string;
  headless?: boolean;
}

const TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', TEXT: 'Text', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

/** `temporal server start-dev` arguments: fixed ports, persistence, codeq's search attributes registered. */
export function devServerArgs(options: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip', options.ip,
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.namespace !== 'default' ? ['--namespace', options.namespace] : []),
    ...(options.headless ? ['--headless'] : []),
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${TYPE_NAMES[key.type]}`]),
    '--log-level', 'warn',
  ];
}

/** Starts the dev server; detached (its own process group, logs to `logFile`) for codeq up. */
export function spawnDevServer(binary: string, options: DevServerOptions, logFile: string, detached: boolean): ChildProcess {
  const log = openSync(logFile, 'a');
  const child = spawn(binary, devServerArgs(options), { detached, stdio: ['ignore', log, log] });
  if (detached) child.unref();
  return child;
}

/** Resolves once `address` answers gRPC (the frontend is up and the namespace exists); throws after `timeoutMs`. */
export async function waitForTemporal(address: string, namespace: string, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`the Temporal server exited while starting (${last || 'no answer yet'})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      last = (error as Error).message.split('\n')[0] ?? '';
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Temporal at ${address} did not answer within ${Math.round(timeoutMs / 1000)} s (${last})`);
}
