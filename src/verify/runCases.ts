import { randomBytes } from 'node:crypto';
import type { ResourceLimits } from '../config/schema.js';
import type { Sandbox, SandboxResult } from '../sandbox/types.js';
import { CASES_FILE, type CaseInput, type DriverProgram, type TestSpec } from '../tasks/harness/spec.js';
import { formatValue, parseValue, type Value } from '../tasks/literal.js';

export interface CasesRun {
  /** One entry per case: the printed result, or undefined when the program never printed one. */
  outputs: (Value | undefined)[];
  /** The sandbox result, with the driver's result lines removed from stdout. */
  result: SandboxResult;
}

/**
 * Runs a driver program once on all cases (one process: one compile, one start-up). Results are
 * read from lines tagged with a per-run nonce, so whatever the program itself prints is ignored.
 * A fixed seed makes a program that draws random numbers answer the same way on every run; the
 * oracle is run under two seeds to find problems whose answer is random by design.
 */
export async function runCases(
  sandbox: Sandbox,
  spec: TestSpec,
  program: DriverProgram,
  inputs: CaseInput[],
  limits?: Partial<ResourceLimits>,
  signal?: AbortSignal,
  /** Drivers seed the language's random generator with seed + case index (Python's random, C's rand). */
  seed = 0,
): Promise<CasesRun> {
  const nonce = randomBytes(8).toString('hex');
  const encode = (input: CaseInput) =>
    Array.isArray(input) ? formatValue(input) : `{"calls":${JSON.stringify(input.calls)},"args":${formatValue(input.args)}}`;
  const cases = `{"nonce":"${nonce}","seed":${seed},"cases":[${inputs.map(encode).join(',')}]}`;
  const result = await sandbox.run({
    language: spec.language,
    source: program.source,
    files: { ...program.files, [CASES_FILE]: cases },
    limits,
    signal,
  });
  const outputs: (Value | undefined)[] = inputs.map(() => undefined);
  const marker = new RegExp(`@@codeq ${nonce} (\\d+) (.*)$`);
  const kept: string[] = [];
  // Only lines a newline ends are whole: output cut at the limit must not pass for a result.
  // (The piece after the last newline is '' when stdout ends with one, else the cut line.)
  const lines = result.stdout.split('\n');
  const unfinished = lines.pop()!;
  for (const line of lines) {
    const match = marker.exec(line);
    if (!match) {
      kept.push(line);
      continue;
    }
    const before = line.slice(0, match.index);
    if (before) kept.push(before);
    const index = Number(match[1]);
    try {
      if (index < outputs.length) outputs[index] = parseValue(match[2]!);
    } catch {
      // An unparsable result counts as no result.
    }
  }
  if (unfinished) kept.push(unfinished);
  return { outputs, result: { ...result, stdout: kept.join('\n') } };
}
