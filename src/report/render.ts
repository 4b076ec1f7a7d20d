/**
 * Vega-Lite specs to SVG and PNG, server-side and offline: `vega-lite` compiles, a headless `vega`
 * View (renderer 'none') draws SVG, `@resvg/resvg-js` rasterises it with the machine's fonts.
 * Specs carry their data inline (`data.values`); any attempt to load a URL or file is an error.
 */
import { join } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import { View, Warn, logger as vegaLogger, parse, type Loader, type LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../artifacts/atomicWrite.js';
import { log } from '../util/log.js';

export type { TopLevelSpec } from 'vega-lite';

/** The family resvg draws Vega's generic `sans-serif` with (Debian: fonts-dejavu-core). */
export const PLOT_FONT_FAMILY = 'DejaVu Sans';
const MAX_PNG_WIDTH = 8192;
const PLOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A spec that failed to compile or render; `problems` has Vega's and Vega-Lite's error lines. */
export class PlotRenderError extends Error {
  constructor(
    readonly title: string,
    readonly problems: string[],
  ) {
    super(`cannot render plot ${JSON.stringify(title)}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlotRenderError';
  }
}

/** resvg found no font that draws text, so every label would be missing from the PNG. */
export class MissingFontsError extends Error {
  constructor(readonly fontFamily: string) {
    super(
      `resvg drew no pixels for a text probe in font ${JSON.stringify(fontFamily)} (or any system font): ` +
        'PNG plots would have no labels. HINT: install a font, e.g. `apt-get install fonts-dejavu-core` ' +
        '(check with `fc-list`), or pass another installed family as fontFamily.',
    );
    this.name = 'MissingFontsError';
  }
}

export interface RenderSvgOptions {
  /** Called with each Vega/Vega-Lite warning (default: log.warn). Errors always throw. */
  onWarning?: (message: string) => void;
}

export interface SvgToPngOptions {
  /** Output width in pixels (the height keeps the aspect ratio); default: the SVG's own width. */
  width?: number;
  /** Installed font family used for Vega's `sans-serif` and as the fallback; default PLOT_FONT_FAMILY. */
  fontFamily?: string;
  /** Look fonts up in the system font dirs (default true). */
  loadSystemFonts?: boolean;
  /** Extra font files to load (a font shipped beside the report, say). */
  fontFiles?: string[];
}

type FontOptions = Required<Pick<SvgToPngOptions, 'fontFamily' | 'loadSystemFonts' | 'fontFiles'>>;

export interface PlotPaths {
  svg: string;
  png: string;
  /** The Vega-Lite spec itself, to re-render or open in the Vega editor. */
  spec: string;
}

function describe(args: unknown[]): string {
  return args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
}

function titleOf(spec: TopLevelSpec): string {
  const title = (spec as { title?: unknown }).title;
  if (typeof title === 'string') return title;
  if (title && typeof title === 'object' && 'text' in title) return String((title as { text: unknown }).text);
  return '(untitled)';
}

/** A logger that hands warnings to `onWarning` and keeps errors for the caller to throw. */
function collectingLogger(errors: string[], onWarning: (message: string) => void): LoggerInterface {
  return vegaLogger(Warn, undefined, (_method, level, args) => {
    const message = describe(args);
    if (level === 'ERROR') errors.push(message);
    else onWarning(message);
  });
}

/**
 * Refuses every load (plots are built from inline values; rendering never touches the network or
 * disk) and records the attempt: Vega only warns about a failed load, renderSvg turns it into an error.
 */
function offlineLoader(refused: string[]): Loader {
  const refuse = (what: string) => {
    refused.push(`refused to ${what}: plots load nothing, put the data inline as data.values`);
    return Promise.reject(new Error(`refused to ${what}`));
  };
  return {
    load: (uri) => refuse(`load ${uri}`),
    sanitize: (uri) => refuse(`load ${uri}`),
    http: (uri) => refuse(`fetch ${uri}`),
    file: (filename) => refuse(`read ${filename}`),
  };
}

/** Compiles a Vega-Lite spec and renders it to a standalone SVG document. */
export async function renderSvg(spec: TopLevelSpec, options: RenderSvgOptions = {}): Promise<string> {
  const title = titleOf(spec);
  const onWarning = options.onWarning ?? ((message: string) => log.warn(`plot ${JSON.stringify(title)}: ${message}`));
  const errors: string[] = [];
  const logger = collectingLogger(errors, onWarning);
  let view: View | undefined;
  try {
    // Vega tags the data objects it ingests (a Symbol id): render a copy, so the caller's spec stays as it was.
    const vega = compile(structuredClone(spec), { logger }).spec;
    view = new View(parse(vega), { renderer: 'none', loader: offlineLoader(errors), logger, logLevel: Warn });
    const svg = await view.toSVG();
    if (errors.length > 0) throw new PlotRenderError(title, errors);
    return svg;
  } catch (error) {
    if (error instanceof PlotRenderError) throw error;
    throw new PlotRenderError(title, [...errors, error instanceof Error ? error.message : String(error)]);
  } finally {
    view?.finalize();
  }
}

function resvgOptions(fonts: FontOptions, width?: number): ResvgRenderOptions {
  return {
    font: {
      loadSystemFonts: fonts.loadSystemFonts,
      fontFiles: fonts.fontFiles,
      defaultFontFamily: fonts.fontFamily,
      sansSerifFamily: fonts.fontFamily,
    },
    fitTo: width === undefined ? { mode: 'original' } : { mode: 'width', value: width },
    logLevel: 'off',
  };
}

const fontsChecked = new Set<string>();

/** Renders a word of text once per font setting and throws MissingFontsError when no pixel was drawn. */
function assertFontsDrawText(fonts: FontOptions): void {
  const key = JSON.stringify(fonts);
  if (fontsChecked.has(key)) return;
  const probe =
    '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="24">' +
    '<text x="4" y="18" font-family="sans-serif" font-size="16" fill="#000">Ag 01</text></svg>';
  const { pixels } = new Resvg(probe, resvgOptions(fonts)).render();
  let drawn = false;
  for (let i = 3; i < pixels.length; i += 4) {
    if (pixels[i]! > 0) {
      drawn = true;
      break;
    }
  }
  if (!drawn) throw new MissingFontsError(fonts.fontFamily);
  fontsChecked.add(key);
}

/** Rasterises an SVG to PNG with the system fonts; throws MissingFontsError when text cannot be drawn. */
export function svgToPng(svg: string, options: SvgToPngOptions = {}): Buffer {
  const { width } = options;
  const fonts: FontOptions = {
    fontFamily: options.fontFamily ?? PLOT_FONT_FAMILY,
    loadSystemFonts: options.loadSystemFonts ?? true,
    fontFiles: options.fontFiles ?? [],
  };
  if (width !== undefined && (!Number.isInteger(width) || width < 1 || width > MAX_PNG_WIDTH)) {
    throw new RangeError(`svgToPng: width must be an integer in [1, ${MAX_PNG_WIDTH}], got ${String(width)} (${typeof width})`);
  }
  const head = svg.trimStart();
  if (!head.startsWith('<svg') && !head.startsWith('<?xml')) {
    throw new TypeError(`svgToPng: expected an SVG document, got ${JSON.stringify(svg.slice(0, 40))}`);
  }
  assertFontsDrawText(fonts);
  return new Resvg(svg, resvgOptions(fonts, width)).render().asPng();
}

/**
 * Renders `spec` and writes `<dir>/<name>.svg`, `<name>.png` and `<name>.vl.json`, each atomically
 * (everything is rendered before the first file is written). Returns the three paths.
 */
export async function writePlot(
  dir: string,
  name: string,
  spec: TopLevelSpec,
  options: RenderSvgOptions & { pngWidth?: number } = {},
): Promise<PlotPaths> {
  if (!PLOT_NAME.test(name) || name.endsWith('.svg') || name.endsWith('.png')) {
    throw new TypeError(`writePlot: name must be a bare file stem like "sandbox" (letters, digits, . _ -), got ${JSON.stringify(name)}`);
  }
  const svg = await renderSvg(spec, options);
  const png = svgToPng(svg, options.pngWidth === undefined ? {} : { width: options.pngWidth });
  const paths: PlotPaths = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`), spec: join(dir, `${name}.vl.json`) };
  await writeFileAtomic(paths.spec, `${JSON.stringify(spec, null, 2)}\n`);
  await writeFileAtomic(paths.png, png);
  await writeFileAtomic(paths.svg, svg.endsWith('\n') ? svg : `${svg}\n`);
  return paths;
}
