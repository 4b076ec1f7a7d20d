import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchmarkSection } from '../../src/report/benchmarksDoc.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeBenchmarkSection', () => {
  it('creates the doc, then replaces only its own section', async () => {
    const file = join(dir, 'benchmarks.md');
    await writeBenchmarkSection(file, 'a', 'first A');
    await writeBenchmarkSection(file, 'b', 'first B');
    await writeBenchmarkSection(file, 'a', 'second A');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('<!-- bench:a:start -->\nsecond A\n<!-- bench:a:end -->');
    expect(text).toContain('first B');
    expect(text).not.toContain('first A');
    expect(text.indexOf('second A')).toBeLessThan(text.indexOf('first B'));
  });
});
