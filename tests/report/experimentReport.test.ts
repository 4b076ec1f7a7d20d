import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readExperiment } from '../../src/report/experimentData.js';
import { writeExperimentReport, type ReportTables } from '../../src/report/experimentReport.js';
import { ReportError } from '../../src/report/experimentData.js';
import { writeExperimentFixture } from './reportFixture.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-exp-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('experiment report', () => {
  it('writes markdown, HTML, tables.json and every plot as SVG and PNG from the rounds\' files', async () => {
    const exp = join(dir, 'exp');
    writeExperimentFixture(exp);
    const report = await writeExperimentReport(readExperiment(exp, 'exp'), { roundUrl: (r) => `http://127.0.0.1:8233/namespaces/default/workflows/codeq-exp-exp-round-${r}` });
    // per round + by category + by difficulty + against tokens + one training plot per round
    expect(report.plots).toHaveLength(1 + 2 + 1 + 2);
    for (const svg of report.plots) {
      expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
      expect(existsSync(svg.replace(/\.svg$/, '.png'))).toBe(true);
    }
    const tables = JSON.parse(readFileSync(report.data, 'utf8')) as ReportTables;
    expect(tables.rounds.map((r) => r.round)).toEqual([1, 2]);
    expect(tables.rounds[0]!.incumbent).toBe('35.0% [18.1, 56.7] (7/20)');
    expect(tables.flipped.filter((f) => f.round === 2 && f.way === 'gained')).toHaveLength(5);
    const md = readFileSync(report.markdown, 'utf8');
    expect(md).toContain('35.0% [18.1, 56.7] (7/20)');
    expect(md).toMatch(/McNemar/);
    const html = readFileSync(report.html, 'utf8');
    expect(html).toContain('codeq-exp-exp-round-2');
    expect(html).not.toMatch(/<script/);
  });

  it('written elsewhere (as docs/example-report), carries the files it links to', async () => {
    const exp = join(dir, 'exp-out');
    writeExperimentFixture(exp);
    const out = join(dir, 'elsewhere', 'example-report');
    const report = await writeExperimentReport(readExperiment(exp, 'exp-out'), { roundUrl: () => null }, out);
    const html = readFileSync(report.html, 'utf8');
    const files = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]!).filter((h) => !h.startsWith('data:') && !h.endsWith('/'));
    expect(files.length).toBeGreaterThan(6);
    for (const f of files) {
      expect(f.startsWith('..'), f).toBe(false);
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(files).toContain('artifacts/round-2/evaluate/results.json');
    expect(readFileSync(join(out, 'artifacts/round-2/promote/decision.json'), 'utf8')).toBe(readFileSync(join(exp, 'round-2/promote/decision.json'), 'utf8'));
  });

  it('names a missing experiment with a hint', () => {
    expect(() => readExperiment(join(dir, 'nope'), 'nope')).toThrow(ReportError);
    expect(() => readExperiment(join(dir, 'nope'), 'nope')).toThrow(/HINT/);
  });
});
