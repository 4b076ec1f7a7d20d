import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/jsonSchema.js';
import { CONFIGS_DIR, ConfigError, deepMerge, loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(path: string): string[] {
  try {
    loadConfig(path);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(path);
    return (error as ConfigError).problems;
  }
  throw new Error(`expected ${path} to be rejected`);
}

describe('loadConfig', () => {
  it('accepts the embedded defaults with the documented limits', () => {
    const config = loadConfig();
    expect(config.sandbox.limits).toMatchObject({ memoryMb: 512, timeoutMs: 30000, pids: 64, outputKb: 64 });
  });

  it('overlays a partial user file on the defaults', () => {
    const config = loadConfig(file('partial.yaml', 'sandbox:\n  backend: docker\n  limits:\n    timeoutMs: 5000\n'));
    expect(config.sandbox.backend).toBe('docker');
    expect(config.sandbox.limits.timeoutMs).toBe(5000);
    expect(config.sandbox.limits.memoryMb).toBe(512);
  });

  it('names the key path, what was expected and what was found', () => {
    const problems = problemsOf(file('types.yaml', 'sandbox:\n  limits:\n    memoryMb: lots\n  backend: podman\n'));
    expect(problems).toContain('sandbox.limits.memoryMb: expected number, found string "lots"');
    expect(problems).toContain('sandbox.backend: expected one of "bwrap" | "docker", found string "podman"');
  });

  it('rejects misspelled keys instead of ignoring them', () => {
    const problems = problemsOf(file('typo.yaml', 'sandbox:\n  limits:\n    memroyMb: 256\n'));
    expect(problems).toEqual(['sandbox.limits: unknown key "memroyMb"; remove it or fix its spelling']);
  });

  it('reports numbers out of range with the value', () => {
    const problems = problemsOf(file('range.yaml', 'sandbox:\n  limits:\n    pids: -3\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^sandbox\.limits\.pids: .*found number -3$/);
  });

  it('refuses settings that contradict each other, naming the key', () => {
    const problems = problemsOf(file('fence.yaml', 'policy:\n  generation:\n    openFence: false\n'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^policy\.generation\.stopAtFenceEnd: stopAtFenceEnd needs openFence: true/);
  });

  it('reports YAML syntax errors and missing files', () => {
    expect(problemsOf(file('broken.yaml', 'sandbox: [unclosed\n'))[0]).toMatch(/^YAML syntax: /);
    expect(problemsOf(join(dir, 'absent.yaml'))).toEqual(['file not found: check the path']);
    expect(problemsOf(file('list.yaml', '- 1\n- 2\n'))).toEqual(['(top level): expected a mapping, found a list of 2']);
  });
});

describe('deepMerge', () => {
  it('merges mappings key by key and replaces lists and scalars', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: 2 })).toEqual({ a: { b: 1, c: [3] }, d: 2 });
  });
});

describe('JSON Schema', () => {
  it('is committed up to date (regenerate with: codeq config schema)', () => {
    const committed = readFileSync(join(CONFIGS_DIR, 'schema', 'codeq.schema.json'), 'utf8');
    expect(committed).toBe(configJsonSchema('codeq'));
  });

  it('describes the limits and forbids unknown keys', () => {
    const schema = JSON.parse(configJsonSchema('codeq'));
    const limits = schema.properties.sandbox.properties.limits;
    expect(limits.additionalProperties).toBe(false);
    expect(limits.properties.memoryMb.type).toBe('integer');
  });
});
