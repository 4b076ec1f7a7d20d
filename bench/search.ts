/**
 * npm run bench:search — single-pass, best-of-N and MCTS, and MCTS's ablations, on a fixed sample
 * of held-out DebugBench tasks stratified by language and difficulty (tasks whose hidden tests
 * vouch for a pass only), with the real default model and the real sandbox, run by codeq eval's
 * own code (runEvaluation). Every search gets the largest token cap and is counted at each smaller
 * one; modes are paired per task (McNemar's exact p, Newcombe interval); rates are on visible AND
 * hidden tests with Wilson 95% intervals.
 *
 * It takes many hours on a 2-core CPU, so it runs in waves (a prefix of the sample that is itself
 * stratified) and rewrites its section of docs/benchmarks.md after every wave with what is on disk:
 * stop it at any time, rerun the same command, and it continues (searches already on disk are not
 * redone). Order: the main comparison seed by seed, then the ablations.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/artifacts/atomicWrite.js';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { debugbenchDir } from '../src/config/paths.js';
import type { CodeqConfig, SearchMode } from '../src/config/schema.js';
import { compare } from '../src/evaluation/aggregate.js';
import { buildResults, recordsOf, type PolicyTrajectories } from '../src/evaluation/buildResults.js';
import { wilson } from '../src/evaluation/intervals.js';
import { formatEvalMarkdown, formatRate } from '../src/evaluation/markdown.js';
import type { EvalRecord } from '../src/evaluation/records.js';
import { labelPolicies, runEvaluation } from '../src/evaluation/runEvaluation.js';
import { resolveModel } from '../src/models/pull.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { rateVsTokens } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import type { Language } from '../src/sandbox/types.js';
import { readTrajectories } from '../src/search/shards.js';
import { loadDebugBench } from '../src/tasks/debugbench.js';
import { prepareTask, type PreparedTask } from '../src/tasks/prepare/prepareTask.js';
import { splitOfSlug } from '../src/tasks/split.js';
import { serializeTask } from '../src/tasks/store.js';
import type { Level } from '../src/tasks/task.js';
import { readTaskFile } from '../src/tasks/taskFile.js';
import { log } from '../src/util/log.js';
import { Random } from '../src/util/random.js';

/** One configuration searched: the main comparison, or an ablation of MCTS (one switch each). */
interface Variant {
  modes: SearchMode[];
  what: string;
  change: (c: CodeqConfig) => void;
}
const VARIANTS: Record<string, Variant> = {
  main: { modes: ['single', 'best-of-n', 'mcts'], what: 'the defaults (configs/default.yaml)', change: () => {} },
  'no-widening': { modes: ['mcts'], what: 'no progressive widening (leaves expanded once)', change: (c) => (c.search.mcts.widening = null) },
  critic: { modes: ['mcts'], what: "the critic's PUCT prior on", change: (c) => (c.search.mcts.critic = true) },
  'no-reflection': { modes: ['mcts'], what: 'no reflection (plain rewrite prompts)', change: (c) => (c.search.reflection.enabled = false) },
  k4: { modes: ['mcts'], what: 'rollout k = 4 rewrites per call', change: (c) => (c.search.mcts.k = 4) },
  agreement: { modes: ['best-of-n', 'mcts'], what: 'agreement among 3 visible passes (both modes)', change: (c) => (c.search.agreement.candidates = 3) },
};

const LANGUAGES: Language[] = ['python3', 'cpp', 'java'];
const LEVELS: Level[] = ['easy', 'medium', 'hard'];

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '102' },
    limit: { type: 'string' },
    wave: { type: 'string', default: '9' },
    tokens: { type: 'string', default: '4096' },
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1,2,3' },
    variants: { type: 'string', default: Object.keys(VARIANTS).join(',') },
    'report-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const fail = (message: string): never => {
  process.stderr.write(`bench:search: ${message}\n`);
  process.exit(2);
};
const int = (name: string, value: string) => (/^\d+$/.test(value) && Number(value) > 0 ? Number(value) : fail(`--${name} ${JSON.stringify(value)}: expected a positive integer`));
const TASKS = int('tasks', args.tasks!);
const LIMIT = Math.min(TASKS, args.limit ? int('limit', args.limit) : TASKS);
const WAVE = int('wave', args.wave!);
const TOKENS = int('tokens', args.tokens!);
const SEEDS = args.seeds!.split(',').map((s) => int('seeds', s));
const CHOSEN = args.variants!.split(',').map((v) => (v in VARIANTS ? v : fail(`--variants: unknown ${JSON.stringify(v)}; expected some of ${Object.keys(VARIANTS).join(',')}`)));
const CAPS = [512, 1024, 2048, 4096].filter((c) => c < TOKENS).concat(TOKENS);
const REPO = resolve(import.meta.dirname, '..');
const base = loadConfig();
const cacheDir = resolveCacheDir(base.cacheDir);
const LABEL = labelPolicies([{ model: null, adapter: null }])[0]!.label;

const started = performance.now();
const sandbox = await createSandbox(base);
try {
  const sample = await taskSample(LIMIT);
  const model = await resolveModel(base.policy.model ?? undefined, base.models, cacheDir);
  const root = join(cacheDir, 'bench', 'search', sampleName());
  if (!args['report-only']) {
    for (const name of CHOSEN) {
      for (const seed of SEEDS) {
        for (let n = Math.min(WAVE, sample.length); ; n = Math.min(n + WAVE, sample.length)) {
          log.info('bench wave', { variant: name, seed, tasks: n, of: sample.length });
          await runEvaluation({
            policies: labelPolicies([{ model: null, adapter: null }]),
            compare: false,
            modes: VARIANTS[name]!.modes,
            caps: CAPS,
            seeds: [seed],
            tasks: sample.slice(0, n),
            out: variantDir(root, name),
            config: variantConfig(name),
            sandbox,
            onProgress: (p) => log.info('searched', { variant: name, ...p }),
          });
          await report(sample, root, model.file);
          if (n >= sample.length) break;
        }
      }
    }
  }
  await report(sample, root, model.file);
} finally {
  await sandbox.dispose();
}

function variantConfig(name: string): CodeqConfig {
  const c = structuredClone(base);
  VARIANTS[name]!.change(c);
  return c;
}

/** A variant's searches live under a key of everything that shapes them: change a setting, and they start afresh. */
function variantDir(root: string, name: string): string {
  const c = variantConfig(name);
  const key = createHash('sha256').update(JSON.stringify({ CAPS, search: c.search, policy: c.policy, tasks: c.tasks.verify })).digest('hex').slice(0, 10);
  return join(root, `${name}-${key}`);
}

function runsOf(root: string, name: string, mode: SearchMode, seed: number): string {
  return join(variantDir(root, name), 'trajectories', LABEL, mode, `seed-${seed}`);
}

function tasksDone(dir: string): Set<string> {
  return existsSync(dir) ? new Set([...readTrajectories(dir)].map((t) => t.task)) : new Set();
}

/**
 * What a variant has to show: the seeds whose every mode covered the whole sample, over it; else
 * the first seed begun, over the tasks all its modes have done (a benchmark still under way).
 */
function coverage(root: string, name: string, sample: PreparedTask[]): { seeds: number[]; tasks: Set<string> } | null {
  const all = new Set(sample.map((t) => t.id));
  const done = SEEDS.map((seed) => {
    const sets = VARIANTS[name]!.modes.map((mode) => tasksDone(runsOf(root, name, mode, seed)));
    return { seed, tasks: new Set([...all].filter((id) => sets.every((s) => s.has(id)))) };
  });
  const complete = done.filter((d) => d.tasks.size === all.size);
  if (complete.length > 0) return { seeds: complete.map((d) => d.seed), tasks: all };
  const begun = done.find((d) => d.tasks.size > 0);
  return begun ? { seeds: [begun.seed], tasks: begun.tasks } : null;
}

function recordsFor(root: string, name: string, modes: SearchMode[], seeds: number[], only: Set<string>, facts: Map<string, PreparedTask>): EvalRecord[] {
  const trajectories: PolicyTrajectories = { label: name, model: '', adapter: null, runs: modes.flatMap((mode) => seeds.map((seed) => ({ dir: runsOf(root, name, mode, seed), seed }))) };
  return recordsOf(trajectories, facts).filter((r) => only.has(r.task) && r.visibleOnly === null);
}

async function report(sample: PreparedTask[], root: string, modelFile: string): Promise<void> {
  const facts = new Map(sample.map((t) => [t.id, t]));
  const main = coverage(root, 'main', sample);
  const minutes = (performance.now() - started) / 60_000;
  const cells = LANGUAGES.flatMap((l) => LEVELS.map((v) => `${l}/${v} ${sample.filter((t) => t.language === l && t.level === v).length}`));
  const c = base;
  const lines = [
    '## Search: single-pass, best-of-N and MCTS at equal token budgets, with ablations',
    '',
    `Command: \`npm run bench:search\` (\`--tasks ${TASKS} --tokens ${TOKENS} --seeds ${SEEDS.join(',')}\`; it runs \`codeq eval\`'s code). Sample: ${sample.length} DebugBench tasks of the held-out (test) split, drawn with seed ${args.seed},`,
    `stratified by language and difficulty (${cells.join(', ')}), only tasks whose ${c.tasks.hidden.count} hidden tests vouch for a pass. Model: ${modelFile.split('/').pop()} on the CPU (threads ${c.policy.threads}).`,
    `Machine: ${describeMachine()}. Written ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by a run that had been going ${minutes.toFixed(0)} min (searches already on disk are reused, so the table's search time below is the real cost).`,
    '',
    `Budget per task: **${TOKENS} generated tokens**, counted at every cap ${CAPS.join(' / ')} (a search counts at a cap when the tokens spent up to the call that found its answer fit in it).`,
    `Defaults: best-of-N samples ${c.policy.sequences} at a time at temperature ${c.policy.generation.temperature}; MCTS k ${c.search.mcts.k}, widening ${c.search.mcts.widening ? `c ${c.search.mcts.widening.c}, α ${c.search.mcts.widening.alpha}` : 'off'}, ${c.search.mcts.backup} backup, depth ≤ ${c.search.mcts.maxDepth}, rollout depth ${c.search.mcts.rolloutDepth}, UCB c ${c.search.mcts.exploration}, critic ${c.search.mcts.critic ? 'on' : 'off'}, reflection ${c.search.reflection.enabled ? 'on' : 'off'};`,
    `answers start with the code fence and stop where it closes (${c.policy.generation.openFence && c.policy.generation.stopAtFenceEnd ? 'on' : 'off'}); single-pass is one sample at temperature ${c.search.singlePass.temperature}. A search stops at its first visible pass (agreement: at its third).`,
    '',
  ];
  if (!main) {
    lines.push('_No searches on disk yet._');
  } else {
    const complete = main.tasks.size === sample.length;
    lines.push(
      `### Main comparison (seeds ${main.seeds.join(', ')}; ${complete ? `all ${sample.length} tasks` : `**under way: ${main.tasks.size} of ${sample.length} tasks done for seed ${main.seeds[0]}**`})`,
      '',
    );
    const results = buildResults(
      [{ label: LABEL, model: modelFile, adapter: null, runs: VARIANTS.main!.modes.flatMap((mode) => main.seeds.map((seed) => ({ dir: runsOf(root, 'main', mode, seed), seed }))) }],
      facts,
      { split: 'test', caps: CAPS, only: main.tasks },
    );
    const records = recordsFor(root, 'main', VARIANTS.main!.modes, main.seeds, main.tasks, facts);
    const hours = records.reduce((s, r) => s + r.wallMs, 0) / 3_600_000;
    lines.push(`Search time of these searches: ${hours.toFixed(1)} h (${VARIANTS.main!.modes.map((m) => `${m} ${(records.filter((r) => r.mode === m).reduce((s, r) => s + r.wallMs, 0) / 3_600_000).toFixed(1)} h`).join(', ')}).`, '');
    lines.push(targetLine(records), '', formatEvalMarkdown(results).trimEnd(), '', '![solved by token cap](bench/search.svg)', '');
    await writePlot(
      resolve(REPO, 'docs/bench'),
      'search',
      rateVsTokens({
        title: `Solved (visible + hidden tests), ${main.tasks.size} held-out tasks, by generated-token cap`,
        points: results.aggregates.results.flatMap((r) => CAPS.map((cap) => ({ tokens: cap, series: r.mode, ...r.byCap[String(cap)]!.hidden }))),
      }),
    );
    lines.push(...ablationTable(root, sample, facts, main));
  }
  await writeBenchmarkSection(resolve(REPO, args.out!), 'search', lines.join('\n'));
}

/** The issue's target, checked on the data: MCTS above best-of-N at every cap ≥ 1024, by ≥ 5 points at 2048 with p < 0.05. */
function targetLine(records: EvalRecord[]): string {
  const of = (mode: SearchMode) => records.filter((r) => r.mode === mode);
  const caps = CAPS.filter((cap) => cap >= 1024);
  const parts = caps.map((cap) => ({ cap, c: compare(of('best-of-n'), of('mcts'), { first: 'best-of-n', second: 'mcts', mode: null, policy: LABEL, cap }) }));
  const above = parts.every((p) => p.c.difference > 0);
  const at2048 = parts.find((p) => p.cap === 2048)?.c;
  const met = above && at2048 !== undefined && at2048.difference >= 0.05 && at2048.pValue < 0.05;
  const cells = parts.map((p) => `≤ ${p.cap}: ${p.c.difference >= 0 ? '+' : ''}${(100 * p.c.difference).toFixed(1)} pts (p = ${p.c.pValue.toPrecision(2)})`).join('; ');
  return `**Target** (MCTS above best-of-N at every cap ≥ 1024, by ≥ 5 points at 2048 with p < 0.05): **${met ? 'met' : 'not met'}** on these tasks — MCTS minus best-of-N ${cells}.`;
}

/** One row per ablation (and mode), paired with the main run's same mode on the same tasks and seeds. */
function ablationTable(root: string, sample: PreparedTask[], facts: Map<string, PreparedTask>, main: { seeds: number[]; tasks: Set<string> }): string[] {
  const rows: string[] = [];
  for (const name of Object.keys(VARIANTS).filter((v) => v !== 'main')) {
    const cov = coverage(root, name, sample);
    if (!cov) continue;
    const seeds = cov.seeds.filter((s) => main.seeds.includes(s));
    const tasks = new Set([...cov.tasks].filter((t) => main.tasks.has(t)));
    if (seeds.length === 0 || tasks.size === 0) continue;
    for (const mode of VARIANTS[name]!.modes) {
      const mine = recordsFor(root, name, [mode], seeds, tasks, facts);
      const theirs = recordsFor(root, 'main', [mode], seeds, tasks, facts);
      const rate = (rs: EvalRecord[], cap: number) => formatRate(wilson(rs.filter((r) => r.solved && r.tokensToChosen !== null && r.tokensToChosen <= cap).length / seeds.length, tasks.size));
      const vs = compare(theirs, mine, { first: 'main', second: name, mode, policy: null, cap: null });
      const solved = mine.filter((r) => r.solved).length;
      const tokens = mine.reduce((s, r) => s + r.generatedTokens, 0);
      const gap = mine.filter((r) => r.solvedVisible && !r.solved).length;
      const hours = mine.reduce((s, r) => s + r.wallMs, 0) / 3_600_000;
      rows.push(
        `| ${name} | ${VARIANTS[name]!.what} | ${mode} | ${seeds.join(',')} | ${tasks.size} | ${CAPS.map((cap) => rate(mine, cap)).join(' | ')} | ${vs.secondOnly} / ${vs.firstOnly}, ${vs.difference >= 0 ? '+' : ''}${(100 * vs.difference).toFixed(1)} pts, p = ${vs.pValue.toPrecision(2)} | ${solved ? Math.round(tokens / solved) : '–'} | ${gap} | ${hours.toFixed(1)} |`,
      );
    }
  }
  if (rows.length === 0) return ['Ablations: none on disk yet (they run after the main comparison).'];
  return [
    '### Ablations (each one switch from the defaults; paired with the same mode of the main run on the same tasks and seeds)',
    '',
    `| variant | change | mode | seeds | tasks | ${CAPS.map((c) => `≤ ${c}`).join(' | ')} | vs main (gained / lost, diff, McNemar p) | tokens per solve | passed visible, failed hidden | search h |`,
    `| --- | --- | --- | --- | --- | ${CAPS.map(() => '---').join(' | ')} | --- | --- | --- | --- |`,
    ...rows,
  ];
}

function sampleName(): string {
  return `sample-${TASKS}-seed${args.seed}-hidden${base.tasks.hidden.count}`;
}

/**
 * The fixed sample: for each language × difficulty cell, test-split tasks in a seeded order,
 * prepared until the cell has its share of tasks whose hidden tests vouch; cells interleaved so
 * that any prefix is stratified too. Prepared as far as `needed` and cached with its cursors, so
 * a later, longer run continues the same sample.
 */
async function taskSample(needed: number): Promise<PreparedTask[]> {
  const file = join(cacheDir, 'bench', `${sampleName()}.jsonl`);
  const stateFile = `${file}.state.json`;
  const tasks: PreparedTask[] = existsSync(file) ? readTaskFile(file) : [];
  const cursors: Record<string, number> = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, number>) : {};
  if (tasks.length >= needed) return tasks.slice(0, needed);
  const { split } = base.tasks;
  const records = loadDebugBench(debugbenchDir(base.tasks.debugbench), LANGUAGES).tasks.filter((t) => splitOfSlug(t.slug, split.testFraction, split.seed) === 'test');
  const cells = LEVELS.flatMap((level) => LANGUAGES.map((language) => `${language}/${level}`));
  const pools = new Map(cells.map((cell) => [cell, records.filter((t) => `${t.language}/${t.level}` === cell)]));
  for (const pool of pools.values()) new Random(Number(args.seed)).shuffle(pool);
  const empty = new Set<string>();
  while (tasks.length < needed && empty.size < cells.length) {
    const cell = cells[tasks.length % cells.length]!;
    const pool = pools.get(cell)!;
    let added = false;
    while (!added && (cursors[cell] ?? 0) < pool.length) {
      const record = pool[cursors[cell] ?? 0]!;
      cursors[cell] = (cursors[cell] ?? 0) + 1;
      const outcome = await prepareTask(record, 'test', sandbox, base.tasks);
      if (outcome.status === 'testable' && outcome.task.visibleOnly === null && outcome.task.hidden.length > 0) {
        tasks.push(outcome.task);
        added = true;
      } else log.info('not in the sample', { id: record.id, reason: outcome.status === 'testable' ? (outcome.task.visibleOnly ?? 'no hidden tests') : outcome.reason });
    }
    if (!added) {
      // A cell ran out of tasks: the sample cannot stay stratified beyond this point.
      empty.add(cell);
      fail(`the ${cell} cell of the test split has only the tasks already in the sample; use a smaller --tasks`);
    }
    await writeFileAtomic(file, tasks.map((t) => `${serializeTask(t)}\n`).join(''));
    await writeFileAtomic(stateFile, JSON.stringify(cursors));
  }
  return tasks;
}
