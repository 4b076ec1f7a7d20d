import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchmarkSection } from '../../src/report/benchmarksDoc.js';
import { groupedBarChart } from '../../src/report/svgBarChart.js';

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

describe('groupedBarChart', () => {
  it('draws one bar per present value, longest for the largest, and escapes labels', () => {
    const svg = groupedBarChart({
      title: 'a < b',
      unit: 'ms',
      series: ['x', 'y'],
      groups: [
        { label: 'g1', values: { x: 10, y: 40 } },
        { label: 'g2', values: { x: 20, y: null } },
      ],
    });
    expect(svg).toContain('a &lt; b');
    const widths = [...svg.matchAll(/<rect x="190" y="[\d.]+" width="([\d.]+)" height="12"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(Math.max(...widths)).toBe(widths[1]);
    expect(widths[1]).toBeCloseTo(4 * widths[0]!, 0);
  });
});
