import type { Command } from 'commander';
import { resolveCacheDir } from '../config/env.js';
import { connectDocker } from '../sandbox/backends/docker/daemon.js';
import { ensureRunnerImage } from '../sandbox/backends/docker/image.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import { BACKENDS, LANGUAGES, type BackendName, type Language, type SandboxResult } from '../sandbox/types.js';
import { commandConfig, oneOf, positiveInteger, readInputFile } from './options.js';

interface RunOptions {
  language: Language;
  file: string;
  stdin?: string;
  expected?: string;
  backend?: BackendName;
  timeoutMs?: number;
  memoryMb?: number;
  json?: boolean;
  config?: string;
}

export function registerSandboxCommand(program: Command): void {
  const sandbox = program.command('sandbox').description('run untrusted programs in isolation (docker or bwrap)');

  sandbox
    .command('run')
    .description('compile and run one program in the sandbox and print its result')
    .requiredOption('--language <language>', `program language: ${LANGUAGES.join(', ')}`, oneOf(LANGUAGES))
    .requiredOption('--file <path>', 'the program source file')
    .option('--stdin <path>', 'file delivered to the program as standard input')
    .option('--expected <path>', 'expected stdout; a mismatch is a wrong_answer verdict')
    .option('--backend <backend>', `sandbox backend: ${BACKENDS.join(', ')} (default: from config)`, oneOf(BACKENDS))
    .option('--timeout-ms <n>', 'wall-clock limit in milliseconds', positiveInteger)
    .option('--memory-mb <n>', 'memory limit in MiB', positiveInteger)
    .option('--json', 'print the result as one JSON object')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .addHelpText(
      'after',
      '\nExit status: 0 when the program got a verdict (whatever it is), 2 on a sandbox_error.\n' +
        'Example: codeq sandbox run --language python3 --file prog.py --stdin in.txt --json',
    )
    .action(async (options: RunOptions) => {
      const source = readInputFile('--file', options.file);
      const stdin = options.stdin === undefined ? undefined : readInputFile('--stdin', options.stdin);
      const expected = options.expected === undefined ? undefined : readInputFile('--expected', options.expected);
      const config = commandConfig(options);
      const sandbox = await createSandbox(config, options.backend);
      try {
        const limits = {
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.memoryMb ? { memoryMb: options.memoryMb } : {}),
        };
        const result = await sandbox.run({ language: options.language, source, stdin, expectedStdout: expected, limits });
        process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatResult(result));
        if (result.verdict === 'sandbox_error') process.exitCode = 2;
      } finally {
        await sandbox.dispose();
      }
    });

  sandbox
    .command('build-image')
    .description('build the docker runner image from a debootstrap rootfs (no registry), starting dockerd if needed')
    .option('--config <file>', 'config file overlaying configs/default.yaml')
    .action(async (options: { config?: string }) => {
      const config = commandConfig(options);
      const cacheDir = resolveCacheDir(config.cacheDir);
      const docker = await connectDocker(config.sandbox.docker, cacheDir);
      const tag = await ensureRunnerImage(docker, config.sandbox.docker, cacheDir);
      process.stdout.write(`${tag}\n`);
    });
}

function formatResult(result: SandboxResult): string {
  const lines = [
    `verdict: ${result.verdict}  (${result.backend}, ${result.durationMs} ms` +
      `${result.compile ? `, compile ${result.compile.cached ? 'cached' : `${result.compile.durationMs} ms`}` : ''})`,
  ];
  if (result.message) lines.push(result.message);
  if (result.stdout) lines.push('--- stdout ---', result.stdout.replace(/\n$/, ''));
  if (result.stderr && result.verdict !== 'compile_error') lines.push('--- stderr ---', result.stderr.replace(/\n$/, ''));
  if (result.outputTruncated) lines.push('[output truncated]');
  return `${lines.join('\n')}\n`;
}
