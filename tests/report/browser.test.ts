import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../../src/cli/reportCommand.js';
import { readExperiment } from '../../src/report/experimentData.js';
import { writeExperimentReport, type ReportTables } from '../../src/report/experimentReport.js';
import { writeExperimentFixture } from './reportFixture.js';

/** Debian's chromium (scripts/setup.sh installs it); playwright-core drives it, nothing is downloaded. */
const CHROMIUM = process.env.CODEQ_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The experiment page in real headless Chromium, served as `codeq report --serve` serves it: it
 * loads without console errors, every plot renders (a decoded image with a size), and its tables
 * hold the numbers of tables.json.
 */
describe('the experiment page in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeq-browser-'));
  let browser: Browser;
  let server: Server;
  let url: string;
  let tables: ReportTables;
  beforeAll(async () => {
    const exp = join(dir, 'exp');
    writeExperimentFixture(exp);
    const report = await writeExperimentReport(readExperiment(exp, 'exp'), { roundUrl: (r) => `http://127.0.0.1:8233/namespaces/default/workflows/codeq-exp-exp-round-${r}` });
    tables = JSON.parse(readFileSync(report.data, 'utf8')) as ReportTables;
    url = await new Promise<string>((done) => (server = serveDirectory(exp, 0, done)));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads, renders every plot, shows the JSON\'s numbers, logs no error', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
    const response = await page.goto(`${url}report/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    const images = await page.$$eval('img.plot', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })));
    expect(images.map((i) => i.src)).toEqual(tables.plots);
    for (const image of images) {
      expect(image.complete, image.src ?? '').toBe(true);
      expect(image.width, image.src ?? '').toBeGreaterThan(100);
      expect(image.height, image.src ?? '').toBeGreaterThan(50);
    }
    const rows = await page.$$eval('#rounds tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(rows).toHaveLength(tables.rounds.length);
    rows.forEach((cells, i) => {
      const r = tables.rounds[i]!;
      expect(cells[0]).toBe(String(r.round));
      expect(cells[1]).toBe(r.incumbent);
      expect(cells[2]).toBe(r.candidate ?? '–');
      expect(cells[4]).toBe(r.pValue === null ? '–' : r.pValue.toPrecision(3));
    });
    const flipped = await page.$$eval('#flipped tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    expect(flipped).toEqual(tables.flipped.map((f) => [String(f.round), f.task, f.way]));
    expect(errors).toEqual([]);
    // The server refuses paths outside the experiment.
    const outside = await page.goto(`${url}..%2f..%2fetc/passwd`);
    expect(outside?.status()).toBe(403);
  }, 120_000);
});
