import type { Command } from 'commander';
import { createSandbox } from '../sandbox/createSandbox.js';
import { SELF_CHECK_CASES } from '../sandbox/selfCheck.js';
import { BACKENDS, type BackendName, type Sandbox, type SandboxResult } from '../sandbox/types.js';
import { log } from '../util/log.js';
import { commandConfig, oneOf } from './options.js';

/**
 * What `npm start` runs until a full self-improvement round exists: the sandbox, the slice of the
 * round that exists today, judging known programs in every language on every backend.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job so far: judge known-verdict programs in python3, cpp and java on each sandbox backend')
    .option('--backend <backend>', `only this backend: ${BACKENDS.join(', ')}`, oneOf(BACKENDS))
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (options: { backend?: BackendName; config?: string }) => {
      const config = commandConfig(options);
      const backends = options.backend ? [options.backend] : [...BACKENDS];
      process.stdout.write(
        'codeq demo: the self-improvement round is not built yet; this runs the sandbox slice that exists.\n\n',
      );
      const results = new Map<BackendName, SandboxResult[]>();
      for (const backend of backends) {
        const sandbox: Sandbox = await createSandbox(config, backend);
        try {
          const runs: SandboxResult[] = [];
          for (const [index, check] of SELF_CHECK_CASES.entries()) {
            log.info(`${backend} ${index + 1}/${SELF_CHECK_CASES.length}: ${check.language} ${check.name}`);
            runs.push(await sandbox.run({ ...check, limits: check.limits }));
          }
          results.set(backend, runs);
        } finally {
          await sandbox.dispose();
        }
      }
      let mismatches = 0;
      const header = ['language', 'program', 'expected', ...backends.map((b) => `${b} (ms)`)];
      const rows = SELF_CHECK_CASES.map((check, index) => [
        check.language,
        check.name,
        check.expect,
        ...backends.map((backend) => {
          const result = results.get(backend)?.[index];
          if (!result) return '-';
          if (result.verdict !== check.expect) mismatches++;
          return `${result.verdict === check.expect ? '' : '✗ '}${result.verdict} (${result.durationMs})`;
        }),
      ]);
      process.stdout.write(`${table([header, ...rows])}\n`);
      process.stdout.write(mismatches === 0 ? '\nevery verdict as expected\n' : `\n${mismatches} unexpected verdicts\n`);
      if (mismatches > 0) process.exitCode = 1;
    });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
