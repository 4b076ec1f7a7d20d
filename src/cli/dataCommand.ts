import type { Command } from 'commander';
import { BACKENDS, LANGUAGES, type Language } from '../sandbox/types.js';
import { prepareDataset } from '../tasks/prepare/prepareDataset.js';
import { integer, nonNegativeInteger, oneOf, positiveInteger, requireDebugBench, requireOutputDir, UsageError } from './options.js';
import { openTaskRun, type TaskFlags } from './taskRun.js';

interface PrepareFlags extends TaskFlags {
  debugbench?: string;
  out: string;
  languages?: string;
  force?: boolean;
}

function languagesOption(value: string | undefined): Language[] {
  if (!value) return [...LANGUAGES];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(LANGUAGES as readonly string[]).includes(name)) throw new UsageError(`--languages: unknown language ${JSON.stringify(name)}. HINT: use a comma-separated subset of ${LANGUAGES.join(', ')}`);
  }
  return names as Language[];
}

export function registerDataCommand(program: Command): void {
  const data = program.command('data').description('turn DebugBench into tasks with visible and hidden tests');
  data
    .command('prepare')
    .description('prepare every DebugBench record: tests from the oracle, hidden tests, stats (resumable)')
    .option('--debugbench <dir>', 'DebugBench shards (default: $CODEQ_DEBUGBENCH or ../shared/debugbench)')
    .requiredOption('--out <dir>', 'output directory: tasks.jsonl, dropped.jsonl, stats.json, chunks/')
    .option('--languages <list>', `comma-separated subset of ${LANGUAGES.join(',')}`)
    .option('--hidden <n>', 'hidden tests per task (default: from config)', nonNegativeInteger)
    .option('--seed <n>', 'seed of the hidden tests (default: from config)', integer)
    .option('--concurrency <n>', 'tasks verified at once (default: from config)', positiveInteger)
    .option('--backend <backend>', `sandbox backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--force', 'start over when --out was prepared with other settings')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .addHelpText('after', '\nExample: codeq data prepare --out data/debugbench --languages python3 --hidden 20')
    .action(async (flags: PrepareFlags) => {
      const languages = languagesOption(flags.languages);
      let debugbench = '';
      const { tasks, sandbox } = await openTaskRun(flags, (config) => {
        debugbench = requireDebugBench(flags.debugbench, config.tasks.debugbench);
        requireOutputDir('--out', flags.out);
      });
      try {
        const stats = await prepareDataset(sandbox, {
          debugbench,
          out: flags.out,
          languages,
          config: tasks,
          force: Boolean(flags.force),
        });
        for (const [language, s] of Object.entries(stats.languages)) {
          process.stdout.write(
            `${language}: ${s.testable}/${s.tasks} tasks testable (${(100 * s.testableRate).toFixed(1)}%; ${(100 * s.testableRateOfRecords).toFixed(1)}% of ${s.records} records), ` +
              `${s.visibleTests} visible + ${s.hiddenTests} hidden tests, ${s.buggyPassesAll} buggy-already-passes dropped\n`,
          );
        }
        process.stdout.write(`wrote ${flags.out}/tasks.jsonl, dropped.jsonl, stats.json in ${stats.seconds} s\n`);
      } finally {
        await sandbox.dispose();
      }
    });
}
