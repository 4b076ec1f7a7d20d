import { existsSync, readFileSync, statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/load.js';
import { env } from '../config/env.js';
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
  if (!existsSync(path)) throw new UsageError(`${option} ${path}: no such file`);
  if (!statSync(path).isFile()) throw new UsageError(`${option} ${path}: not a regular file`);
  return readFileSync(path, 'utf8');
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
