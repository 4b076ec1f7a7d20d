import type { TasksConfig } from '../../config/schema.js';

/** A candidate's time limit: a multiple of the oracle's time, never below the configured floor. */
export function candidateTimeoutMs(oracleMs: number, config: TasksConfig): number {
  return Math.max(config.verify.minTimeoutMs, Math.ceil(config.verify.timeoutFactor * oracleMs));
}

/** Time and output limits for a candidate run over cases the oracle answered in `oracleMs`. */
export function candidateLimits(oracleMs: number, config: TasksConfig) {
  return { timeoutMs: candidateTimeoutMs(oracleMs, config), outputKb: config.verify.outputKb };
}

/** Limits of an oracle run (generous: its answers are being collected, not judged). */
export function oracleLimits(config: TasksConfig) {
  return { timeoutMs: config.verify.oracleTimeoutMs, outputKb: config.verify.outputKb };
}
