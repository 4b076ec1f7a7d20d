import { parseArgs } from 'node:util';
import { env } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import { log } from '../util/log.js';
import type { Role } from '../workflows/taskQueues.js';
import { startWorkers } from './workers.js';

/** A worker process for `roles` until SIGTERM/SIGINT (running activities get the grace time). */
export async function runWorkerProcess(roles: Role[], argv: string[] = [], configFile?: string): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } } });
  const config = loadConfig(values.config ?? configFile ?? env.configFile);
  const workers = await startWorkers({ config, roles });
  log.info('workers polling', { roles: roles.join(','), address: env.temporalAddress ?? config.temporal.address, prefix: config.temporal.taskQueuePrefix });
  const stop = () => void workers.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await workers.done;
  log.info('workers stopped');
}
