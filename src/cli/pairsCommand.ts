import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';
import { PAIR_SOURCES } from '../config/schema.js';
import { extractPairs, TestSplitError, type PairsSummary } from '../preferences/extractPairs.js';
import { readTrajectoryRecords, trajectoryFiles } from '../search/shards.js';
import type { Trajectory } from '../search/trajectory.js';
import { commandConfig, fraction, listOf, UsageError } from './options.js';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The line every summary of pairs from test-split tasks carries. */
export function testSplitNotice(summary: Pick<PairsSummary, 'testSplit'>): string | null {
  const { allowed, trajectories, pairs } = summary.testSplit;
  return allowed && trajectories > 0 ? `TEST SPLIT: ${pairs} pairs from ${trajectories} test-split trajectories (--allow-test-split); a model trained on them cannot be evaluated on the test split` : null;
}

export function registerPairsCommand(program: Command): void {
  program
    .command('pairs')
    .description('turn search trees into DPO preference pairs (siblings whose visible-test reward and blended Q differ), deduplicated')
    .requiredOption('--trajectories <dir>', 'a directory written by codeq collect (more than one: comma-separated)')
    .requiredOption('--out <file>', 'pairs JSONL (prompt/chosen/rejected + meta); a summary goes to <file>.summary.json')
    .option('--threshold <q>', 'least Q gap (default: pairs.threshold)', fraction)
    .option('--sources <list>', `modes whose trees give pairs: ${PAIR_SOURCES.join(',')} (default: pairs.sources)`, listOf(PAIR_SOURCES))
    .option('--allow-test-split', 'also take trees of test-split tasks (refused otherwise: they are evaluation data); every summary says so')
    .option('--json', 'print the summary as JSON')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: { trajectories: string; out: string; threshold?: number; sources?: (typeof PAIR_SOURCES)[number][]; allowTestSplit?: boolean; json?: boolean; config?: string }) => {
      const config = commandConfig(flags).pairs;
      if (flags.threshold !== undefined) config.threshold = flags.threshold;
      if (flags.sources) config.sources = flags.sources;
      const dirs = flags.trajectories.split(',');
      for (const dir of dirs) {
        if (!existsSync(dir)) throw new UsageError(`--trajectories ${dir}: no such directory. HINT: codeq collect --out ${dir} writes one`);
        if (trajectoryFiles(dir).length === 0) throw new UsageError(`--trajectories ${dir}: no shard-*.jsonl in it. HINT: codeq collect --out ${dir} writes them`);
      }
      let firstTestSplit: string | null = null;
      function* all(): Generator<Trajectory> {
        for (const dir of dirs) {
          for (const { trajectory, file, line } of readTrajectoryRecords(dir)) {
            if (trajectory.split === 'test' && config.sources.includes(trajectory.mode)) firstTestSplit ??= `${file}:${line}`;
            yield trajectory;
          }
        }
      }
      let extracted;
      try {
        extracted = await extractPairs(all(), config, { allowTestSplit: flags.allowTestSplit ?? false });
      } catch (error) {
        if (!(error instanceof TestSplitError)) throw error;
        throw new UsageError(
          `--trajectories ${firstTestSplit ?? flags.trajectories}: ${error.trajectories} trajectories of test-split tasks (${config.sources.join(',')} trees); pairs from them would train on evaluation data. HINT: collect with --split train, or pass --allow-test-split`,
        );
      }
      const { pairs, summary } = extracted;
      await writeFileAtomic(flags.out, pairs.map((p) => `${JSON.stringify(p)}\n`).join(''));
      const summaryFile = `${flags.out.replace(/\.jsonl$/, '')}.summary.json`;
      await writeFileAtomic(summaryFile, `${JSON.stringify({ ...summary, threshold: config.threshold, sources: config.sources }, null, 2)}\n`);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const depths = Object.entries(summary.byDepth).map(([d, n]) => `depth ${d}: ${n}`).join(', ') || '-';
      const notice = testSplitNotice(summary);
      process.stdout.write(
        [
          ...(notice ? [notice] : []),
          `${summary.pairs} pairs from ${summary.trajectories} trajectories (${summary.skippedBySource} skipped: mode not in ${config.sources.join(',')})`,
          `  extracted ${summary.extracted}; duplicates removed ${summary.semanticDuplicates} (${percent(summary.semanticDuplicateRate)}: same prompt and programs up to comments and formatting), ` +
            `of which exact ${summary.exactDuplicates} (${percent(summary.exactDuplicateRate)})`,
          `  dropped: same program twice ${summary.samePrograms}, chosen side overfits (visible pass, hidden fail) ${summary.overfitChosen}`,
          `  per task: ${summary.perTask.mean.toFixed(2)} mean, ${summary.perTask.max} max, ${summary.perTask.tasksWithPairs}/${summary.perTask.tasks} tasks with pairs`,
          `  by depth: ${depths}`,
          `  by source: ${Object.entries(summary.bySource).map(([s, n]) => `${s} ${n}`).join(', ') || '-'}`,
          `  by split: ${Object.entries(summary.bySplit).map(([s, n]) => `${s} ${n}`).join(', ') || '-'}`,
          `wrote ${flags.out} and ${summaryFile}`,
          '',
        ].join('\n'),
      );
    });
}
