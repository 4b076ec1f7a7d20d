import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { env } from '../config/env.js';
import { withTemporalClient } from '../temporal/connection.js';
import { liveProcess, queuePollers, stackDown, stackPaths, stackUp, uiAddress } from '../temporal/stack.js';
import { runWorkerProcess } from '../temporal/workerProcess.js';
import { ROLES, type Role } from '../workflows/taskQueues.js';
import { commandConfig, listOf } from './options.js';

const ENTRY = fileURLToPath(new URL('../../bin/codeq.js', import.meta.url));

export function registerStackCommands(program: Command): void {
  program
    .command('up')
    .description('start the local stack in the background: the Temporal dev server (history kept under the data dir, codeq\'s search attributes registered) and one worker per role; waits until all answer')
    .option('--config <file>', 'config file overlaying configs/default.yaml (the workers load it too)')
    .action(async (flags: { config?: string }) => {
      const config = commandConfig(flags);
      const up = await stackUp({ config, configFile: flags.config ?? env.configFile ?? null, entry: ENTRY, onStep: (m) => process.stderr.write(`${m}\n`) });
      const paths = stackPaths(config);
      process.stdout.write(
        `${up.started.length ? `started ${up.started.join('; ')}` : 'already up'}\n` +
          `Temporal: ${up.address} (namespace ${config.temporal.namespace})\nUI: ${up.ui}\nlogs: ${paths.dir}/{temporal,worker-control,worker-inference,worker-training}.log\n` +
          `next: codeq experiment start --wait   (codeq down stops it all)\n`,
      );
    });

  program
    .command('down')
    .description('stop what codeq up started (the workers first, then the server), by pid')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: { config?: string }) => {
      const stopped = await stackDown(commandConfig(flags));
      process.stdout.write(stopped.length ? `stopped ${stopped.join(', ')}\n` : 'nothing of codeq up was running\n');
    });

  program
    .command('status')
    .description('the local stack (processes, server, pollers per task queue) and the experiments running')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: { config?: string }) => {
      const config = commandConfig(flags);
      const paths = stackPaths(config);
      const server = liveProcess(paths.server.pid);
      const workers = ROLES.map((r) => [r, liveProcess(paths.workers[r].pid)] as const);
      const address = env.temporalAddress ?? config.temporal.address;
      const lines = [`temporal server: ${server ? `pid ${server.pid}` : 'not started by codeq up'}`, ...workers.map(([r, w]) => `${r} worker: ${w ? `pid ${w.pid}` : 'not started by codeq up'}`)];
      const pollers = await queuePollers(config, address).catch(() => null);
      if (!pollers) {
        lines.push(`Temporal at ${address}: not answering (codeq up starts it)`);
      } else {
        lines.push(`Temporal at ${address}: up, UI ${uiAddress(config)}`, `pollers: ${ROLES.map((r) => `${r} ${pollers[r]}`).join(', ')}`);
        const running = await withTemporalClient(config.temporal, async (client) => {
          const ids: string[] = [];
          for await (const w of client.workflow.list({ query: "WorkflowType = 'experimentWorkflow' AND ExecutionStatus = 'Running'" })) ids.push(w.workflowId);
          return ids;
        });
        lines.push(`experiments running: ${running.length ? running.join(', ') : 'none'}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('worker')
    .description('run Temporal workers in the foreground: one per role, each polling its task queue (inference: owns the sandbox and one model; training: the native trainer; control: the workflows)')
    .option('--role <roles>', `comma-separated: ${ROLES.join(',')}`, listOf(ROLES), [...ROLES])
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: { role: Role[]; config?: string }) => {
      await runWorkerProcess([...new Set(flags.role)], [], flags.config);
    });
}
