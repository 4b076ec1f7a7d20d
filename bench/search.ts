/**
 * npm run bench:search — single-pass, best-of-N and MCTS on one fixed sample of held-out easy
 * Python DebugBench tasks, with the real default model and the real sandbox. best-of-N and MCTS
 * get the same generated-token budget per task (the limit that binds); single-pass is one sample.
 * Reports solve rates on visible and on visible+hidden tests with Wilson 95% intervals, tokens
 * per solve, and solves by token cap; pass_visible_only (hidden tests cannot vouch) is counted
 * apart, never in a solve rate. Trajectories are kept (and resumed) under the cache dir.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/artifacts/atomicWrite.js';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { debugbenchDir } from '../src/config/paths.js';
import { SEARCH_MODES, type CodeqConfig, type SearchMode } from '../src/config/schema.js';
import { formatProportion, wilson } from '../src/evaluation/intervals.js';
import { evaluationConfig } from '../src/evaluation/runEvaluation.js';
import { resolveModel } from '../src/models/pull.js';
import { Policy } from '../src/policy/policy.js';
import { loadPromptTemplates } from '../src/policy/prompts.js';
import { extractPairs } from '../src/preferences/extractPairs.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { groupedBars } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import { collect } from '../src/search/collect.js';
import { readTrajectories } from '../src/search/shards.js';
import { countWithinCaps } from '../src/search/tokenCaps.js';
import type { Trajectory } from '../src/search/trajectory.js';
import { loadDebugBench } from '../src/tasks/debugbench.js';
import { prepareTask, type PreparedTask } from '../src/tasks/prepare/prepareTask.js';
import { splitOfSlug } from '../src/tasks/split.js';
import { serializeTask } from '../src/tasks/store.js';
import { readTaskFile } from '../src/tasks/taskFile.js';
import { log } from '../src/util/log.js';
import { Random } from '../src/util/random.js';

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20' },
    tokens: { type: 'string', default: '2048' },
    modes: { type: 'string', default: 'single,best-of-n,mcts' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const TASKS = Number(args.tasks);
const TOKENS = Number(args.tokens);
const MODES = args.modes!.split(',').map((m) => {
  if (!(SEARCH_MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown mode ${JSON.stringify(m)}; expected some of ${SEARCH_MODES.join(',')}`);
  return m as SearchMode;
});
const REPO = resolve(import.meta.dirname, '..');
const base = loadConfig();
const cacheDir = resolveCacheDir(base.cacheDir);

/** Equal token budgets; the other limits are set high enough never to bind first (as codeq eval sets them). */
const config: CodeqConfig = evaluationConfig(base, [TOKENS]);

const sandbox = await createSandbox(config);
const sample = await taskSample();
const model = await resolveModel(config.policy.model ?? undefined, config.models, cacheDir);
const templates = loadPromptTemplates(config.policy);
const runKey = createHash('sha256').update(JSON.stringify({ ids: sample.map((t) => t.id), TOKENS, search: config.search, policy: config.policy, seed: args.seed })).digest('hex').slice(0, 10);

const results = new Map<SearchMode, Trajectory[]>();
for (const mode of MODES) {
  const sequences = mode === 'mcts' ? config.search.mcts.k : mode === 'single' ? 1 : config.policy.sequences;
  const policy = await Policy.load(model.file, { ...config.policy, sequences });
  const out = join(cacheDir, 'bench', 'search', `${runKey}-${mode}`);
  log.info('searching', { mode, tasks: sample.length, tokens: TOKENS, out });
  const summary = await collect({ mode, tasks: sample, out, policy, sandbox, templates, config, seed: Number(args.seed) });
  await policy.dispose();
  log.info('searched', { mode, ...summary });
  results.set(mode, [...readTrajectories(out)]);
}
await sandbox.dispose();

// Modes are compared on the tasks every mode has a trajectory for (a failed search is retried by a rerun).
const common = sample.map((t) => t.id).filter((id) => MODES.every((mode) => results.get(mode)!.some((t) => t.task === id)));
if (common.length < sample.length) log.warn('some searches failed; comparing on the tasks every mode finished', { tasks: common.length, of: sample.length });
if (common.length === 0) throw new Error('no task was searched by every mode; see errors.jsonl in the output directories and rerun');
for (const mode of MODES) results.set(mode, results.get(mode)!.filter((t) => common.includes(t.task)));

// Solves by token cap: a search counts at cap T when the call that found its answer had spent at
// most T (countWithinCaps) — the same rule for every mode, from the same searches.
const CAPS = [256, 512, 1024, 2048, 4096].filter((c) => c <= TOKENS);
if (!CAPS.includes(TOKENS)) CAPS.push(TOKENS);
const rows = MODES.map((mode) => {
  const ts = results.get(mode)!;
  const tokens = ts.reduce((s, t) => s + t.budget.generatedTokens, 0);
  const solved = ts.filter((t) => t.solved).length;
  return {
    mode,
    n: ts.length,
    visible: wilson(ts.filter((t) => t.solvedVisible).length, ts.length),
    hidden: wilson(solved, ts.length),
    visibleOnly: ts.filter((t) => t.verdict === 'pass_visible_only').length,
    tokens,
    perSolve: solved > 0 ? tokens / solved : null,
    runs: ts.reduce((s, t) => s + t.budget.executions, 0) / ts.length,
    seconds: ts.reduce((s, t) => s + t.budget.wallMs, 0) / ts.length / 1000,
    byCap: Object.fromEntries(countWithinCaps(ts, CAPS).map((c) => [c.cap, c])),
  };
});
const mcts = results.get('mcts');
// The sample is of the test split: its pairs are counted for this report, never trained on.
const pairs = mcts ? (await extractPairs(mcts, config.pairs, { allowTestSplit: true })).summary : null;

const fmt = (x: number | null, digits = 0) => (x === null ? '–' : x.toFixed(digits));
const lines = [
  '## Search: single-pass, best-of-N and MCTS at equal token budgets',
  '',
  `Command: \`npm run bench:search\` (\`--tasks ${TASKS} --tokens ${TOKENS}\`). Sample: ${common.length} easy Python DebugBench tasks of the held-out (test) split,`,
  `drawn with seed ${args.seed} and prepared with ${config.tasks.hidden.count} hidden tests each. Model: ${model.file.split('/').pop()} on the CPU`,
  `(threads ${config.policy.threads}). Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  `Budget per task: **${TOKENS} generated tokens** for best-of-N (up to ${config.search.bestOfN.n} samples, ${config.policy.sequences} at a time, temperature ${config.policy.generation.temperature})`,
  `and MCTS (k ${config.search.mcts.k}, depth ≤ ${config.search.mcts.maxDepth}, rollout depth ${config.search.mcts.rolloutDepth}, c ${config.search.mcts.exploration}, critic ${config.search.mcts.critic ? `on, α ${config.policy.critic.alpha}` : 'off'};`,
  "the critic's tokens count against the budget); single-pass is one sample at temperature " + `${config.search.singlePass.temperature}. Every search stops at its first`,
  'program that passes the visible tests; "solved" is that program passing the visible AND the hidden tests of a task whose hidden tests can vouch for it.',
  'pass_visible_only (a pass on a task whose hidden tests cannot vouch: none, one answer for all, several valid answers, a random oracle) is counted apart, never as solved. Intervals: Wilson 95%.',
  '',
  '| mode | passed visible tests | solved, visible + hidden | pass_visible_only | tokens (all tasks) | tokens per solve | runs per task | seconds per task |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.mode} | ${formatProportion(r.visible)} | **${formatProportion(r.hidden)}** | ${r.visibleOnly}/${r.n} | ${r.tokens} | ${fmt(r.perSolve)} | ${fmt(r.runs, 1)} | ${fmt(r.seconds, 1)} |`),
  '',
  `Solved (visible + hidden) within a token cap — the same searches, a search counted at a cap when the call that found its answer had spent at most that many tokens; pass_visible_only apart (solved + visible-only):`,
  '',
  `| mode | ${CAPS.map((c) => `≤ ${c}`).join(' | ')} |`,
  `| --- | ${CAPS.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.mode} | ${CAPS.map((c) => `${r.byCap[c]!.solved}/${r.n}${r.byCap[c]!.visibleOnly ? ` + ${r.byCap[c]!.visibleOnly}` : ''}`).join(' | ')} |`),
  '',
  ...(pairs
    ? [
        `Pairs from the MCTS trees (threshold ${config.pairs.threshold}; test-split trees, counted here, never trained on): ${pairs.pairs} after removing ${pairs.semanticDuplicates} duplicates (${(pairs.semanticDuplicateRate * 100).toFixed(1)}%; exact ${(pairs.exactDuplicateRate * 100).toFixed(1)}%),`,
        `${pairs.perTask.tasksWithPairs}/${pairs.perTask.tasks} tasks gave at least one; by depth ${Object.entries(pairs.byDepth).map(([d, n]) => `${d}: ${n}`).join(', ') || '–'}.`,
        '',
      ]
    : []),
  '![solved by token cap](bench/search.svg)',
];
await writePlot(
  resolve(REPO, 'docs/bench'),
  'search',
  groupedBars({
    title: `Tasks solved (visible + hidden tests) of ${common.length}, by generated-token cap`,
    unit: 'tasks',
    series: MODES,
    groups: CAPS.map((cap) => ({ label: `≤ ${cap} tokens`, values: Object.fromEntries(rows.map((r) => [r.mode, r.byCap[cap]!.solved])) })),
  }),
);
await writeBenchmarkSection(resolve(REPO, args.out!), 'search', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);

/** The fixed sample: easy Python tasks of the test split in a seeded order, the first TASKS testable ones. Cached. */
async function taskSample(): Promise<PreparedTask[]> {
  const file = join(cacheDir, 'bench', `search-sample-${TASKS}-seed${args.seed}-hidden${config.tasks.hidden.count}.jsonl`);
  if (existsSync(file)) return readTaskFile(file);
  const { split } = config.tasks;
  const records = loadDebugBench(debugbenchDir(config.tasks.debugbench), ['python3']).tasks.filter(
    (t) => t.level === 'easy' && splitOfSlug(t.slug, split.testFraction, split.seed) === 'test',
  );
  new Random(Number(args.seed)).shuffle(records);
  const tasks: PreparedTask[] = [];
  for (const record of records) {
    if (tasks.length >= TASKS) break;
    const outcome = await prepareTask(record, 'test', sandbox, config.tasks);
    if (outcome.status === 'testable') tasks.push(outcome.task);
    else log.info('not testable', { id: outcome.id, reason: outcome.reason });
  }
  await writeFileAtomic(file, tasks.map((t) => `${serializeTask(t)}\n`).join(''));
  return tasks;
}
