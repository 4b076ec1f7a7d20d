import type { Comparison, Rate } from './aggregate.js';
import type { Proportion } from './intervals.js';
import type { EvalResults } from './resultsFile.js';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a');
const count = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** "40.0% [24.6, 57.7] (12/30)" */
export function formatRate(p: Proportion): string {
  return `${pct(p.rate)} [${(100 * p.low).toFixed(1)}, ${(100 * p.high).toFixed(1)}] (${count(p.successes)}/${p.n})`;
}

function seedsCell(r: Rate): string {
  if (r.seeds.rates.length < 2) return '–';
  return `${r.seeds.rates.map(pct).join(', ')} (sd ${(100 * r.seeds.sd).toFixed(1)} pp)`;
}

function comparisonRow(c: Comparison): string {
  const what = c.mode ? `${c.second} vs ${c.first} (${c.mode})` : `${c.second} vs ${c.first} (${c.policy}, ${c.cap === null ? 'full budget' : `≤ ${c.cap} tokens`})`;
  const sign = c.difference >= 0 ? '+' : '';
  return `| ${what} | ${c.n} | ${c.secondOnly} / ${c.firstOnly} | ${sign}${pct(c.difference)} [${(100 * c.low).toFixed(1)}, ${(100 * c.high).toFixed(1)}] | ${c.pValue.toPrecision(3)} |`;
}

/** The evaluation as markdown tables: what codeq eval prints and writes to summary.md. */
export function formatEvalMarkdown(results: EvalResults): string {
  const { aggregates } = results;
  const lines = [
    `Evaluation on the ${results.split} split: ${results.policies.map((p) => `**${p.label}**`).join(', ')}; modes ${results.modes.join(', ')}; seeds ${results.seeds.join(', ')}.`,
    'Solved = the chosen program passed the visible AND the hidden tests; only tasks whose hidden tests can vouch count. Intervals: Wilson 95% over tasks (several seeds: the seed-averaged rate at n = tasks).',
    '',
    '| policy | mode | tasks | solved (visible + hidden) | passed visible | per-seed solved | tokens per solve | visible-only tasks (passed visible) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...aggregates.results.map((r) => `| ${r.policy} | ${r.mode} | ${r.tasks} | **${formatRate(r.overall.hidden)}** | ${formatRate(r.overall.visible)} | ${seedsCell(r.overall)} | ${r.tokens.perSolve === null ? '–' : Math.round(r.tokens.perSolve)} | ${r.visibleOnlyTasks.tasks} (${r.visibleOnlyTasks.passedVisible}) |`),
  ];
  if (results.caps.length > 0) {
    lines.push('', 'Solved within a generated-token cap (the same searches, counted at each cap):', '', `| policy | mode | ${results.caps.map((c) => `≤ ${c}`).join(' | ')} |`, `| --- | --- | ${results.caps.map(() => '---').join(' | ')} |`);
    for (const r of aggregates.results) lines.push(`| ${r.policy} | ${r.mode} | ${results.caps.map((c) => formatRate(r.byCap[String(c)]!.hidden)).join(' | ')} |`);
  }
  const comparisons = [...aggregates.policyComparisons, ...aggregates.modeComparisons];
  if (comparisons.length > 0) {
    lines.push('', 'Paired on the same tasks (a task with several seeds counts as solved when most of its seeds solved it): the difference with its Newcombe 95% interval and McNemar\'s exact p.', '', '| comparison | tasks | flipped (gained / lost) | difference | McNemar p |', '| --- | --- | --- | --- | --- |', ...comparisons.map(comparisonRow));
  }
  for (const breakdown of ['language', 'category', 'level', 'bugType'] as const) {
    lines.push('', `By ${breakdown}:`, '', `| policy | mode | ${breakdown} | solved (visible + hidden) | passed visible |`, '| --- | --- | --- | --- | --- |');
    for (const r of aggregates.results) for (const [value, rate] of Object.entries(r.by[breakdown])) lines.push(`| ${r.policy} | ${r.mode} | ${value} | ${formatRate(rate.hidden)} | ${formatRate(rate.visible)} |`);
  }
  return `${lines.join('\n')}\n`;
}
