/**
 * npm run bench:sandbox — per-execution time of a trivial and a typical program in each language,
 * on each sandbox backend and as a bare host process, plus the compile-cache miss and hit paths.
 * Measurements are interleaved (bare, bwrap, docker, bare, ...) so machine noise hits all alike.
 * Writes its section of docs/benchmarks.md and docs/bench/sandbox.svg (+ .png, .vl.json).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/load.js';
import { createSandbox } from '../src/sandbox/createSandbox.js';
import { javaHeapMb } from '../src/sandbox/languages/java.js';
import type { ProgramSandbox } from '../src/sandbox/programSandbox.js';
import { BACKENDS, type BackendName, type Language } from '../src/sandbox/types.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { groupedBars } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { log } from '../src/util/log.js';
import { median, quantile } from '../src/util/stats.js';

const { values: args } = parseArgs({
  options: {
    iterations: { type: 'string', default: '20' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const ITERATIONS = Number(args.iterations);
if (!Number.isInteger(ITERATIONS) || ITERATIONS < 3) throw new Error(`--iterations must be an integer ≥ 3, got ${args.iterations}`);
const COMPILE_ITERATIONS = Math.max(3, Math.round(ITERATIONS / 4));
const REPO = resolve(import.meta.dirname, '..');

const PROGRAMS: Record<Language, { trivial: string; typical: string }> = {
  python3: {
    trivial: 'print(1)\n',
    typical: [
      'import random',
      'random.seed(1)',
      'xs = [random.randrange(10**9) for _ in range(200000)]',
      'xs.sort()',
      'print(sum(xs[::1000]))',
    ].join('\n'),
  },
  cpp: {
    trivial: '#include <cstdio>\nint main() { std::puts("1"); }\n',
    typical: [
      '#include <algorithm>',
      '#include <cstdio>',
      '#include <vector>',
      'int main() {',
      '  std::vector<unsigned> xs(2000000); unsigned s = 1;',
      '  for (auto &x : xs) { s = s * 1664525u + 1013904223u; x = s; }',
      '  std::sort(xs.begin(), xs.end());',
      '  unsigned long long t = 0; for (size_t i = 0; i < xs.size(); i += 1000) t += xs[i];',
      '  std::printf("%llu\\n", t);',
      '}',
    ].join('\n'),
  },
  java: {
    trivial: 'public class Main { public static void main(String[] a) { System.out.println(1); } }\n',
    typical: [
      'import java.util.*;',
      'public class Main { public static void main(String[] a) {',
      '  int[] xs = new int[2000000]; int s = 1;',
      '  for (int i = 0; i < xs.length; i++) { s = s * 1664525 + 1013904223; xs[i] = s; }',
      '  Arrays.sort(xs); long t = 0; for (int i = 0; i < xs.length; i += 1000) t += xs[i];',
      '  System.out.println(t);',
      '} }',
    ].join('\n'),
  },
};

const config = loadConfig();
const { languages, limits } = config.sandbox;
const scratch = mkdtempSync(join(tmpdir(), 'codeq-bench-'));

/** The same program as a bare host process: compiled once up front, run with the same flags. */
function bareCommand(language: Language, name: string, source: string): string[] {
  const dir = join(scratch, `${language}-${name}`);
  spawnSync('mkdir', ['-p', dir]);
  if (language === 'python3') {
    writeFileSync(join(dir, 'main.py'), source);
    return [languages.python3.interpreter, ...languages.python3.args, join(dir, 'main.py')];
  }
  if (language === 'cpp') {
    writeFileSync(join(dir, 'main.cpp'), source);
    const built = spawnSync(languages.cpp.compiler, [...languages.cpp.flags, '-o', join(dir, 'main'), join(dir, 'main.cpp')]);
    if (built.status !== 0) throw new Error(`g++ failed: ${built.stderr}`);
    return [join(dir, 'main')];
  }
  writeFileSync(join(dir, 'Main.java'), source);
  const built = spawnSync(languages.java.javac, ['-d', dir, join(dir, 'Main.java')]);
  if (built.status !== 0) throw new Error(`javac failed: ${built.stderr}`);
  const heap = javaHeapMb(limits, languages.java.heapFraction);
  return [languages.java.java, `-Xmx${heap}m`, `-Xss${limits.stackMb}m`, ...languages.java.jvmFlags, '-cp', dir, 'Main'];
}

function runBare(argv: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(performance.now() - started) : fail(new Error(`${argv.join(' ')} exited ${code}`))));
  });
}

/**
 * Time from request to verdict. Cleanup the backend leaves to the background (container removal,
 * warm-pool refill) is then awaited untimed, so it cannot slow down the next measurement.
 */
async function runSandboxed(sandbox: ProgramSandbox, language: Language, source: string): Promise<number> {
  const started = performance.now();
  const result = await sandbox.run({ language, source });
  const elapsed = performance.now() - started;
  if (result.verdict !== 'pass') throw new Error(`${sandbox.backend} ${language}: ${result.verdict} ${result.message}`);
  await sandbox.settle();
  return elapsed;
}

const SANDBOXED = ['bwrap', 'docker', 'docker-cold'] as const;
type Sandboxed = (typeof SANDBOXED)[number];
type Series = 'bare' | Sandboxed;
interface Row {
  language: Language;
  program: string;
  samples: Record<Series, number[]>;
}

async function main(): Promise<void> {
  const sandboxes = new Map<Sandboxed, ProgramSandbox>();
  sandboxes.set('bwrap', await createSandbox(config, 'bwrap'));
  sandboxes.set('docker', await createSandbox(config, 'docker'));
  const cold = structuredClone(config);
  cold.sandbox.docker.warmPool = 0;
  sandboxes.set('docker-cold', await createSandbox(cold, 'docker'));

  const rows: Row[] = [];
  for (const language of Object.keys(PROGRAMS) as Language[]) {
    for (const [program, source] of Object.entries(PROGRAMS[language])) {
      const row: Row = { language, program, samples: { bare: [], bwrap: [], docker: [], 'docker-cold': [] } };
      const bare = bareCommand(language, program, source);
      // Warm-up: compile into the cache, fault in the toolchain's pages.
      for (const sandbox of sandboxes.values()) await runSandboxed(sandbox, language, source);
      await runBare(bare);
      for (let i = 0; i < ITERATIONS; i++) {
        row.samples.bare.push(await runBare(bare));
        for (const [backend, sandbox] of sandboxes) row.samples[backend].push(await runSandboxed(sandbox, language, source));
      }
      log.info('measured', { language, program, ...Object.fromEntries(Object.entries(row.samples).map(([k, v]) => [k, median(v)])) });
      rows.push(row);
    }
  }

  // Compile cache: a new program (miss: compile + run) against the same program again (hit: run only).
  const compileRows: CompileRow[] = [];
  for (const language of ['cpp', 'java'] as const) {
    for (const backend of BACKENDS) {
      const sandbox = sandboxes.get(backend)!;
      const miss: number[] = [];
      const hit: number[] = [];
      for (let i = 0; i < COMPILE_ITERATIONS; i++) {
        const source = `${PROGRAMS[language].trivial}// bench ${Date.now()} ${i}\n`;
        miss.push(await runSandboxed(sandbox, language, source));
        hit.push(await runSandboxed(sandbox, language, source));
      }
      log.info('compile cache', { language, backend, miss: median(miss), hit: median(hit) });
      compileRows.push({ language, backend, miss, hit });
    }
  }
  for (const sandbox of sandboxes.values()) await sandbox.dispose();
  rmSync(scratch, { recursive: true, force: true });
  await report(rows, compileRows);
}

const fmt = (ms: number) => ms.toFixed(1);
interface CompileRow {
  language: Language;
  backend: BackendName;
  miss: number[];
  hit: number[];
}

async function report(rows: Row[], compileRows: CompileRow[]) {
  const ratio = (row: Row, series: Sandboxed) => median(row.samples[series]) / median(row.samples.bare);
  const lines = [
    '## Sandbox: per-execution time',
    '',
    `Command: \`npm run bench:sandbox\` (${ITERATIONS} interleaved runs per cell after a warm-up). Each cell is the wall time of`,
    'one `sandbox.run()` call from request to verdict, compile cached; bare = the same command spawned directly on the host;',
    `docker = with the default warm pool of ${config.sandbox.docker.warmPool} started containers; docker-cold = a container created and`,
    'started per run. Container removal and pool refill happen after the verdict and are not counted (they are awaited',
    'between measurements so they do not slow the next one).',
    `Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    '',
    '| language | program | bare ms (p50 / p90) | bwrap ms (p50 / p90) | bwrap ÷ bare | docker ms (p50 / p90) | docker ÷ bare | docker-cold ms (p50 / p90) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const cell = (series: Series) => `${fmt(median(row.samples[series]))} / ${fmt(quantile(row.samples[series], 0.9))}`;
      return `| ${row.language} | ${row.program} | ${cell('bare')} | ${cell('bwrap')} | ${ratio(row, 'bwrap').toFixed(2)}× | ${cell('docker')} | ${ratio(row, 'docker').toFixed(2)}× | ${cell('docker-cold')} |`;
    }),
    '',
    '### Compile cache (C++ and Java)',
    '',
    `Miss = a program never seen (compile in the sandbox, then run); hit = the same program again (${COMPILE_ITERATIONS} pairs each).`,
    '',
    '| language | backend | miss ms (p50) | hit ms (p50) |',
    '| --- | --- | --- | --- |',
    ...compileRows.map((r) => `| ${r.language} | ${r.backend} | ${fmt(median(r.miss))} | ${fmt(median(r.hit))} |`),
    '',
    '### Targets',
    '',
  ];
  const pythonRows = rows.filter((r) => r.language === 'python3');
  const worstBwrap = Math.max(...pythonRows.map((r) => ratio(r, 'bwrap')));
  const trivialWorst = (series: Sandboxed) => Math.max(...rows.filter((r) => r.program === 'trivial').map((r) => median(r.samples[series])));
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  lines.push(
    `- bwrap ≤ 2× a bare process for a Python run: worst Python ratio ${worstBwrap.toFixed(2)}× — ${met(worstBwrap <= 2)}.`,
    `- docker ≤ 150 ms per run (trivial programs, worst language, p50): ${fmt(trivialWorst('docker'))} ms with the warm pool — ` +
      `${met(trivialWorst('docker') <= 150)}; ${fmt(trivialWorst('docker-cold'))} ms cold — ${met(trivialWorst('docker-cold') <= 150)}. ` +
      'Typical programs add their own run time.',
    '',
    '![per-execution time by backend](bench/sandbox.svg)',
  );
  const chart = groupedBars({
    title: 'Sandbox per-execution time (median, ms, log scale)',
    unit: 'ms',
    series: ['bare', ...SANDBOXED],
    log: true,
    groups: rows.map((row) => ({
      label: `${row.language} ${row.program}`,
      values: Object.fromEntries((['bare', ...SANDBOXED] as Series[]).map((s) => [s, median(row.samples[s])])),
    })),
  });
  await writePlot(join(REPO, 'docs/bench'), 'sandbox', chart);
  await writeBenchmarkSection(resolve(REPO, args.out!), 'sandbox', lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
