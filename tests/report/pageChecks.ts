/**
 * What the experiment page must show in a real browser, shared by the fixture's page and the one
 * a real quick round writes: it loads with no console error or failed request, every plot is a
 * decoded image with a size, and its tables hold tables.json's numbers.
 */
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';
import type { ReportTables } from '../../src/report/experimentReport.js';

/** Debian's chromium (scripts/setup.sh installs it); playwright-core drives it, nothing is downloaded. */
export const CHROMIUM = process.env.CODEQ_CHROMIUM ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

export async function checkExperimentPage(browser: Browser, pageUrl: string, tables: ReportTables): Promise<void> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => errors.push(`failed: ${r.url()}`));
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  const images = await page.$$eval('img.plot', (imgs) => imgs.map((i) => ({ src: i.getAttribute('src'), complete: i.complete, width: i.naturalWidth, height: i.naturalHeight })));
  expect(images.length).toBeGreaterThan(0);
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
  const flipped = await page.$$eval('#flipped tbody tr:not(.none)', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  expect(flipped).toEqual(tables.flipped.map((f) => [String(f.round), f.task, f.way]));
  expect(errors).toEqual([]);
  await page.close();
}
