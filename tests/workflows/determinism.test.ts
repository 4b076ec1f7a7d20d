import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Workflow code is replayed: it must not reach Node, native code or I/O. Every import under
 * src/workflows is the workflow SDK, @temporalio/common, another workflow module, or a type.
 */
const DIR = join(import.meta.dirname, '../../src/workflows');
const ALLOWED = [/^@temporalio\/workflow$/, /^@temporalio\/common$/, /^\.\/[\w.-]+\.js$/];

function imports(source: string): { specifier: string; typeOnly: boolean }[] {
  const found: { specifier: string; typeOnly: boolean }[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm)) found.push({ specifier: m[3]!, typeOnly: Boolean(m[2]) });
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ specifier: (m[1] ?? m[2])!, typeOnly: false });
  return found;
}

describe('workflow determinism', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports nothing but the workflow SDK and other workflow modules', (file) => {
    const source = readFileSync(join(DIR, file), 'utf8');
    const bad = imports(source).filter((i) => !i.typeOnly && !ALLOWED.some((pattern) => pattern.test(i.specifier)));
    expect(bad).toEqual([]);
    // No clocks, randomness or timers of Node's own (the SDK replaces Date and Math.random deterministically).
    expect(source).not.toMatch(/\bprocess\.|\bsetTimeout\(|\bsetInterval\(|\bperformance\.now\(/);
  });

  it('catches a forbidden import', () => {
    expect(imports("import { readFileSync } from 'node:fs';\nimport type { X } from '../config/schema.js';").map((i) => [i.specifier, i.typeOnly])).toEqual([
      ['node:fs', false],
      ['../config/schema.js', true],
    ]);
  });
});
