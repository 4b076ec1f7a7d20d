import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { CONFIG_SCHEMAS, type CodeqConfig, type ConfigKind, type TrainConfig } from './schema.js';

/** The repository's configs/ folder (works from src/ under tsx and from dist/ after a build). */
export const CONFIGS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'configs');
export const DEFAULT_CONFIG_FILE = join(CONFIGS_DIR, 'default.yaml');

/** A config that failed to read, parse or validate; `problems` has one line per issue. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads one YAML file into plain data; syntax errors name the file, line and column. */
export function readYamlFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(file, [
      code === 'ENOENT' ? 'file not found: check the path' : `cannot read: ${(error as Error).message}`,
    ]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`),
    );
  }
  return (doc.toJS() ?? {}) as Json;
}

/** Overlay `override` on `base`: objects merge key by key, everything else replaces. */
export function deepMerge(base: Json, override: Json): Json {
  if (!isObject(base) || !isObject(override)) return override;
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = key in base ? deepMerge(base[key] as Json, value) : value;
  }
  return merged;
}

function valueAt(data: unknown, path: PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = data;
  for (const key of path) {
    if (!isObject(current) && !Array.isArray(current)) return { found: false, value: undefined };
    const container = current as Record<PropertyKey, unknown>;
    if (!(key in container)) return { found: false, value: undefined };
    current = container[key];
  }
  return { found: true, value: current };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function formatPath(path: PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** One readable line per zod issue: key path, what was expected, what was found. */
export function formatIssues(issues: z.core.$ZodIssue[], data: unknown): string[] {
  return issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${where}: unknown key ${keys}; remove it or fix its spelling`;
    }
    const { value } = valueAt(data, issue.path);
    const found = describeValue(value);
    if (issue.code === 'invalid_type') return `${where}: expected ${issue.expected}, found ${found}`;
    if (issue.code === 'invalid_value') {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(' | ');
      return `${where}: expected one of ${allowed}, found ${found}`;
    }
    return `${where}: ${issue.message.replace(/^Invalid input: /, '')}, found ${found}`;
  });
}

/** Validates data against a config kind, naming `file` in every error. */
export function validateConfig<K extends ConfigKind>(
  kind: K,
  data: unknown,
  file: string,
): z.infer<(typeof CONFIG_SCHEMAS)[K]> {
  const schema = CONFIG_SCHEMAS[kind];
  const result = schema.safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(file, formatIssues(result.error.issues, data));
  return result.data as z.infer<(typeof CONFIG_SCHEMAS)[K]>;
}

/**
 * Loads the main config: configs/default.yaml, overlaid with `file` when one is given (a user
 * file may set only the keys it changes). Problems are reported against the user file.
 */
export function loadConfig(file?: string): CodeqConfig {
  const defaults = readYamlFile(DEFAULT_CONFIG_FILE);
  if (!file) return validateConfig('codeq', defaults, DEFAULT_CONFIG_FILE);
  const userFile = resolve(file);
  const overlay = readYamlFile(userFile);
  if (!isObject(overlay)) {
    throw new ConfigError(userFile, [`(top level): expected a mapping, found ${describeValue(overlay)}`]);
  }
  return validateConfig('codeq', deepMerge(defaults, overlay), userFile);
}

const DEFAULT_TRAIN_CONFIG_FILE = resolve(CONFIGS_DIR, 'train.yaml');

/** The training config: configs/train.yaml, overlaid with `file` when one is given. */
export function loadTrainConfig(file?: string): TrainConfig {
  const defaults = readYamlFile(DEFAULT_TRAIN_CONFIG_FILE);
  if (!file || resolve(file) === DEFAULT_TRAIN_CONFIG_FILE) return validateConfig('train', defaults, DEFAULT_TRAIN_CONFIG_FILE);
  const userFile = resolve(file);
  const overlay = readYamlFile(userFile);
  if (!isObject(overlay)) throw new ConfigError(userFile, [`(top level): expected a mapping, found ${describeValue(overlay)}`]);
  return validateConfig('train', deepMerge(defaults, overlay), userFile);
}
