import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { afterAll, describe, expect, it } from 'vitest';
import { wilson } from '../../src/evaluation/intervals.js';
import { ChartDataError, groupedBars, ratesWithIntervals, rateVsTokens, trainingCurves } from '../../src/report/charts.js';
import { MissingFontsError, PlotRenderError, renderSvg, svgToPng, writePlot, type TopLevelSpec } from '../../src/report/render.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-plots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- helpers: read an SVG and a PNG back -------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** Throws unless every tag is closed in order and every attribute is quoted: well-formed enough for XML. */
function assertWellFormed(svg: string): void {
  if (!svg.startsWith('<svg') || !svg.trimEnd().endsWith('</svg>')) throw new Error(`not an <svg> document: ${svg.slice(0, 60)}`);
  const stack: string[] = [];
  for (const [tag, closing, name, attrs, selfClosing] of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)([^>]*?)(\/?)>/g)) {
    if (/\s[\w:-]+=(?!["'])/.test(attrs!)) throw new Error(`unquoted attribute in ${tag}`);
    if (closing) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
    } else if (!selfClosing) stack.push(name!);
  }
  if (stack.length > 0) throw new Error(`unclosed tags: ${stack.join(', ')}`);
}

function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1]!));
}

function countRole(svg: string, role: string): number {
  return svg.split(`aria-roledescription="${role}"`).length - 1;
}

interface Expected {
  title: string;
  /** Axis titles, tick or legend labels that must be drawn as text. */
  labels: string[];
  /** aria-roledescription → how many marks of it, e.g. { bar: 5 }. */
  marks: Record<string, number>;
}

/** The assertions every rendered chart must pass; kept as a function so the tests below can show it fails on bad charts. */
function checkSvg(svg: string, expected: Expected): void {
  assertWellFormed(svg);
  const drawn = texts(svg);
  expect(drawn, 'title').toContain(expected.title);
  for (const label of expected.labels) expect(drawn, `label ${label}`).toContain(label);
  for (const [role, count] of Object.entries(expected.marks)) expect(countRole(svg, role), `${role} marks`).toBe(count);
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE), 'PNG signature').toBe(true);
  expect(png.subarray(12, 16).toString('latin1'), 'first chunk').toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Decodes the PNG bytes themselves (resvg rasterises an <image> holding them 1:1) into RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  const { width, height } = pngSize(png);
  const wrapper =
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}">` +
    `<image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const image = new Resvg(wrapper, { font: { loadSystemFonts: false } }).render();
  expect([image.width, image.height]).toEqual([width, height]);
  return { width, height, pixels: image.pixels };
}

interface PixelStats {
  nonWhite: number;
  /** Near-black pixels: Vega draws text in #000; axes, grid and marks are grey or coloured. */
  dark: number;
  total: number;
  /** Pixels within 40 of each colour, by hex. */
  colours: Record<string, number>;
}

function pixelStats(png: Buffer, colours: string[] = []): PixelStats {
  const { pixels } = decodePng(png);
  const rgb = colours.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]);
  const stats: PixelStats = { nonWhite: 0, dark: 0, total: pixels.length / 4, colours: Object.fromEntries(colours.map((c) => [c, 0])) };
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!, pixels[i + 3]!];
    if (a > 0 && (r < 245 || g < 245 || b < 245)) stats.nonWhite += 1;
    if (a > 200 && r < 70 && g < 70 && b < 70) stats.dark += 1;
    rgb.forEach(([cr, cg, cb], k) => {
      if (Math.abs(r - cr) < 40 && Math.abs(g - cg) < 40 && Math.abs(b - cb) < 40) stats.colours[colours[k]!]! += 1;
    });
  }
  return stats;
}

const stripText = (svg: string) => svg.replace(/<text\b[^>]*>[^<]*<\/text>/g, '');
/** The SVG without its data marks (legend, axes, grid and text stay). */
const stripMarks = (svg: string) => svg.replace(/<(path|line)\b[^>]*aria-roledescription="(bar|point|rule mark|line mark|area mark)"[^>]*\/>/g, '');

/** Renders with warnings collected: the builders must compile cleanly. */
async function render(spec: TopLevelSpec): Promise<string> {
  const warnings: string[] = [];
  const svg = await renderSvg(spec, { onWarning: (m) => warnings.push(m) });
  expect(warnings).toEqual([]);
  return svg;
}

/** Checks the PNG: requested width, not blank, the series colours present, and the text really drawn. */
function checkPng(svg: string, options: { width: number; colours: string[] }): void {
  const png = svgToPng(svg, { width: options.width });
  const { width, height } = pngSize(png);
  const svgWidth = Number(/width="([\d.]+)"/.exec(svg)![1]);
  const svgHeight = Number(/height="([\d.]+)"/.exec(svg)![1]);
  expect(width).toBe(options.width);
  expect(Math.abs(height - (svgHeight * options.width) / svgWidth)).toBeLessThanOrEqual(1);
  const stats = pixelStats(png, options.colours);
  expect(stats.nonWhite / stats.total, 'non-white share').toBeGreaterThan(0.01);
  // Each series colour is mostly marks: well beyond what the legend swatches alone give.
  const withoutMarks = pixelStats(svgToPng(stripMarks(svg), { width: options.width }), options.colours);
  for (const colour of options.colours) {
    expect(stats.colours[colour], `pixels of ${colour}`).toBeGreaterThan(2 * withoutMarks.colours[colour]! + 50);
  }
  // Text: hundreds of near-black pixels, nearly all gone when the <text> elements are removed.
  const withoutText = pixelStats(svgToPng(stripText(svg), { width: options.width }));
  expect(stats.dark, 'dark (text) pixels').toBeGreaterThan(300);
  expect(withoutText.dark, 'dark pixels without text').toBeLessThan(stats.dark * 0.1);
}

const BLUE = '#4c78a8';
const ORANGE = '#f58518';
const RED = '#e45756';

// ---- realistic data ----------------------------------------------------------------------------

const sandboxBars = {
  title: 'Sandbox per-execution time (median, ms, log scale)',
  unit: 'ms',
  series: ['bare', 'bwrap', 'docker'],
  log: true,
  groups: [
    { label: 'python trivial', values: { bare: 11.2, bwrap: 21.7, docker: 131 } },
    { label: 'cpp typical', values: { bare: 3.4, bwrap: 9.6, docker: null } },
    { label: 'java trivial', values: { bare: 48, bwrap: 61, docker: 188 } },
  ],
};

function proportion(x: string | number, series: string, solved: number, n: number) {
  return { x, series, ...wilson(solved, n) };
}

const rounds = [0, 1, 2, 3].flatMap((round) => [proportion(round, 'base', 12 + round, 60), proportion(round, 'adapter', 12 + 4 * round, 60)]);
const categories = ['easy', 'medium', 'hard'].flatMap((level, i) => [proportion(level, 'base', 30 - 9 * i, 40), proportion(level, 'adapter', 34 - 9 * i, 40)]);
const byTokens = [256, 512, 1024, 2048].flatMap((tokens, i) => [
  { tokens, series: 'greedy', ...wilson(4 + 3 * i, 40) },
  { tokens, series: 'mcts', ...wilson(6 + 6 * i, 40) },
]);
const training = Array.from({ length: 25 }, (_, step) => [
  { step, metric: 'loss', value: 0.693 * Math.exp(-step / 20) },
  { step, metric: 'rewards/margins', value: 0.04 * step },
  { step, metric: 'rewards/accuracies', value: Math.min(1, 0.5 + 0.025 * step) },
]).flat();

// ---- tests -------------------------------------------------------------------------------------

describe('groupedBars', () => {
  it('draws one bar and one value label per present value, on a log axis', async () => {
    const svg = await render(groupedBars(sandboxBars));
    checkSvg(svg, {
      title: sandboxBars.title,
      labels: ['ms (log scale)', 'python trivial', 'cpp typical', 'java trivial', 'bare', 'bwrap', 'docker', '131 ms', '3.4 ms'],
      marks: { bar: 8, 'text mark': 8 },
    });
    checkPng(svg, { width: 900, colours: [BLUE, ORANGE, RED] });
  });

  it('makes bar lengths proportional to values on a linear axis and escapes labels', async () => {
    const svg = await render(
      groupedBars({
        title: 'a < b & c',
        unit: 'tok/s',
        series: ['x', 'y'],
        groups: [
          { label: 'g1', values: { x: 10, y: 40 } },
          { label: 'g2', values: { x: 20, y: null } },
        ],
      }),
    );
    expect(svg).toContain('a &lt; b &amp; c');
    checkSvg(svg, { title: 'a < b & c', labels: ['tok/s', 'g1', 'g2', '40 tok/s'], marks: { bar: 3 } });
    const widths = [...svg.matchAll(/aria-roledescription="bar" d="M0,[\d.]+h([\d.]+)v/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[1]! / widths[0]!).toBeCloseTo(4, 5);
    expect(widths[2]! / widths[0]!).toBeCloseTo(2, 5);
  });

  it('refuses charts with nothing to draw or values it cannot place', () => {
    expect(() => groupedBars({ ...sandboxBars, groups: [{ label: 'g', values: { bare: null } }] })).toThrow(ChartDataError);
    expect(() => groupedBars({ ...sandboxBars, title: ' ' })).toThrow(/title/);
    expect(() => groupedBars({ ...sandboxBars, groups: [{ label: 'g', values: { bare: 0 } }] })).toThrow(/log scale needs values > 0/);
    expect(() => groupedBars({ ...sandboxBars, groups: [{ label: 'g', values: { nope: 1 } }] })).toThrow(/unknown series "nope"/);
    // A median of no samples is NaN: no bar, like null.
    const spec = groupedBars({ ...sandboxBars, groups: [{ label: 'g', values: { bare: Number.NaN, bwrap: 3 } }] });
    expect((spec.data as { values: unknown[] }).values).toHaveLength(1);
  });
});

describe('ratesWithIntervals', () => {
  it('per round: a line per series, a point and an interval per round, the point inside its interval', async () => {
    const svg = await render(ratesWithIntervals({ title: 'Solve rate per round (test split)', xTitle: 'round', points: rounds }));
    checkSvg(svg, {
      title: 'Solve rate per round (test split)',
      labels: ['round', 'solve rate (95% interval)', '0%', '100%', '0', '3', 'base', 'adapter'],
      marks: { point: 8, 'rule mark': 8, 'line mark': 2 },
    });
    const points = [...svg.matchAll(/aria-roledescription="point" transform="translate\(([-\d.e]+),([-\d.e]+)\)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const rules = [...svg.matchAll(/aria-roledescription="rule mark" transform="translate\(([-\d.e]+),([-\d.e]+)\)" x2="0" y2="([-\d.e]+)"/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
    ]);
    expect(points).toHaveLength(8);
    expect(rules).toHaveLength(8);
    for (const [x, y] of points) {
      const covering = rules.filter(([rx, bottom, length]) => Math.abs(rx! - x!) < 0.01 && y! <= bottom! + 0.01 && y! >= bottom! + length! - 0.01);
      expect(covering.length, `an interval around the point at (${x}, ${y})`).toBeGreaterThan(0);
    }
    checkPng(svg, { width: 800, colours: [BLUE, ORANGE] });
  });

  it('by category: points side by side in first-seen order, no lines', async () => {
    const svg = await render(ratesWithIntervals({ title: 'Solve rate by difficulty', xTitle: 'difficulty', points: categories }));
    checkSvg(svg, {
      title: 'Solve rate by difficulty',
      labels: ['difficulty', 'easy', 'medium', 'hard', '40%', 'solve rate (95% interval)'],
      marks: { point: 6, 'rule mark': 6, 'line mark': 0 },
    });
    const order = texts(svg).filter((t) => ['easy', 'medium', 'hard'].includes(t));
    expect(order).toEqual(['easy', 'medium', 'hard']);
    checkPng(svg, { width: 600, colours: [BLUE, ORANGE] });
  });

  it('refuses NaN rates (n = 0), intervals that miss the rate, percentages, mixed x', () => {
    const base = { title: 't', xTitle: 'round' };
    expect(() => ratesWithIntervals({ ...base, points: [proportion(0, 'a', 0, 0)] })).toThrow(/rate must be a finite number/);
    expect(() => ratesWithIntervals({ ...base, points: [{ x: 0, series: 'a', rate: 0.5, low: 0.6, high: 0.7, n: 10 }] })).toThrow(/low <= rate/);
    expect(() => ratesWithIntervals({ ...base, points: [{ x: 0, series: 'a', rate: 50, low: 40, high: 60, n: 10 }] })).toThrow(/fractions/);
    expect(() => ratesWithIntervals({ ...base, points: [proportion(0, 'a', 1, 2), proportion('x', 'a', 1, 2)] })).toThrow(/not a mix/);
    expect(() => ratesWithIntervals({ ...base, points: [] })).toThrow(/no points/);
  });
});

describe('rateVsTokens', () => {
  it('draws a line and a shaded band per series over the token caps, on a percent axis', async () => {
    const svg = await render(rateVsTokens({ title: 'Tasks solved by generated-token cap', points: byTokens }));
    checkSvg(svg, {
      title: 'Tasks solved by generated-token cap',
      labels: ['generated-token cap (log2)', 'solve rate (95% interval)', '256', '512', '1024', '2048', '40%', 'greedy', 'mcts'],
      marks: { 'line mark': 2, 'area mark': 2, point: 8 },
    });
    // log2 axis: equal ratios of the cap are equal distances.
    const xs = [...new Set([...svg.matchAll(/aria-roledescription="point" transform="translate\(([-\d.e]+),/g)].map((m) => Number(Number(m[1]).toFixed(3))))].sort((a, b) => a - b);
    expect(xs).toHaveLength(4);
    expect(xs[2]! - xs[1]!).toBeCloseTo(xs[1]! - xs[0]!, 2);
    expect(xs[3]! - xs[2]!).toBeCloseTo(xs[1]! - xs[0]!, 2);
    checkPng(svg, { width: 1000, colours: [BLUE, ORANGE] });
  });

  it('refuses caps a log axis cannot place', () => {
    expect(() => rateVsTokens({ title: 't', points: [{ tokens: 0, series: 'a', rate: 0.5, low: 0.4, high: 0.6 }] })).toThrow(/tokens must be > 0/);
  });
});

describe('trainingCurves', () => {
  it('draws one panel and one line per metric, each headed by its name', async () => {
    const svg = await render(trainingCurves({ title: 'DPO round 2 training', points: training }));
    checkSvg(svg, {
      title: 'DPO round 2 training',
      labels: ['loss', 'rewards/margins', 'rewards/accuracies', 'step'],
      marks: { 'line mark': 3, point: 75 },
    });
    checkPng(svg, { width: 1200, colours: [BLUE, ORANGE, RED] });
  });

  it('refuses non-finite values', () => {
    expect(() => trainingCurves({ title: 't', points: [{ step: 0, metric: 'loss', value: Number.NaN }] })).toThrow(/value must be a finite number/);
  });
});

describe('the chart checks fail on broken charts', () => {
  const expected: Expected = { title: sandboxBars.title, labels: ['ms (log scale)', 'python trivial'], marks: { bar: 8 } };

  it('on an empty chart', async () => {
    const spec = groupedBars(sandboxBars);
    const empty = { ...spec, data: { values: [] } } as TopLevelSpec;
    const svg = await renderSvg(empty, { onWarning: () => {} });
    expect(() => checkSvg(svg, expected)).toThrow(/label python trivial/);
    expect(() => checkSvg(svg, { ...expected, labels: [] })).toThrow(/bar marks/);
    expect(() => checkPng(svg, { width: 600, colours: [BLUE, ORANGE, RED] })).toThrow(/pixels of #4c78a8/);
  });

  it('on a chart without its title', async () => {
    const { title: _title, ...untitled } = groupedBars(sandboxBars) as TopLevelSpec & { title: string };
    const svg = await render(untitled as TopLevelSpec);
    expect(() => checkSvg(svg, expected)).toThrow(/title/);
  });

  it('on an SVG that lost its text or its marks', async () => {
    const svg = await render(groupedBars(sandboxBars));
    expect(() => checkPng(stripText(svg), { width: 600, colours: [BLUE] })).toThrow(/dark/);
    expect(() => checkSvg(svg.replace(/<path[^>]*aria-roledescription="bar"[^>]*\/>/, ''), expected)).toThrow(/bar marks/);
    expect(() => checkPng(stripMarks(svg), { width: 600, colours: [BLUE] })).toThrow(/pixels of #4c78a8/);
    expect(() => assertWellFormed(svg.replace('</g>', ''))).toThrow();
  });
});

describe('renderSvg', () => {
  it('loads nothing: a data URL or file is an error, not a fetch', async () => {
    for (const url of ['https://example.com/results.json', 'results.csv']) {
      const spec = { title: 'remote', data: { url }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } } as TopLevelSpec;
      await expect(renderSvg(spec, { onWarning: () => {} })).rejects.toThrow(PlotRenderError);
      await expect(renderSvg(spec, { onWarning: () => {} })).rejects.toThrow(/refused to load .*data\.values/);
    }
  });

  it('names the plot when the spec is broken', async () => {
    const spec = { title: 'broken', data: { values: [{ a: 1 }] }, mark: 'nosuch', encoding: {} } as unknown as TopLevelSpec;
    await expect(renderSvg(spec)).rejects.toThrow(/cannot render plot "broken"/);
  });
});

describe('svgToPng', () => {
  it('keeps the SVG size by default and checks its arguments', async () => {
    const svg = await render(trainingCurves({ title: 'small', points: training.slice(0, 6) }));
    const { width } = pngSize(svgToPng(svg));
    expect(width).toBe(Math.round(Number(/width="([\d.]+)"/.exec(svg)![1])));
    expect(() => svgToPng(svg, { width: 0 })).toThrow(/width must be an integer/);
    expect(() => svgToPng('<html></html>')).toThrow(/expected an SVG document/);
  });

  it('throws MissingFontsError, with the Debian package to install, when no font can draw text', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
    expect(() => svgToPng(svg, { loadSystemFonts: false })).toThrow(MissingFontsError);
    expect(() => svgToPng(svg, { loadSystemFonts: false })).toThrow(/fonts-dejavu-core/);
  });

  const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
  it.skipIf(!existsSync(dejavu))('draws text from a given font file without the system fonts', async () => {
    const svg = await render(groupedBars(sandboxBars));
    const png = svgToPng(svg, { loadSystemFonts: false, fontFiles: [dejavu] });
    expect(pixelStats(png).dark).toBeGreaterThan(300);
  });
});

describe('writePlot', () => {
  it('writes <name>.svg, .png and .vl.json and nothing else', async () => {
    const spec = ratesWithIntervals({ title: 'Solve rate per round', xTitle: 'round', points: rounds });
    const out = join(dir, 'docs', 'bench');
    const paths = await writePlot(out, 'rounds', spec, { pngWidth: 700, onWarning: (m) => expect.fail(m) });
    expect(paths).toEqual({ svg: join(out, 'rounds.svg'), png: join(out, 'rounds.png'), spec: join(out, 'rounds.vl.json') });
    expect(readdirSync(out).sort()).toEqual(['rounds.png', 'rounds.svg', 'rounds.vl.json']);
    checkSvg(readFileSync(paths.svg, 'utf8'), { title: 'Solve rate per round', labels: ['round'], marks: { point: 8 } });
    expect(pngSize(readFileSync(paths.png)).width).toBe(700);
    expect(JSON.parse(readFileSync(paths.spec, 'utf8'))).toEqual(spec);
  });

  it('refuses names that are paths or carry an extension, before writing', async () => {
    const spec = groupedBars(sandboxBars);
    for (const name of ['../x', 'a/b', 'plot.svg', '']) await expect(writePlot(join(dir, 'bad'), name, spec)).rejects.toThrow(/bare file stem/);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });
});
