import type { Command } from 'commander';
import { ScheduleNotFoundError } from '@temporalio/client';
import { EXPERIMENT_ID } from '../experiments/layout.js';
import { prepareExperiment } from '../experiments/start.js';
import { withTemporalClient } from '../temporal/connection.js';
import { experimentWorkflowId } from '../workflows/definitions.js';
import { EXPERIMENT_KEY } from '../workflows/searchAttributes.js';
import { taskQueues } from '../workflows/taskQueues.js';
import { commandConfig, positiveInteger, UsageError } from './options.js';

const scheduleId = (name: string) => `codeq-schedule-${name}`;

/**
 * Temporal Schedules for retraining: each run continues the experiment named after the schedule
 * where its last round ended (from the latest promoted policy), for --rounds more rounds. A run
 * still going when the next is due makes that one skip (overlap SKIP); after an outage only runs
 * missed within the catch-up window are made up.
 */
export function registerScheduleCommand(program: Command): void {
  const schedule = program.command('schedule').description('Temporal Schedules that run experiment rounds on a cron (nightly retraining)');
  const common = (c: Command) => c.option('--config <file>', 'config file overlaying configs/default.yaml');

  common(schedule.command('create'))
    .description('create a schedule: each run continues experiment <name> from its latest promoted policy')
    .requiredOption('--cron <expr>', 'cron expression, e.g. "0 2 * * *" (02:00 every night, UTC)')
    .option('--name <name>', 'schedule and experiment name', 'nightly')
    .option('--rounds <n>', 'rounds per run', positiveInteger, 1)
    .option('--catchup-minutes <n>', 'runs missed (server down) within this window are made up', positiveInteger, 60)
    .action(async (flags: { config?: string; cron: string; name: string; rounds: number; catchupMinutes: number }) => {
      if (!EXPERIMENT_ID.test(flags.name)) throw new UsageError(`--name ${JSON.stringify(flags.name)}: use letters, digits, '.', '_' or '-'`);
      if (flags.cron.trim().split(/\s+/).length !== 5) throw new UsageError(`--cron ${JSON.stringify(flags.cron)}: expected 5 fields (minute hour day-of-month month day-of-week)`);
      const config = commandConfig(flags);
      const { input } = await prepareExperiment(config, { id: flags.name, rounds: flags.rounds });
      await withTemporalClient(config.temporal, async (client) => {
        await client.schedule.create({
          scheduleId: scheduleId(flags.name),
          spec: { cronExpressions: [flags.cron] },
          action: {
            type: 'startWorkflow',
            workflowType: 'experimentWorkflow',
            taskQueue: taskQueues(config.temporal.taskQueuePrefix).control,
            // Temporal appends the run's time to this id: one workflow per run, one experiment in all.
            workflowId: experimentWorkflowId(flags.name),
            args: [{ ...input, continue: true }],
            typedSearchAttributes: [{ key: EXPERIMENT_KEY, value: flags.name }],
          },
          policies: { overlap: 'SKIP', catchupWindow: `${flags.catchupMinutes} minutes` },
          memo: { rounds: flags.rounds, cron: flags.cron },
        }).catch((error: Error) => {
          throw error.name === 'ScheduleAlreadyRunning' ? new UsageError(`schedule ${flags.name} exists. HINT: codeq schedule delete ${flags.name} first, or choose another --name`) : error;
        });
        process.stdout.write(`schedule ${flags.name}: "${flags.cron}", ${flags.rounds} round(s) per run of experiment ${flags.name}; overlap skip, catch-up ${flags.catchupMinutes} min\n`);
      });
    });

  common(schedule.command('list'))
    .description('schedules, with their next runs')
    .action(async (flags: { config?: string }) => {
      await withTemporalClient(commandConfig(flags).temporal, async (client) => {
        const rows: string[] = [];
        for await (const s of client.schedule.list()) {
          if (!s.scheduleId.startsWith('codeq-schedule-')) continue;
          rows.push(`${s.scheduleId.replace('codeq-schedule-', '')}\t${s.state.paused ? 'paused' : 'active'}\tnext ${s.info.nextActionTimes[0]?.toISOString() ?? '-'}\t${String(s.memo?.cron ?? '')}`);
        }
        process.stdout.write(rows.length ? `${rows.join('\n')}\n` : 'no schedules\n');
      });
    });

  for (const [name, what] of [
    ['pause', 'pause a schedule (no runs until unpaused)'],
    ['unpause', 'unpause a schedule'],
    ['trigger', 'start a run now (skipped if one is running)'],
    ['delete', 'delete a schedule (running runs go on)'],
  ] as const) {
    common(schedule.command(name))
      .description(what)
      .argument('<name>')
      .action(async (id: string, flags: { config?: string }) => {
        await withTemporalClient(commandConfig(flags).temporal, async (client) => {
          const handle = client.schedule.getHandle(scheduleId(id));
          try {
            if (name === 'pause') await handle.pause('codeq schedule pause');
            else if (name === 'unpause') await handle.unpause('codeq schedule unpause');
            else if (name === 'trigger') await handle.trigger();
            else await handle.delete();
          } catch (error) {
            throw error instanceof ScheduleNotFoundError ? new UsageError(`no schedule ${id}. HINT: codeq schedule list`) : error;
          }
          process.stdout.write(`${name}: done for schedule ${id}\n`);
        });
      });
  }
}
