import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/load.js';
import { GgufError } from '../models/gguf/types.js';
import { ModelError } from '../models/pull.js';
import { PolicyError } from '../policy/policy.js';
import { SandboxError } from '../sandbox/types.js';
import { CollectError } from '../search/collect.js';
import { TrajectoryError } from '../search/trajectory.js';
import { TaskFileError } from '../tasks/taskFile.js';
import { NativeError } from '../training/nativeLibrary.js';
import { PairsFileError } from '../training/pairsFile.js';
import { TrainRunError } from '../training/trainRun.js';
import { ExperimentError } from '../experiments/start.js';
import { EvalError } from '../evaluation/runEvaluation.js';
import { EvalResultsError } from '../evaluation/resultsFile.js';
import { ReportError } from '../report/experimentData.js';
import { TemporalSetupError } from '../temporal/connection.js';
import { registerConfigCommand } from './configCommand.js';
import { registerDataCommand } from './dataCommand.js';
import { registerDemoCommand } from './demoCommand.js';
import { registerEvalCommand } from './evalCommand.js';
import { registerExperimentCommand } from './experimentCommand.js';
import { registerScheduleCommand } from './scheduleCommand.js';
import { registerStackCommands } from './stackCommand.js';
import { registerModelCommand } from './modelCommand.js';
import { registerRepairCommand } from './repairCommand.js';
import { registerReportCommand } from './reportCommand.js';
import { registerRunCommand } from './runCommand.js';
import { commanderLine, commandPath, errorLine, isCommanderExit, isPathError } from './errors.js';
import { UsageError } from './options.js';
import { registerPairsCommand } from './pairsCommand.js';
import { registerSandboxCommand } from './sandboxCommand.js';
import { registerSearchCommands } from './searchCommand.js';
import { registerTrainCommand } from './trainCommand.js';
import { registerVerifyCommand } from './verifyCommand.js';

// `codeq ... | head`: a reader that closes the pipe ends codeq quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

const program = new Command('codeq')
  .description('Teach a code model to fix bugs by itself: search, sandboxed tests, DPO, evaluation.')
  // Commander's own errors are printed below, as one line with a HINT like every other error.
  .configureOutput({ outputError: () => {} })
  .exitOverride();

registerSandboxCommand(program);
registerDataCommand(program);
registerVerifyCommand(program);
registerModelCommand(program);
registerRepairCommand(program);
registerSearchCommands(program);
registerEvalCommand(program);
registerReportCommand(program);
registerPairsCommand(program);
registerTrainCommand(program);
registerConfigCommand(program);
registerDemoCommand(program);
registerRunCommand(program);
registerStackCommands(program);
registerExperimentCommand(program);
registerScheduleCommand(program);

/**
 * Errors that explain themselves: printed as one line with a HINT (errorLine), no stack trace. So
 * are messages that carry a HINT of their own, and system errors on a path (EEXIST, ENOTDIR...).
 */
const EXPECTED_ERRORS = [UsageError, ConfigError, SandboxError, GgufError, ModelError, PolicyError, CollectError, TrajectoryError, TaskFileError, NativeError, PairsFileError, TrainRunError, ExperimentError, TemporalSetupError, EvalError, EvalResultsError, ReportError];
const isExpected = (error: unknown): error is Error =>
  EXPECTED_ERRORS.some((kind) => error instanceof kind) || (error instanceof Error && error.message.includes('HINT:')) || isPathError(error);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const path = commandPath(program, process.argv.slice(2));
  if (error instanceof CommanderError) {
    if (!isCommanderExit(error)) process.stderr.write(`codeq: ${commanderLine(error, path)}\n`);
    process.exitCode = error.exitCode;
  } else if (isExpected(error)) {
    process.stderr.write(`codeq: ${errorLine(error, path)}\n`);
    process.exitCode = error instanceof SandboxError ? 2 : 1;
  } else {
    throw error;
  }
}
