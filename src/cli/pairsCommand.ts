import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';
import { PAIR_SOURCES } from '../config/schema.js';
import { extractPairs } from '../preferences/pairs.js';
import { readTrajectories, trajectoryFiles } from '../search/shards.js';
import { commandConfig, fraction, listOf, UsageError } from './options.js';

export function registerPairsCommand(program: Command): void {
  program
    .command('pairs')
    .description('turn search trees into DPO preference pairs (siblings with a blended-Q gap), deduplicated')
    .requiredOption('--trajectories <dir>', 'a directory written by codeq collect (more than one: comma-separated)')
    .requiredOption('--out <file>', 'pairs JSONL (prompt/chosen/rejected + meta); a summary goes to <file>.summary.json')
    .option('--threshold <q>', 'least Q gap (default: pairs.threshold)', fraction)
    .option('--sources <list>', `modes whose trees give pairs: ${PAIR_SOURCES.join(',')} (default: pairs.sources)`, listOf(PAIR_SOURCES))
    .option('--json', 'print the summary as JSON')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (flags: { trajectories: string; out: string; threshold?: number; sources?: (typeof PAIR_SOURCES)[number][]; json?: boolean; config?: string }) => {
      const config = commandConfig(flags).pairs;
      if (flags.threshold !== undefined) config.threshold = flags.threshold;
      if (flags.sources) config.sources = flags.sources;
      const dirs = flags.trajectories.split(',');
      for (const dir of dirs) {
        if (!existsSync(dir)) throw new UsageError(`--trajectories ${dir}: no such directory`);
        if (trajectoryFiles(dir).length === 0) throw new UsageError(`--trajectories ${dir}: no shard-*.jsonl in it. HINT: codeq collect --out ${dir} writes them`);
      }
      function* all() {
        for (const dir of dirs) yield* readTrajectories(dir);
      }
      const { pairs, summary } = extractPairs(all(), config);
      await writeFileAtomic(flags.out, pairs.map((p) => `${JSON.stringify(p)}\n`).join(''));
      const summaryFile = `${flags.out.replace(/\.jsonl$/, '')}.summary.json`;
      await writeFileAtomic(summaryFile, `${JSON.stringify({ ...summary, threshold: config.threshold, sources: config.sources }, null, 2)}\n`);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const depths = Object.entries(summary.byDepth).map(([d, n]) => `depth ${d}: ${n}`).join(', ') || '-';
      process.stdout.write(
        [
          `${summary.pairs} pairs from ${summary.trajectories} trajectories (${summary.skippedBySource} skipped: mode not in ${config.sources.join(',')})`,
          `  extracted ${summary.extracted}, duplicates removed ${summary.duplicates} (${(summary.duplicateRate * 100).toFixed(1)}%), same-program pairs dropped ${summary.samePrograms}`,
          `  per task: ${summary.perTask.mean.toFixed(2)} mean, ${summary.perTask.max} max, ${summary.perTask.tasksWithPairs}/${summary.perTask.tasks} tasks with pairs`,
          `  by depth: ${depths}`,
          `  by source: ${Object.entries(summary.bySource).map(([s, n]) => `${s} ${n}`).join(', ') || '-'}`,
          `wrote ${flags.out} and ${summaryFile}`,
          '',
        ].join('\n'),
      );
    });
}
