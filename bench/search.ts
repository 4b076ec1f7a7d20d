/**
 * npm run bench:search — single-pass, best-of-N and MCTS on one fixed sample of held-out easy
 * Python DebugBench tasks, with the real default model and the real sandbox, run by codeq eval's
 * own code (runEvaluation): best-of-N and MCTS get the same generated-token budget per task (the
 * limit that binds), every search is counted at each smaller cap, and MCTS is paired with the
 * other modes per task (McNemar's exact p, Newcombe interval). Solve rates are on visible AND
 * hidden tests with Wilson 95% intervals; pass_visible_only is counted apart. Trajectories are
 * kept (and resumed) under the cache dir; `codeq eval --tasks <the sample file>` with the same
 * modes, caps and seeds reproduces the numbers.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../src/artifacts/atomicWrite.js';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { debugbenchDir } from '../src/config/paths.js';
import { SEARCH_MODES, type SearchMode } from '../src/config/schema.js';
import { formatEvalMarkdown } from '../src/evaluation/markdown.js';
import { evaluationConfig, labelPolicies, runEvaluation } from '../src/evaluation/runEvaluation.js';
import { resolveModel } from '../src/models/pull.js';
import { extractPairs } from '../src/preferences/extractPairs.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { rateVsTokens } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import { readTrajectories } from '../src/search/shards.js';
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
    seeds: { type: 'string' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const TASKS = Number(args.tasks);
const TOKENS = Number(args.tokens);
const MODES = args.modes!.split(',').map((m) => {
  if (!(SEARCH_MODES as readonly string[]).includes(m)) throw new Error(`--modes: unknown mode ${JSON.stringify(m)}; expected some of ${SEARCH_MODES.join(',')}`);
  return m as SearchMode;
});
/** The searches' seeds (default: --seed); the sample is always drawn with --seed. */
const SEEDS = (args.seeds ?? args.seed!).split(',').map(Number);
const REPO = resolve(import.meta.dirname, '..');
const base = loadConfig();
const cacheDir = resolveCacheDir(base.cacheDir);
// Solves by token cap: the same searches counted at every cap up to the budget.
const CAPS = [256, 512, 1024, 2048, 4096].filter((c) => c < TOKENS).concat(TOKENS);
const config = evaluationConfig(base, CAPS);

const started = performance.now();
const sandbox = await createSandbox(config);
const sample = await taskSample();
const model = await resolveModel(config.policy.model ?? undefined, config.models, cacheDir);
const runKey = createHash('sha256').update(JSON.stringify({ ids: sample.map((t) => t.id), CAPS, search: config.search, policy: config.policy })).digest('hex').slice(0, 10);
const out = join(cacheDir, 'bench', 'search', runKey);
log.info('searching', { modes: MODES, tasks: sample.length, tokens: TOKENS, seeds: SEEDS, out });
const results = await runEvaluation({
  policies: labelPolicies([{ model: null, adapter: null }]),
  compare: false,
  modes: MODES,
  caps: CAPS,
  seeds: SEEDS,
  tasks: sample,
  out,
  config: base,
  sandbox,
  onProgress: (p) => log.info('searched', p),
}).finally(() => sandbox.dispose());
const minutes = (performance.now() - started) / 60_000;

// Pairs the MCTS trees would give (the sample is of the test split: counted here, never trained on).
const mctsDirs = MODES.includes('mcts') ? SEEDS.map((seed) => join(out, 'trajectories', results.policies[0]!.label, 'mcts', `seed-${seed}`)) : [];
const pairs = mctsDirs.length ? (await extractPairs(mctsDirs.flatMap((d) => [...readTrajectories(d)]), config.pairs, { allowTestSplit: true })).summary : null;
const records = (mode: SearchMode) => results.records.filter((r) => r.mode === mode);
const perTask = (mode: SearchMode, f: (r: (typeof results.records)[number]) => number) => records(mode).reduce((s, r) => s + f(r), 0) / Math.max(1, records(mode).length);

const lines = [
  '## Search: single-pass, best-of-N and MCTS at equal token budgets',
  '',
  `Command: \`npm run bench:search\` (\`--tasks ${TASKS} --tokens ${TOKENS} --seeds ${SEEDS.join(',')}\`), which runs \`codeq eval\`'s code on a fixed sample: ${sample.length} easy Python DebugBench tasks of the held-out (test) split,`,
  `drawn with seed ${args.seed} and prepared with ${config.tasks.hidden.count} hidden tests each (\`codeq eval --tasks ${sampleFile().replace(cacheDir, '<cache>')} --modes ${MODES.join(',')} --tokens ${CAPS.join(',')} --seeds ${SEEDS.join(',')}\` under the same config runs the same searches).`,
  `Model: ${model.file.split('/').pop()} on the CPU (threads ${config.policy.threads}). Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${minutes.toFixed(0)} min (searches already on disk are not redone).`,
  '',
  `Budget per task: **${TOKENS} generated tokens** for best-of-N (samples of ${config.policy.sequences} at a time, temperature ${config.policy.generation.temperature})`,
  `and MCTS (k ${config.search.mcts.k}, depth ≤ ${config.search.mcts.maxDepth}, rollout depth ${config.search.mcts.rolloutDepth}, c ${config.search.mcts.exploration}, critic ${config.search.mcts.critic ? `on, α ${config.policy.critic.alpha}` : 'off'};`,
  `the critic's tokens count against the budget); single-pass is one sample at temperature ${config.search.singlePass.temperature}. Every search stops at its first`,
  'program that passes the visible tests. Runs per task: ' + MODES.map((m) => `${m} ${perTask(m, (r) => r.executions).toFixed(1)}`).join(', ') + '; seconds per task: ' + MODES.map((m) => `${m} ${(perTask(m, (r) => r.wallMs) / 1000).toFixed(1)}`).join(', ') + '.',
  '',
  formatEvalMarkdown(results).trimEnd(),
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
  rateVsTokens({
    title: `Solved (visible + hidden tests), ${sample.length} held-out tasks, by generated-token cap`,
    points: results.aggregates.results.flatMap((r) => CAPS.map((cap) => ({ tokens: cap, series: r.mode, ...r.byCap[String(cap)]!.hidden }))),
  }),
);
await writeBenchmarkSection(resolve(REPO, args.out!), 'search', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);

function sampleFile(): string {
  return join(cacheDir, 'bench', `search-sample-${TASKS}-seed${args.seed}-hidden${config.tasks.hidden.count}.jsonl`);
}

/** The fixed sample: easy Python tasks of the test split in a seeded order, the first TASKS testable ones. Cached. */
async function taskSample(): Promise<PreparedTask[]> {
  const file = sampleFile();
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
