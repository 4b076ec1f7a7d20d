/**
 * Vega-Lite spec builders for codeq's reports: plain data in, a titled spec with labelled axes out
 * (render with render.ts). Data is inlined as `data.values`. Rates are fractions in [0, 1], drawn on
 * percent axes; intervals are given by the caller (Wilson intervals from evaluation/intervals.ts).
 */
import type { TopLevelSpec } from 'vega-lite';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const PLOT_WIDTH = 520;
const BAR = 14;

/** A chart builder was given data it cannot draw; the message names the chart, the field and the value. */
export class ChartDataError extends Error {
  constructor(
    readonly chart: string,
    detail: string,
  ) {
    super(`${chart}: ${detail}`);
    this.name = 'ChartDataError';
  }
}

export interface BarGroup {
  label: string;
  /** One value per series name; null, NaN (a median of no samples) or absent draws no bar. */
  values: Record<string, number | null>;
}

export interface GroupedBarsInput {
  title: string;
  /** Printed after each value and in the axis title ("ms", "tok/s", "tasks"). */
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** Log value axis (for values spanning orders of magnitude); values must then be > 0. */
  log?: boolean;
}

export interface RatePoint {
  x: string | number;
  series: string;
  rate: number;
  low: number;
  high: number;
  n: number;
}

export interface RatesWithIntervalsInput {
  title: string;
  points: RatePoint[];
  xTitle: string;
  yTitle?: string;
}

export interface TokenRatePoint {
  tokens: number;
  series: string;
  rate: number;
  low: number;
  high: number;
}

export interface RateVsTokensInput {
  title: string;
  points: TokenRatePoint[];
  xTitle?: string;
  yTitle?: string;
}

export interface TrainingPoint {
  step: number;
  metric: string;
  value: number;
}

export interface TrainingCurvesInput {
  title: string;
  points: TrainingPoint[];
  /** Facets per row (default 3). */
  columns?: number;
}

function requireTitle(chart: string, title: string): void {
  if (typeof title !== 'string' || title.trim() === '') throw new ChartDataError(chart, `title must be a non-empty string, got ${JSON.stringify(title)}`);
}

function requireFinite(chart: string, where: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ChartDataError(chart, `${where} must be a finite number, got ${String(value)} (${typeof value})`);
  }
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Checks rate ∈ [low, high] ⊆ [0, 1]; a NaN rate (n = 0) is refused: drop such points before plotting. */
function checkInterval(chart: string, where: string, p: { rate: number; low: number; high: number }): void {
  requireFinite(chart, `${where}.rate`, p.rate);
  requireFinite(chart, `${where}.low`, p.low);
  requireFinite(chart, `${where}.high`, p.high);
  if (!(p.low >= 0 && p.low <= p.rate && p.rate <= p.high && p.high <= 1)) {
    throw new ChartDataError(chart, `${where} needs 0 <= low <= rate <= high <= 1 (fractions), got low ${p.low}, rate ${p.rate}, high ${p.high}`);
  }
}

/** The y encoding of a rate: a fraction on a fixed 0–100% axis, so charts compare at a glance. */
function rateAxis(title = 'solve rate (95% interval)') {
  return { field: 'rate', type: 'quantitative' as const, title, scale: { domain: [0, 1] }, axis: { format: '.0%' } };
}

/**
 * Horizontal grouped bars: one row per group, one bar per series, the value and unit printed at the
 * bar's end. Same input as the old hand-built SVG chart.
 */
export function groupedBars(input: GroupedBarsInput): TopLevelSpec {
  const chart = 'groupedBars';
  requireTitle(chart, input.title);
  if (input.series.length === 0) throw new ChartDataError(chart, `no series in ${JSON.stringify(input.title)}`);
  const labels = input.groups.map((g) => g.label);
  if (unique(labels).length !== labels.length) throw new ChartDataError(chart, `group labels must be unique, got ${JSON.stringify(labels)}`);
  const rows: { group: string; series: string; value: number; label: string }[] = [];
  for (const group of input.groups) {
    for (const series of Object.keys(group.values)) {
      if (!input.series.includes(series)) {
        throw new ChartDataError(chart, `group ${JSON.stringify(group.label)} has a value for unknown series ${JSON.stringify(series)}; series: ${JSON.stringify(input.series)}`);
      }
    }
    for (const series of input.series) {
      const value = group.values[series];
      if (value === null || value === undefined || Number.isNaN(value)) continue;
      requireFinite(chart, `groups[${JSON.stringify(group.label)}].values[${JSON.stringify(series)}]`, value);
      if (input.log && value <= 0) {
        throw new ChartDataError(chart, `log scale needs values > 0, got ${value} for ${JSON.stringify(group.label)} / ${JSON.stringify(series)}`);
      }
      rows.push({ group: group.label, series, value, label: `${formatValue(value)} ${input.unit}` });
    }
  }
  if (rows.length === 0) throw new ChartDataError(chart, `no values to draw in ${JSON.stringify(input.title)}`);
  // A log axis has no zero for bars to grow from: they start at the power of ten below the smallest value.
  const baseline = input.log ? 10 ** Math.floor(Math.log10(Math.min(...rows.map((r) => r.value)))) : 0;
  return {
    $schema: SCHEMA,
    title: input.title,
    width: PLOT_WIDTH,
    height: { step: BAR },
    data: { values: rows },
    encoding: {
      y: { field: 'group', type: 'nominal', title: null, sort: labels, axis: { labelLimit: 220 }, scale: { paddingInner: 0.25 } },
      yOffset: { field: 'series', type: 'nominal', sort: input.series, scale: { domain: input.series, paddingInner: 0.1 } },
      x: {
        field: 'value',
        type: 'quantitative',
        title: `${input.unit}${input.log ? ' (log scale)' : ''}`,
        scale: input.log ? { type: 'log', domainMin: baseline } : { zero: true },
      },
      color: { field: 'series', type: 'nominal', sort: input.series, scale: { domain: input.series }, legend: { title: null, orient: 'top' } },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { x2: { datum: baseline } } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10 }, encoding: { text: { field: 'label' }, color: { value: '#333' } } },
    ],
  };
}

function formatValue(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e6) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(1) : value.toPrecision(2);
}

/**
 * Rates with their intervals per x: numeric x (rounds) draws lines through points with error bars;
 * string x (category, difficulty) draws points side by side per series, in first-seen order.
 */
export function ratesWithIntervals(input: RatesWithIntervalsInput): TopLevelSpec {
  const chart = 'ratesWithIntervals';
  requireTitle(chart, input.title);
  if (input.points.length === 0) throw new ChartDataError(chart, `no points in ${JSON.stringify(input.title)}`);
  input.points.forEach((p, i) => {
    checkInterval(chart, `points[${i}]`, p);
    if (!Number.isInteger(p.n) || p.n < 1) throw new ChartDataError(chart, `points[${i}].n must be a positive integer, got ${String(p.n)}`);
  });
  const numeric = input.points.every((p) => typeof p.x === 'number');
  if (!numeric && input.points.some((p) => typeof p.x === 'number')) {
    throw new ChartDataError(chart, 'x must be all numbers (rounds) or all strings (categories), not a mix');
  }
  const series = unique(input.points.map((p) => p.series));
  const xs = unique(input.points.map((p) => p.x));
  const values = input.points.map((p) => ({ x: p.x, series: p.series, rate: p.rate, low: p.low, high: p.high, n: p.n, label: `${(p.rate * 100).toFixed(1)}% (n = ${p.n})` }));
  const color = { field: 'series', type: 'nominal', sort: series, scale: { domain: series }, legend: { title: null, orient: 'top' } } as const;
  const y = rateAxis(input.yTitle);
  const tooltip = [{ field: 'series' }, { field: 'x' }, { field: 'label', title: 'rate' }];
  if (numeric) {
    const x = { field: 'x', type: 'quantitative', title: input.xTitle, axis: { values: xs as number[], format: 'd' }, scale: { nice: false, padding: 12 } } as const;
    return {
      $schema: SCHEMA,
      title: input.title,
      width: PLOT_WIDTH,
      height: 260,
      data: { values },
      encoding: { x, color },
      layer: [
        { mark: { type: 'line' }, encoding: { y } },
        { mark: { type: 'rule' }, encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
        { mark: { type: 'point', filled: true, size: 40 }, encoding: { y, tooltip } },
      ],
    };
  }
  return {
    $schema: SCHEMA,
    title: input.title,
    width: { step: Math.max(40, 16 * series.length + 16) },
    height: 260,
    data: { values },
    encoding: {
      x: { field: 'x', type: 'nominal', title: input.xTitle, sort: xs as string[], axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: series },
      color,
    },
    layer: [
      { mark: { type: 'rule' }, encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
      { mark: { type: 'point', filled: true, size: 40 }, encoding: { y, tooltip } },
    ],
  };
}

/** Rate against the generated-token cap (log2 x axis): one line per series over its shaded interval band. */
export function rateVsTokens(input: RateVsTokensInput): TopLevelSpec {
  const chart = 'rateVsTokens';
  requireTitle(chart, input.title);
  if (input.points.length === 0) throw new ChartDataError(chart, `no points in ${JSON.stringify(input.title)}`);
  input.points.forEach((p, i) => {
    checkInterval(chart, `points[${i}]`, p);
    requireFinite(chart, `points[${i}].tokens`, p.tokens);
    if (p.tokens <= 0) throw new ChartDataError(chart, `points[${i}].tokens must be > 0 (log axis), got ${p.tokens}`);
  });
  const series = unique(input.points.map((p) => p.series));
  const caps = unique(input.points.map((p) => p.tokens)).sort((a, b) => a - b);
  const x = {
    field: 'tokens',
    type: 'quantitative',
    title: input.xTitle ?? 'generated-token cap (log2)',
    scale: { type: 'log', base: 2, nice: false },
    axis: { values: caps, format: 'd' },
  } as const;
  const y = rateAxis(input.yTitle);
  const color = { field: 'series', type: 'nominal', sort: series, scale: { domain: series }, legend: { title: null, orient: 'top' } } as const;
  return {
    $schema: SCHEMA,
    title: input.title,
    width: PLOT_WIDTH,
    height: 260,
    data: { values: input.points.map((p) => ({ tokens: p.tokens, series: p.series, rate: p.rate, low: p.low, high: p.high })) },
    encoding: { x, color: { ...color, legend: { ...color.legend, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } } },
    layer: [
      { mark: { type: 'area', opacity: 0.18 }, encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
      { mark: { type: 'line', point: { filled: true, size: 30 } }, encoding: { y } },
    ],
  };
}

/** Training metrics against the step: one small panel per metric (own y scale), in first-seen order. */
export function trainingCurves(input: TrainingCurvesInput): TopLevelSpec {
  const chart = 'trainingCurves';
  requireTitle(chart, input.title);
  if (input.points.length === 0) throw new ChartDataError(chart, `no points in ${JSON.stringify(input.title)}`);
  input.points.forEach((p, i) => {
    requireFinite(chart, `points[${i}].step`, p.step);
    requireFinite(chart, `points[${i}].value`, p.value);
    if (typeof p.metric !== 'string' || p.metric === '') throw new ChartDataError(chart, `points[${i}].metric must be a non-empty string, got ${JSON.stringify(p.metric)}`);
  });
  const metrics = unique(input.points.map((p) => p.metric));
  const columns = input.columns ?? 3;
  if (!Number.isInteger(columns) || columns < 1) throw new ChartDataError(chart, `columns must be a positive integer, got ${String(columns)}`);
  return {
    $schema: SCHEMA,
    title: input.title,
    data: { values: input.points.map((p) => ({ step: p.step, metric: p.metric, value: p.value })) },
    facet: { field: 'metric', type: 'nominal', sort: metrics, title: null, header: { labelFontSize: 11, labelFontWeight: 'bold' } },
    columns: Math.min(columns, metrics.length),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 130,
      mark: { type: 'line', point: input.points.length <= 60 * metrics.length },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: { field: 'metric', type: 'nominal', sort: metrics, legend: null },
      },
    },
  };
}
