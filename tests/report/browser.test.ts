import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveDirectory } from '../../src/cli/reportCommand.js';
import { readExperiment } from '../../src/report/experimentData.js';
import { writeExperimentReport, type ReportTables } from '../../src/report/experimentReport.js';
import { checkExperimentPage, launchChromium } from './pageChecks.js';
import { writeExperimentFixture } from './reportFixture.js';

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
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads, renders every plot, shows the JSON\'s numbers, logs no error', async () => {
    await checkExperimentPage(browser, `${url}report/`, tables);
    const page = await browser.newPage();
    // The server refuses paths outside the experiment.
    const outside = await page.goto(`${url}..%2f..%2fetc/passwd`);
    expect(outside?.status()).toBe(403);
  }, 120_000);
});
