import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { env } from '../config/env.js';
import { CONFIGS_DIR, loadConfig } from '../config/load.js';
import type { CodeqConfig } from '../config/schema.js';
import { formatRate } from '../evaluation/markdown.js';
import { ensureModel, ensureTaskSlice, workflowUrl } from '../experiments/mainJob.js';
import { startExperiment } from '../experiments/start.js';
import { readExperiment } from '../report/experimentData.js';
import { writeExperimentReport } from '../report/experimentReport.js';
import { withTemporalClient } from '../temporal/connection.js';
import { stackDown, stackUp } from '../temporal/stack.js';
import { roundWorkflowId, type ExperimentState, type RoundResult } from '../workflows/definitions.js';
import { describeExperiment } from './experimentCommand.js';
import { liveLines, TtyBlock } from './liveView.js';
import { UsageError } from './options.js';

const ENTRY = fileURLToPath(new URL('../../bin/codeq.js', import.meta.url));

interface RunFlags {
  quick?: boolean;
  id?: string;
  config?: string;
}

/** The embedded defaults with configs/run.yaml (or --quick's configs/quick.yaml, or --config), and the round's bounded training. */
function mainJobConfig(flags: RunFlags): { config: CodeqConfig; configFile: string | null } {
  const file = flags.config ?? env.configFile ?? null;
  if (flags.quick && file) throw new UsageError('--quick uses configs/quick.yaml; with your own --config, set the sizes there instead');
  const configFile = flags.quick ? join(CONFIGS_DIR, 'quick.yaml') : (file ?? join(CONFIGS_DIR, 'run.yaml'));
  const config = loadConfig(configFile ?? undefined);
  if (config.experiment.train === null) config.experiment.train = join(CONFIGS_DIR, flags.quick ? 'train-quick.yaml' : 'train-round.yaml');
  return { config, configFile };
}

function say(line: string): void {
  process.stderr.write(process.stderr.isTTY ? `${line}\n` : `${JSON.stringify({ level: 'info', time: new Date().toISOString(), msg: line })}\n`);
}

/** The summary printed at the end: rates with intervals, the decision and why, where to look. */
export function formatSummary(r: RoundResult, where: { dir: string; report: string | null; ui: string }): string {
  const d = r.decision;
  const lines = [
    '',
    `round ${r.round} done: collected ${r.collected.tasks} train tasks (${r.collected.solved} solved), ${r.pairs} preference pairs, ${r.train ? `DPO ${r.train.steps} steps (final loss ${r.train.loss?.toFixed(4) ?? '-'})` : 'no training (no pairs)'}`,
    `held-out test tasks solved on visible + hidden tests (Wilson 95%):`,
    `  incumbent (${r.incumbent.label}): ${formatRate(d.incumbentRate)}`,
    ...(d.candidateRate ? [`  candidate (${r.candidate?.label}): ${formatRate(d.candidateRate)}`] : []),
    ...(d.comparison ? [`  paired difference: ${d.comparison.difference >= 0 ? '+' : ''}${(100 * d.comparison.difference).toFixed(1)} pp [${(100 * d.comparison.low).toFixed(1)}, ${(100 * d.comparison.high).toFixed(1)}], ${d.comparison.gained} gained / ${d.comparison.lost} lost, McNemar p = ${d.comparison.pValue.toPrecision(3)}`] : []),
    `decision: ${d.promote ? 'PROMOTED' : 'kept the incumbent'} — ${d.reason}`,
    `files: ${where.dir}`,
    ...(where.report ? [`report: ${where.report}`] : []),
    `Temporal UI: ${where.ui}`,
  ];
  return `${lines.join('\n')}\n`;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('the main job (npm start): bring up the local stack, make sure the model and a DebugBench slice are there, run one self-improvement round through Temporal, report')
    .option('--quick', 'the same round on a handful of tasks (configs/quick.yaml): a smoke test, not a measurement')
    .option('--id <id>', 'experiment id: a rerun with the same id resumes it (default: main, or quick)')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: RunFlags) => {
      const { config, configFile } = mainJobConfig(flags);
      const id = flags.id ?? (flags.quick ? 'quick' : 'main');
      const startedAt = Date.now();
      const controller = new AbortController();
      let interrupted = false;
      const onSignal = (name: NodeJS.Signals) => {
        if (interrupted) process.exit(130);
        interrupted = true;
        say(`${name}: stopping the local stack; the round's history and files are kept, and \`npm start${flags.quick ? ' -- --quick' : ''}\` resumes experiment ${id} where it stopped`);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const stopStackAndExit = async (): Promise<never> => {
        const stopped = await stackDown(config);
        say(`stopped ${stopped.join(', ') || 'nothing'}`);
        process.exit(130);
      };
      try {
        say('1/5 local stack: Temporal dev server and one worker per role (inference, training, control)');
        const up = await stackUp({ config, configFile, entry: ENTRY, onStep: (m) => say(`    ${m}`) });
        say(`    Temporal ${up.address}, UI ${up.ui}`);
        say(`2/5 model: ${config.policy.model ?? config.models.default}`);
        const model = await ensureModel(config);
        say(`    ${model}`);
        if (config.experiment.tasks === null) {
          const { prepare } = config.experiment;
          say(`3/5 tasks: a slice of DebugBench, ${prepare.train} train + ${prepare.test} test tasks per language (${prepare.languages.join(', ')}; ${prepare.levels.join(', ')}), prepared once (tests from the oracle, hidden tests)`);
          config.experiment.tasks = await ensureTaskSlice(config, undefined, (line) => say(`    ${line}`), controller.signal);
        } else {
          say(`3/5 tasks: ${config.experiment.tasks}`);
          if (!existsSync(config.experiment.tasks)) throw new UsageError(`experiment.tasks ${config.experiment.tasks}: no such file. HINT: codeq data prepare writes one, or set experiment.tasks to null`);
        }
        await withTemporalClient(config.temporal, async (client) => {
          const { handle, attached, dir } = await startExperiment(client, config, { id, rounds: 1 });
          const status = (await handle.describe()).status.name;
          if (!['RUNNING', 'COMPLETED', 'CONTINUED_AS_NEW'].includes(status)) {
            throw new UsageError(`experiment ${id} ended ${status.toLowerCase().replace(/_/g, ' ')} (see its workflow ${handle.workflowId} in the Temporal UI). HINT: start another with --id NAME`);
          }
          say(`4/5 round: ${attached ? 'resuming' : 'started'} experiment ${id} (workflow ${handle.workflowId}); files ${dir}`);
          const tty = process.stderr.isTTY;
          const block = tty ? new TtyBlock(process.stderr) : null;
          let lastLogged = '';
          let final: ExperimentState | null = null;
          let failure: Error | null = null;
          const result = handle.result().then(
            (s) => void (final = s),
            (error: Error) => void (failure = error),
          );
          while (!final && !failure && !controller.signal.aborted) {
            await Promise.race([result, new Promise((r) => setTimeout(r, tty ? 1000 : 2000))]);
            const described = await describeExperiment(client, id).catch(() => null);
            if (!described) continue;
            const lines = liveLines({ ...described, startedAt });
            if (block) block.draw(lines);
            else if (lines[1] !== lastLogged) say((lastLogged = lines[1]!).trim());
          }
          block?.done();
          // Stopped while following the round: stop the stack and leave before the client's
          // connection closes under a pending result poll (which would throw from a timer).
          if (controller.signal.aborted) await stopStackAndExit();
          if (failure) throw new UsageError(`experiment ${id} failed: ${(failure as Error).cause instanceof Error ? ((failure as Error).cause as Error).message : (failure as Error).message}. HINT: the Temporal UI shows the failed activity; start another with --id NAME`);
          const state = final as ExperimentState | null;
          const round = state?.results.at(-1);
          if (!state || !round) throw new UsageError(`experiment ${id} ended without a finished round (status ${state?.status ?? 'unknown'}). HINT: codeq experiment status ${id}; start a fresh one with --id`);
          say('5/5 report: markdown, a static HTML page and plots from the round\'s files');
          const roundUrl = (n: number) => workflowUrl(up.ui, config.temporal.namespace, roundWorkflowId(id, n));
          const report = await writeExperimentReport(readExperiment(dir, id), { roundUrl });
          process.stdout.write(formatSummary(round, { dir, report: `${report.html} (codeq report --experiment ${id} --serve)`, ui: roundUrl(round.round) }));
        });
      } catch (error) {
        // An interrupted step (a slice half prepared, a server starting) is not an error: it resumes.
        if (!interrupted) throw error;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (interrupted) await stopStackAndExit();
      }
    });
}
