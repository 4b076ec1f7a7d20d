import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';
import { env } from '../config/env.js';
import { debugbenchDir } from '../config/paths.js';
import type { CodeqConfig } from '../config/schema.js';

/** Commander parsers that reject bad values with the option, the value and what is expected. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number <= 0) {
    throw new InvalidArgumentError(`expected a positive whole number, got ${JSON.stringify(value)}`);
  }
  return number;
}

export function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
}

/** Reads a text file named by an option, failing with the option name and the path. */
export function readInputFile(option: string, path: string): string {
  requireInputFile(option, path);
  return readFileSync(path, 'utf8');
}

/** Fails unless `path` (given to `option`) is an existing regular file; `hint` says where one comes from. */
export function requireInputFile(option: string, path: string, hint = 'check the path'): void {
  if (!existsSync(path)) throw new UsageError(`${option} ${path}: no such file. HINT: ${hint}`);
  if (!statSync(path).isFile()) throw new UsageError(`${option} ${path}: not a regular file. HINT: ${hint}`);
}

/** Fails if `path` (given to `option`) exists and is not a directory: nothing could be written in it. */
export function requireOutputDir(option: string, path: string): void {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`${option} ${path}: exists and is not a directory. HINT: give a new or existing directory`);
}

/** Fails if `path` (given to `option`) is a directory, or its parent is a file: no file could be written there. */
export function requireOutputFile(option: string, path: string): void {
  if (existsSync(path) && statSync(path).isDirectory()) throw new UsageError(`${option} ${path}: is a directory. HINT: give a file path`);
  const parent = dirname(resolve(path));
  if (existsSync(parent) && !statSync(parent).isDirectory()) throw new UsageError(`${option} ${path}: ${parent} is a file, not a directory. HINT: give a path in a directory`);
}

/**
 * The DebugBench directory a command reads (--debugbench, else the config's tasks.debugbench, else
 * $CODEQ_DEBUGBENCH or ../shared/debugbench); it must exist before any work starts.
 */
export function requireDebugBench(flag: string | undefined, configured: string | null): string {
  const dir = debugbenchDir(flag ?? configured);
  if (existsSync(dir) && statSync(dir).isDirectory()) return dir;
  const given = flag !== undefined ? `--debugbench ${flag}` : `DebugBench directory ${dir}`;
  throw new UsageError(`${given} does not exist. HINT: pass --debugbench DIR (the DebugBench shards, <language>_<bug type>.json) or set CODEQ_DEBUGBENCH`);
}

/** A mistake in how codeq was called: printed without a stack trace, exit status 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The config for a command: --config, else $CODEQ_CONFIG, else the embedded defaults. */
export function commandConfig(options: { config?: string }): CodeqConfig {
  return loadConfig(options.config ?? env.configFile);
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`expected a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`expected a number ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`expected a number in [0, 1], got ${JSON.stringify(value)}`);
  return n;
}

/** A comma-separated list whose items are each one of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T[] => value.split(',').map((item) => oneOf(allowed)(item.trim()));
}
