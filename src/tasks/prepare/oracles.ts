import type { TasksConfig } from '../../config/schema.js';
import type { Language, Sandbox } from '../../sandbox/types.js';
import { acceptable, type CompareOptions } from '../../verify/compare.js';
import { runCases } from '../../verify/runCases.js';
import { VerifySandboxError } from '../../verify/verifyProgram.js';
import { parseExample } from '../examples.js';
import { deriveSpec } from '../harness/deriveSpec.js';
import { driverProgram } from '../harness/index.js';
import type { CaseInput, DriverProgram, TestCase, TestSpec } from '../harness/spec.js';
import type { Value } from '../literal.js';
import { oracleLimits } from './limits.js';

/** A correct solution ready to run: how to call it and the driver around it. */
export interface OracleProgram {
  language: Language;
  spec: TestSpec;
  program: DriverProgram;
}

/**
 * Another correct solution of the same problem, written independently (another DebugBench record
 * of the slug: often another language). Where two correct solutions answer an input differently,
 * the input breaks a promise of the statement that the generator could not read.
 */
export interface PeerOracle {
  language: Language;
  oracleCode: string;
  examples: string[];
}

/** The oracle's answers on `inputs` (undefined where it gave none: it failed from there on). */
export async function answers(
  sandbox: Sandbox,
  oracle: OracleProgram,
  inputs: CaseInput[],
  config: TasksConfig,
  signal?: AbortSignal,
  seed = 0,
): Promise<{ outputs: (Value | undefined)[]; ms: number; passed: boolean; why: string }> {
  const run = await runCases(sandbox, oracle.spec, oracle.program, inputs, oracleLimits(config), signal, seed);
  if (run.result.verdict === 'sandbox_error') throw new VerifySandboxError(run.result);
  const why = `${run.result.verdict}: ${run.result.message || run.result.stderr.slice(-300)}`;
  return { outputs: run.outputs, ms: run.result.durationMs, passed: run.result.verdict === 'pass', why };
}

/**
 * Whether the oracle's answer on `input` is one the problem's checker accepts (always, without a
 * checker): an answer it rejects means the input is outside the problem's contract.
 */
export function withinContract(input: CaseInput, answer: Value, compare: CompareOptions): boolean {
  return compare.checker === undefined || acceptable(answer, answer, compare, input);
}

/** Whether `outputs` give each case's expected answer (or one it also accepts). */
export function agreeing(outputs: (Value | undefined)[], cases: TestCase[], compare: CompareOptions): boolean[] {
  return cases.map((c, i) => {
    const actual = outputs[i];
    return actual !== undefined && [c.expected, ...(c.alsoAccepted ?? [])].some((e) => acceptable(actual, e, compare, c.input));
  });
}

/**
 * The peers that can vouch for inputs: they take the same call (or class) and agree with the
 * oracle on every visible test. A peer that disagrees on the examples answers another question
 * (a different output form, an older version of the problem) and is not used.
 */
export async function usablePeers(
  slug: string,
  spec: TestSpec,
  peers: PeerOracle[],
  visible: TestCase[],
  compare: CompareOptions,
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
): Promise<OracleProgram[]> {
  const usable: OracleProgram[] = [];
  for (const peer of peers) {
    let oracle: OracleProgram;
    try {
      const derived = deriveSpec(peer.language, peer.oracleCode, peer.examples.map(parseExample), slug);
      if (!sameShape(spec, derived.spec)) continue;
      oracle = { language: peer.language, spec: derived.spec, program: driverProgram(derived.spec, peer.oracleCode) };
    } catch {
      continue; // a peer whose call cannot be derived or driven is no witness
    }
    const run = await answers(sandbox, oracle, visible.map((c) => c.input), config, signal);
    if (run.passed && agreeing(run.outputs, visible, compare).every(Boolean)) usable.push(oracle);
  }
  return usable;
}

function sameShape(a: TestSpec, b: TestSpec): boolean {
  if (a.mode === 'call' && b.mode === 'call') return a.params.length === b.params.length;
  if (a.mode === 'design' && b.mode === 'design') return a.className === b.className && a.methods.every((m) => b.methods.some((n) => n.name === m.name));
  return false;
}
