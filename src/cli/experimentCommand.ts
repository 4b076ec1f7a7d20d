import type { Command } from 'commander';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { newExperimentId, prepareExperiment, startExperiment } from '../experiments/start.js';
import { withTemporalClient } from '../temporal/connection.js';
import { BUDGET_KEYS, type Budgets } from '../workflows/budgets.js';
import { cancelSignal, experimentWorkflowId, pauseSignal, resumeSignal, roundStateQuery, roundWorkflowId, setBudgetsUpdate, stateQuery, type ExperimentState, type RoundResult } from '../workflows/definitions.js';
import { commandConfig, positiveInteger, UsageError } from './options.js';

/** The experiment's live state, and its running round's phase and progress. */
export async function describeExperiment(client: Client, id: string): Promise<{ state: ExperimentState; round: Awaited<ReturnType<typeof roundProgress>> }> {
  let state: ExperimentState;
  try {
    state = await client.workflow.getHandle(experimentWorkflowId(id)).query(stateQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UsageError(`no experiment ${id}. HINT: codeq experiment list shows them`);
    throw error;
  }
  return { state, round: state.status === 'done' || state.status === 'cancelled' ? null : await roundProgress(client, id, state.round) };
}

async function roundProgress(client: Client, id: string, round: number) {
  return client.workflow.getHandle(roundWorkflowId(id, round)).query(roundStateQuery).catch(() => null);
}

const percent = (k: number, n: number) => (n === 0 ? '-' : `${((100 * k) / n).toFixed(1)}%`);

export function formatRound(r: RoundResult): string {
  const d = r.decision;
  return `round ${r.round}: collected ${r.collected.tasks} tasks (${r.collected.solved} solved), ${r.pairs} pairs, ${r.train ? `trained ${r.train.steps} steps (loss ${r.train.loss?.toFixed(4) ?? '-'})` : 'not trained'}; ` +
    `evaluation ${d.tasks} tasks: incumbent ${d.incumbentSolved} (${percent(d.incumbentSolved, d.tasks)}), candidate ${r.candidate ? `${d.candidateSolved} (${percent(d.candidateSolved, d.tasks)})` : '-'}; ${d.promote ? 'PROMOTED' : 'kept the incumbent'}: ${d.reason}`;
}

function formatState({ state, round }: Awaited<ReturnType<typeof describeExperiment>>): string {
  const lines = [`experiment ${state.experimentId}: ${state.status}, round ${Math.min(state.round, state.rounds)}/${state.rounds}, policy ${state.policy.label}${state.policy.adapter ? ` (${state.policy.adapter})` : ''}`];
  if (round?.phase) {
    const p = round.progress;
    const detail = p ? ` ${p.done}/${p.total}${p.solved !== undefined ? `, ${p.solved} solved` : ''}${p.loss !== undefined ? `, loss ${p.loss.toFixed(4)}` : ''}${p.etaSeconds !== undefined ? `, ETA ${p.etaSeconds} s` : ''}` : '';
    lines.push(`  phase: ${round.phase}${detail}${round.paused ? ' (paused: waits here until resumed)' : ''}`);
  }
  lines.push(`  budgets: ${BUDGET_KEYS.map((k) => `${k} ${state.budgets[k]}`).join(', ')}`);
  for (const r of state.results) lines.push(`  ${formatRound(r)}`);
  return lines.join('\n');
}

export function registerExperimentCommand(program: Command): void {
  const experiment = program.command('experiment').description('self-improvement experiments on Temporal: rounds of collect, pairs, train, evaluate, promote');
  const common = (c: Command) => c.option('--config <file>', 'config file overlaying configs/default.yaml');

  common(experiment.command('start'))
    .description('start an experiment (an id that exists is attached to, never started twice); workers must be running (codeq up)')
    .option('--id <id>', 'experiment id (default: exp-<date>-<time>)')
    .option('--rounds <n>', 'rounds (default: experiment.rounds)', positiveInteger)
    .option('--wait', 'follow it until it ends, printing progress')
    .option('--print-input', 'only freeze the config and print the workflow input as JSON (for temporal workflow start --input-file)')
    .action(async (flags: { config?: string; id?: string; rounds?: number; wait?: boolean; printInput?: boolean }) => {
      const config = commandConfig(flags);
      if (flags.printInput) {
        const { input } = await prepareExperiment(config, { id: flags.id ?? newExperimentId(), ...(flags.rounds ? { rounds: flags.rounds } : {}) });
        process.stdout.write(`${JSON.stringify(input, null, 2)}\n`);
        return;
      }
      await withTemporalClient(config.temporal, async (client) => {
        const id = flags.id ?? newExperimentId();
        const { handle, attached, dir } = await startExperiment(client, config, { id, ...(flags.rounds ? { rounds: flags.rounds } : {}) });
        process.stdout.write(`${attached ? 'attached to' : 'started'} experiment ${id} (workflow ${handle.workflowId}); files: ${dir}\n`);
        if (!flags.wait) return;
        let last = '';
        const timer = setInterval(async () => {
          const text = await describeExperiment(client, id).then(formatState, () => '');
          if (text && text !== last) process.stderr.write(`${(last = text)}\n`);
        }, 2000);
        try {
          const final = await handle.result();
          process.stdout.write(`${formatState({ state: final, round: null })}\n`);
        } finally {
          clearInterval(timer);
        }
      });
    });

  common(experiment.command('status'))
    .description('round, phase, progress, budgets and per-round results of an experiment')
    .argument('<id>')
    .option('--json', 'print the state as JSON')
    .action(async (id: string, flags: { config?: string; json?: boolean }) => {
      await withTemporalClient(commandConfig(flags).temporal, async (client) => {
        const described = await describeExperiment(client, id);
        process.stdout.write(flags.json ? `${JSON.stringify(described)}\n` : `${formatState(described)}\n`);
      });
    });

  for (const [name, signal, what] of [
    ['pause', pauseSignal, 'pause after the current phase'],
    ['resume', resumeSignal, 'resume a paused experiment'],
    ['cancel', cancelSignal, 'stop: the running phase is cancelled (its files stay), the experiment ends'],
  ] as const) {
    common(experiment.command(name))
      .description(what)
      .argument('<id>')
      .action(async (id: string, flags: { config?: string }) => {
        await withTemporalClient(commandConfig(flags).temporal, async (client) => {
          await client.workflow.getHandle(experimentWorkflowId(id)).signal(signal).catch((error) => {
            throw error instanceof WorkflowNotFoundError ? new UsageError(`no running experiment ${id}`) : error;
          });
          process.stdout.write(`${name}: sent to ${id}\n`);
        });
      });
  }

  common(experiment.command('budgets'))
    .description('change the budgets of the rounds not yet started (validated by the workflow; prints the settings now in force)')
    .argument('<id>')
    .option('--tokens <n>', 'generated tokens per task search', positiveInteger)
    .option('--collect-tasks <n>', 'train-split tasks searched per round', positiveInteger)
    .option('--evaluate-tasks <n>', 'test-split tasks per evaluation', positiveInteger)
    .option('--train-steps <n>', 'DPO optimizer steps', positiveInteger)
    .action(async (id: string, flags: { config?: string; tokens?: number; collectTasks?: number; evaluateTasks?: number; trainSteps?: number }) => {
      const change: Partial<Budgets> = {};
      for (const key of BUDGET_KEYS) if (flags[key] !== undefined) change[key] = flags[key];
      if (Object.keys(change).length === 0) throw new UsageError('nothing to change: give --tokens, --collect-tasks, --evaluate-tasks or --train-steps');
      await withTemporalClient(commandConfig(flags).temporal, async (client) => {
        const now = await client.workflow.getHandle(experimentWorkflowId(id)).executeUpdate(setBudgetsUpdate, { args: [change] });
        process.stdout.write(`budgets of ${id} from the next round: ${BUDGET_KEYS.map((k) => `${k} ${now[k]}`).join(', ')}\n`);
      });
    });

  common(experiment.command('list'))
    .description('experiments on the server, newest first, with their status')
    .action(async (flags: { config?: string }) => {
      await withTemporalClient(commandConfig(flags).temporal, async (client) => {
        const rows: string[] = [];
        for await (const w of client.workflow.list({ query: "WorkflowType = 'experimentWorkflow' AND ExecutionStatus != 'ContinuedAsNew'" })) rows.push(`${w.workflowId}\t${w.status.name}\t${w.startTime.toISOString()}`);
        process.stdout.write(rows.length ? `${rows.join('\n')}\n` : 'no experiments\n');
      });
    });
}
