import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { writeFileAtomicSync } from '../artifacts/atomicWrite.js';
import { formatEvalMarkdown, formatRate } from '../evaluation/markdown.js';
import type { Proportion } from '../evaluation/intervals.js';
import { ratesWithIntervals, rateVsTokens, trainingCurves } from './charts.js';
import type { ExperimentData, RoundData } from './experimentData.js';
import { writePlot } from './render.js';

export interface ReportLinks {
  /** The Temporal UI page of a round's workflow (null: no UI known). */
  roundUrl: (round: number) => string | null;
}

export interface WrittenReport {
  dir: string;
  markdown: string;
  html: string;
  data: string;
  plots: string[];
}

/** The numbers the page's tables show, as JSON beside it (what the browser test checks the page against). */
export interface ReportTables {
  rounds: { round: number; incumbent: string; candidate: string | null; difference: number | null; pValue: number | null; promote: boolean | null; reason: string }[];
  flipped: { round: number; task: string; way: 'gained' | 'lost' }[];
  plots: string[];
}

const METRICS = ['loss', 'rewards/margins', 'rewards/accuracies', 'rewards/chosen', 'rewards/rejected'];
const pp = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pp`;

function ratePoints(rounds: RoundData[]) {
  const points: { x: number; series: string; rate: number; low: number; high: number; n: number }[] = [];
  const add = (round: number, series: string, p: Proportion | null | undefined) => {
    if (p && p.n > 0) points.push({ x: round, series, rate: p.rate, low: p.low, high: p.high, n: p.n });
  };
  for (const r of rounds) {
    add(r.round, 'incumbent', r.decision?.incumbentRate);
    add(r.round, 'candidate', r.decision?.candidateRate);
  }
  return points;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Writes <experiment>/report/ (or `outDir`; its links to the artifacts are relative to it): report.md, index.html (static, no scripts: plots as SVG images),
 * tables.json, and plots/*.{svg,png,vl.json} drawn from the rounds' files.
 */
export async function writeExperimentReport(data: ExperimentData, links: ReportLinks, outDir?: string): Promise<WrittenReport> {
  const dir = resolve(outDir ?? join(data.dir, 'report'));
  const plotsDir = join(dir, 'plots');
  mkdirSync(plotsDir, { recursive: true });
  // A report written outside its experiment (docs/example-report) carries copies of the small
  // files it links to (config, decisions, evaluation results, training metrics, pair summaries),
  // so its links work wherever it is read; inside, it links to the files themselves.
  const outside = relative(data.dir, dir).startsWith('..') || isAbsolute(relative(data.dir, dir));
  const copied = new Set<string>();
  const link = (target: string, isDir = false): string => {
    if (!outside) return relative(dir, target) || '.';
    const copy = join(dir, 'artifacts', relative(data.dir, target));
    if (!isDir && !copied.has(copy) && existsSync(target)) {
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(target, copy);
      copied.add(copy);
    }
    return relative(dir, copy) || '.';
  };
  // Not linked from the page, but what its numbers come from: the config and the pair summaries.
  if (outside) for (const file of [join(data.dir, 'config.json'), ...data.rounds.map((r) => join(r.dir, 'pairs', 'summary.json'))]) link(file);
  const plots: { name: string; title: string; file: string }[] = [];
  const plot = async (name: string, title: string, spec: Parameters<typeof writePlot>[2]) => {
    const written = await writePlot(plotsDir, name, spec);
    plots.push({ name, title, file: relative(dir, written.svg) });
  };

  const rates = ratePoints(data.rounds);
  if (rates.length > 0) await plot('solve-rate-per-round', 'Held-out solve rate per round', ratesWithIntervals({ title: 'Test-split tasks solved (visible + hidden tests), Wilson 95%', xTitle: 'round', points: rates }));
  const last = [...data.rounds].reverse().find((r) => r.results);
  if (last?.results) {
    for (const [breakdown, title] of [['category', 'bug category'], ['level', 'difficulty']] as const) {
      const points = last.results.aggregates.results.flatMap((a) => Object.entries(a.by[breakdown]).filter(([, rate]) => rate.hidden.n > 0).map(([x, rate]) => ({ x, series: a.policy, rate: rate.hidden.rate, low: rate.hidden.low, high: rate.hidden.high, n: rate.hidden.n })));
      if (points.length > 0) await plot(`by-${breakdown}`, `Round ${last.round}: by ${title}`, ratesWithIntervals({ title: `Round ${last.round}: solved by ${title} (Wilson 95%)`, xTitle: title, points }));
    }
    if (last.results.caps.length > 0 && last.results.aggregates.results.every((a) => a.tasks > 0)) {
      const points = last.results.aggregates.results.flatMap((a) => last.results!.caps.map((cap) => ({ tokens: cap, series: `${a.policy} ${a.mode}`, rate: a.byCap[String(cap)]!.hidden.rate, low: a.byCap[String(cap)]!.hidden.low, high: a.byCap[String(cap)]!.hidden.high })));
      await plot('rate-vs-tokens', `Round ${last.round}: solve rate against generated tokens`, rateVsTokens({ title: `Round ${last.round}: solved within a generated-token cap`, points }));
    }
  }
  for (const r of data.rounds) {
    const points = r.metrics.flatMap((m) => METRICS.filter((k) => typeof m[k] === 'number').map((metric) => ({ step: m.step!, metric, value: m[metric]! })));
    if (points.length > 0) await plot(`training-round-${r.round}`, `Round ${r.round}: DPO training`, trainingCurves({ title: `Round ${r.round}: DPO training curves`, points }));
  }

  const tables: ReportTables = {
    rounds: data.rounds.map((r) => ({
      round: r.round,
      incumbent: r.decision ? formatRate(r.decision.incumbentRate) : '–',
      candidate: r.decision?.candidateRate ? formatRate(r.decision.candidateRate) : null,
      difference: r.decision?.comparison?.difference ?? null,
      pValue: r.decision?.comparison?.pValue ?? null,
      promote: r.decision?.promote ?? null,
      reason: r.decision?.reason ?? 'not decided yet',
    })),
    flipped: data.rounds.flatMap((r) => [...(r.decision?.flipped.gained ?? []).map((task) => ({ round: r.round, task, way: 'gained' as const })), ...(r.decision?.flipped.lost ?? []).map((task) => ({ round: r.round, task, way: 'lost' as const }))]),
    plots: plots.map((p) => p.file),
  };

  // Markdown.
  const md = [
    `# Experiment ${data.id}`,
    '',
    `${data.rounds.length} round(s). Solve rates are on held-out (test-split) tasks, visible AND hidden tests; intervals Wilson 95%; the paired difference is candidate − incumbent on the same tasks with Newcombe's 95% interval and McNemar's exact p.`,
    '',
    '| round | incumbent | candidate | paired difference | McNemar p | decision |',
    '| --- | --- | --- | --- | --- | --- |',
    ...data.rounds.map((r) => {
      const c = r.decision?.comparison;
      return `| ${r.round} | ${r.decision ? formatRate(r.decision.incumbentRate) : '–'} | ${r.decision?.candidateRate ? formatRate(r.decision.candidateRate) : '–'} | ${c ? `${pp(c.difference)} [${(100 * c.low).toFixed(1)}, ${(100 * c.high).toFixed(1)}]` : '–'} | ${c ? c.pValue.toPrecision(3) : '–'} | ${r.decision ? (r.decision.promote ? 'promoted' : 'kept') : 'running'} |`;
    }),
    '',
    ...data.rounds.flatMap((r) => [
      `## Round ${r.round}`,
      '',
      `Collected: ${r.collected ? `${r.collected.tasks} train tasks searched, ${r.collected.solved} solved` : '–'}; pairs: ${r.pairs ? `${r.pairs.pairs} from ${r.pairs.perTask.tasksWithPairs}/${r.pairs.perTask.tasks} tasks (${r.pairs.semanticDuplicates} duplicates removed)` : '–'}; training: ${r.metrics.length > 0 ? `${r.metrics.length} steps, final loss ${r.metrics.at(-1)!['loss']?.toFixed(4)}` : '–'}.`,
      '',
      `Decision: ${r.decision?.reason ?? 'not decided yet'}`,
      '',
      ...(r.decision && (r.decision.flipped.gained.length || r.decision.flipped.lost.length)
        ? ['| task | flipped |', '| --- | --- |', ...r.decision.flipped.gained.map((t) => `| ${t} | gained (candidate solves it) |`), ...r.decision.flipped.lost.map((t) => `| ${t} | lost |`), '']
        : ['No task flipped.', '']),
      ...(r.results ? [formatEvalMarkdown(r.results)] : []),
    ]),
    '## Plots',
    '',
    ...plots.map((p) => `![${p.title}](${p.file})`),
    '',
  ].join('\n');

  // HTML: static, every plot an <img> of its SVG, every number from the same data as tables.json.
  const cell = (x: string | number | null) => `<td>${escapeHtml(x === null ? '–' : String(x))}</td>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>codeq experiment ${escapeHtml(data.id)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}th{background:#f4f4f4}figure{margin:1.5em 0}img{max-width:100%;border:1px solid #eee}code{background:#f4f4f4;padding:0 3px}</style>
</head><body>
<h1>Experiment ${escapeHtml(data.id)}</h1>
<p>Solve rates on held-out (test-split) tasks, visible AND hidden tests; Wilson 95% intervals; paired difference candidate − incumbent with Newcombe's 95% interval and McNemar's exact p. Files: <a href="${escapeHtml(link(data.dir, true))}/">the experiment's directory</a>; <a href="report.md">report.md</a>; <a href="tables.json">tables.json</a>.</p>
<table id="rounds"><thead><tr><th>round</th><th>incumbent</th><th>candidate</th><th>difference</th><th>McNemar p</th><th>decision</th><th>workflow</th></tr></thead><tbody>
${tables.rounds
  .map((r) => {
    const url = links.roundUrl(r.round);
    return `<tr data-round="${r.round}">${cell(r.round)}${cell(r.incumbent)}${cell(r.candidate)}${cell(r.difference === null ? null : pp(r.difference))}${cell(r.pValue === null ? null : r.pValue.toPrecision(3))}${cell(r.promote === null ? 'running' : r.promote ? 'promoted' : 'kept')}<td>${url ? `<a href="${escapeHtml(url)}">Temporal UI</a>` : '–'}</td></tr>`;
  })
  .join('\n')}
</tbody></table>
${data.rounds.map((r) => `<h2>Round ${r.round}</h2><p>${escapeHtml(r.decision?.reason ?? 'not decided yet')}</p><p>Artifacts: <a href="${escapeHtml(link(r.dir, true))}/">round-${r.round}/</a> (<a href="${escapeHtml(link(join(r.dir, 'evaluate', 'results.json')))}">evaluation results</a>, <a href="${escapeHtml(link(join(r.dir, 'promote', 'decision.json')))}">decision</a>${r.metrics.length > 0 ? `, <a href="${escapeHtml(link(join(r.dir, 'train', 'metrics.jsonl')))}">training metrics</a>` : ''})</p>`).join('\n')}
<h2>Tasks that flipped</h2>
<table id="flipped"><thead><tr><th>round</th><th>task</th><th>way</th></tr></thead><tbody>
${tables.flipped.map((f) => `<tr>${cell(f.round)}${cell(f.task)}${cell(f.way)}</tr>`).join('\n') || '<tr class="none"><td colspan="3">none</td></tr>'}
</tbody></table>
<h2>Plots</h2>
${plots.map((p) => `<figure><img class="plot" src="${escapeHtml(p.file)}" alt="${escapeHtml(p.title)}"><figcaption>${escapeHtml(p.title)} (<a href="${escapeHtml(p.file.replace(/\.svg$/, '.png'))}">PNG</a>)</figcaption></figure>`).join('\n')}
</body></html>
`;
  const files = { markdown: join(dir, 'report.md'), html: join(dir, 'index.html'), data: join(dir, 'tables.json') };
  writeFileAtomicSync(files.markdown, md);
  writeFileAtomicSync(files.data, `${JSON.stringify(tables, null, 2)}\n`);
  writeFileAtomicSync(files.html, html);
  return { dir, ...files, plots: plots.map((p) => join(dir, p.file)) };
}
