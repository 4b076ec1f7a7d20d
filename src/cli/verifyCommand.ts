import { existsSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { BACKENDS } from '../sandbox/types.js';
import { verifyFile } from '../verify/verifyRecords.js';
import { integer, nonNegativeInteger, oneOf, positiveInteger, requireInputFile, UsageError } from './options.js';
import { openTaskRun, type TaskFlags } from './taskRun.js';

interface VerifyFlags extends TaskFlags {
  input: string;
  output: string;
}

export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description("score candidate fixes with codeq's verifier: tests from each record's oracle, visible and hidden")
    .requiredOption('--input <file>', 'JSONL: language, slug, examples, oracle_code, candidate_code (constraints, description optional)')
    .requiredOption('--output <file>', 'JSONL: per input line, its identifying fields plus verdict, visible, hidden, first_failure')
    .option('--hidden <n>', 'hidden tests per record (default: from config)', nonNegativeInteger)
    .option('--seed <n>', 'seed of the hidden tests (default: from config)', integer)
    .option('--concurrency <n>', 'records verified at once (default: from config)', positiveInteger)
    .option('--backend <backend>', `sandbox backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .addHelpText(
      'after',
      '\nVerdicts: pass | wrong_answer | compile_error | runtime_error | timeout | memory | untestable.\n' +
        'Invalid lines are reported (stderr, and an "error" field in their output line) and do not stop the run.\n' +
        'Example: codeq verify --input fixes.jsonl --output verdicts.jsonl --hidden 20',
    )
    .action(async (flags: VerifyFlags) => {
      const { tasks, sandbox } = await openTaskRun(flags, () => {
        requireInputFile('--input', flags.input, 'give a JSONL file of candidate fixes (codeq verify --help lists its fields)');
        if (existsSync(flags.output) && statSync(flags.output).isDirectory()) throw new UsageError(`--output ${flags.output}: is a directory. HINT: give a file path for the verdicts JSONL`);
      });
      try {
        const summary = await verifyFile(flags.input, flags.output, sandbox, tasks);
        const counts = Object.entries(summary.verdicts).map(([v, n]) => `${v} ${n}`).join(', ');
        process.stdout.write(`${summary.lines} lines: ${counts || 'no verdicts'}${summary.invalid ? `; ${summary.invalid} invalid` : ''}\n`);
        if (summary.invalid > 0) process.exitCode = 3;
      } finally {
        await sandbox.dispose();
      }
    });
}
