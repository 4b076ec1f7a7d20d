/**
 * npm run bench:prepare — prepares the whole shared DebugBench (all three languages, default
 * settings) from scratch into a fresh directory, and writes the wall time, throughput and the
 * coverage table to docs/benchmarks.md. The figure the issue asks for: "well under an hour on 2 cores".
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { resolveCacheDir } from '../src/config/env.js';
import { debugbenchDir } from '../src/config/paths.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import { LANGUAGES, type BackendName } from '../src/sandbox/types.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { HIDDEN_TARGET, prepareDataset } from '../src/tasks/prepare/prepareDataset.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'bwrap' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const REPO = resolve(import.meta.dirname, '..');
const config = loadConfig();
const scratch = mkdtempSync(join(resolveCacheDir(config.cacheDir), 'bench-prepare-'));
chmodSync(scratch, 0o755); // mkdtemp makes it 0700; the sandbox user must traverse it
const outDir = join(scratch, 'out');
const sandboxConfig = structuredClone(config);
// From scratch: a cache dir of its own, so no compile (or precompiled header) comes from earlier runs.
sandboxConfig.cacheDir = scratch;
sandboxConfig.sandbox.concurrency = Math.max(config.sandbox.concurrency, config.tasks.verify.concurrency);
const sandbox = await createSandbox(sandboxConfig, args.backend as BackendName);
const started = Date.now();
const stats = await prepareDataset(sandbox, { debugbench: debugbenchDir(config.tasks.debugbench), out: outDir, languages: LANGUAGES, config: config.tasks });
const seconds = (Date.now() - started) / 1000;
await sandbox.dispose();
rmSync(join(scratch, 'sandbox'), { recursive: true, force: true });

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rows = Object.entries(stats.languages).map(([language, s]) => {
  const dropped = Object.entries(s.dropped).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ');
  return `| ${language} | ${s.records} | ${s.duplicates} | ${s.testable} / ${s.tasks} | ${pct(s.testableRate)} | ${pct(s.testableRateWithoutDataErrors)} | ${s.buggyPassesVisibleOnly} | ${s.visibleTests} | ${s.hiddenTests} | ${dropped} |`;
});
const hiddenRows = Object.entries(stats.languages).map(([language, s]) => {
  const c = s.hiddenCoverage;
  const v = s.visibleOnly;
  return `| ${language} | ${c.tasks} / ${s.testable} = **${pct(c.share)}** | ${pct(c.shareOfSingleAnswer)} of ${c.singleAnswerTasks} | ${v.no_hidden} | ${v.one_hidden_output} | ${v.multi_answer} | ${v.nondeterministic} | ${s.largeCases.tasks} (${s.largeCases.cases} inputs) | ${s.peers.tasksChecked} | ${s.peers.inputsDropped} | ${s.peers.tasksFrozen} | ${s.exampleDisagreements} |`;
});
const tasks = Object.values(stats.languages).reduce((n, s) => n + s.tasks, 0);
const lines = [
  '## Tasks: preparing the shared DebugBench',
  '',
  `Command: \`npm run bench:prepare\` (= \`codeq data prepare\` on all ${tasks} unique records of the three languages, from scratch,`,
  `${config.tasks.hidden.count} hidden tests per task plus up to ${config.tasks.hidden.large.count} large ones, ${config.tasks.verify.concurrency} tasks at once, ${args.backend} backend).`,
  `Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  `Wall time: **${(seconds / 60).toFixed(1)} min** (${(tasks / seconds).toFixed(2)} tasks/s); target: well under an hour on 2 cores.`,
  '',
  '| language | records | duplicates | testable / tasks | testable | testable, oracle in its language | buggy passes visible, caught by hidden | visible tests | hidden tests | dropped |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...rows,
  '',
  'Targets (testable share of records): Python ≥ 95%, C++ ≥ 90%, Java ≥ 90%. "Oracle in its language" leaves out',
  "DebugBench records whose oracle is written in another language (Python code in Java records): nothing can test them.",
  '',
  `Hidden tests that can fail a wrong program: testable tasks with at least ${HIDDEN_TARGET.minTests} hidden tests and at least ${HIDDEN_TARGET.minDistinctOutputs} distinct expected outputs`,
  `(target ≥ ${pct(HIDDEN_TARGET.share)} per language), of all testable tasks and of those with one valid, deterministic answer (multi_answer and`,
  'nondeterministic tasks have no checker yet). The other columns count tasks whose pass is pass_visible_only, by reason; tasks with inputs',
  'near the constraint maxima; tasks whose hidden inputs another correct solution of the problem checked, the inputs it answered',
  'otherwise (dropped) and the tasks where that froze a parameter; examples whose stated output the oracle contradicts beyond order.',
  '',
  `| language | ≥ ${HIDDEN_TARGET.minTests} hidden, ≥ ${HIDDEN_TARGET.minDistinctOutputs} outputs | of single-answer tasks | no hidden | one hidden output | multi_answer | nondeterministic | large inputs | checked by peers | inputs peers dropped | frozen by peers | example disagreements |`,
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ...hiddenRows,
  '',
  `Problems with the most tasks short of it: ${Object.entries(stats.languages)
    .map(([language, s]) => `${language} ${s.hiddenCoverage.shortProblems.map((p) => `\`${p.slug}\` (${p.tasks})`).join(', ') || 'none'}`)
    .join('; ')}.`,
];
await writeBenchmarkSection(resolve(REPO, args.out!), 'prepare', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n\nprepared into ${outDir}\n`);
