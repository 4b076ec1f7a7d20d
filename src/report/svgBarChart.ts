/**
 * A grouped horizontal bar chart as a standalone SVG (no dependencies, readable in any browser
 * and on GitHub). One group per row label, one bar per series, the value printed at the bar's end.
 */
export interface BarGroup {
  label: string;
  values: Record<string, number | null>;
}

export interface BarChartSpec {
  title: string;
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** Draw the value axis on a log scale (for values spanning orders of magnitude). */
  log?: boolean;
}

const PALETTE = ['#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2'];
const BAR = 14;
const GAP = 10;
const LABEL_WIDTH = 190;
const PLOT_WIDTH = 520;
const VALUE_WIDTH = 80;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function groupedBarChart(spec: BarChartSpec): string {
  const values = spec.groups.flatMap((g) => Object.values(g.values)).filter((v): v is number => v !== null && v > 0);
  const max = Math.max(...values, 1);
  const min = Math.min(...values, max);
  const scale = (value: number) =>
    spec.log
      ? (Math.log10(value / (min / 2)) / Math.log10(max / (min / 2))) * PLOT_WIDTH
      : (value / max) * PLOT_WIDTH;
  const groupHeight = spec.series.length * BAR + GAP;
  const top = 48;
  const height = top + spec.groups.length * groupHeight + 20;
  const width = LABEL_WIDTH + PLOT_WIDTH + VALUE_WIDTH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escape(spec.title)}</text>`,
  ];
  spec.series.forEach((name, index) => {
    const x = LABEL_WIDTH + index * 110;
    parts.push(`<rect x="${x}" y="28" width="10" height="10" fill="${PALETTE[index % PALETTE.length]}"/>`);
    parts.push(`<text x="${x + 14}" y="37">${escape(name)}</text>`);
  });
  spec.groups.forEach((group, row) => {
    const y0 = top + row * groupHeight;
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y0 + (spec.series.length * BAR) / 2 + 4}" text-anchor="end">${escape(group.label)}</text>`);
    spec.series.forEach((name, index) => {
      const value = group.values[name];
      if (value === null || value === undefined) return;
      const y = y0 + index * BAR;
      const w = Math.max(1, scale(value));
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR - 2}" fill="${PALETTE[index % PALETTE.length]}"/>`);
      parts.push(`<text x="${LABEL_WIDTH + w + 4}" y="${y + BAR - 4}">${value.toFixed(1)} ${escape(spec.unit)}</text>`);
    });
  });
  parts.push(`<line x1="${LABEL_WIDTH}" y1="${top - 4}" x2="${LABEL_WIDTH}" y2="${height - 16}" stroke="#333"/>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
