/**
 * npm run soak:hostile — the hostile sandbox suite, several times in a row, while busy loops
 * (one per core by default) compete for the CPU beside it: what a machine shared with compiles,
 * training or other test runs looks like to the sandbox. Stops at the first failing run, prints
 * one line per run, exits non-zero on a failure. The busy loops die with this process whatever
 * happens: each one spins on `kill -0 <this pid>` and stops when that fails.
 *
 *   npm run soak:hostile -- --runs 5 --hogs 2
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const SUITE = 'tests/sandbox/hostile.test.ts';
const REPO = resolve(import.meta.dirname, '..');

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    hogs: { type: 'string', default: String(availableParallelism()) },
  },
});
const RUNS = Number(args.runs);
const HOGS = Number(args.hogs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
if (!Number.isInteger(HOGS) || HOGS < 0) throw new Error(`--hogs must be a non-negative integer, got ${args.hogs}`);

/** A busy loop in its own session (like another user's job), alive only while this process is. */
function startHog(): ChildProcess {
  const hog = spawn('/bin/sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do :; done`], { stdio: 'ignore', detached: true });
  hog.unref();
  return hog;
}

const hogs: ChildProcess[] = [];
let suite: ChildProcess | null = null;

function stopAll(): void {
  for (const child of [...hogs, ...(suite ? [suite] : [])]) {
    try {
      // Each was started in its own process group: take the group.
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const)[signal]);
  });
}

interface VitestReport {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

/** One run of the suite; its output goes to a log, its summary to a JSON report. */
function runSuite(log: string, report: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(
      'sh',
      ['-c', `exec npx vitest run ${SUITE} --reporter=default --reporter=json --outputFile.json="$1" > "$2" 2>&1`, 'soak', report, log],
      { cwd: REPO, stdio: 'ignore', detached: true },
    );
    suite = child;
    child.on('exit', (code, signal) => {
      suite = null;
      done(code ?? (signal ? 1 : 0));
    });
  });
}

function readReport(file: string): VitestReport | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
  } catch {
    return null;
  }
}

const logs = mkdtempSync(join(tmpdir(), 'codeq-soak-'));
for (let i = 0; i < HOGS; i++) hogs.push(startHog());
console.log(`soak: ${SUITE} × ${RUNS} beside ${HOGS} busy loop(s) on ${availableParallelism()} cores; logs in ${logs}`);

let failed = false;
for (let run = 1; run <= RUNS && !failed; run++) {
  const log = join(logs, `run-${run}.log`);
  const reportFile = join(logs, `run-${run}.json`);
  const started = performance.now();
  const code = await runSuite(log, reportFile);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const report = readReport(reportFile);
  const counts = report ? `${report.numPassedTests} passed, ${report.numFailedTests} failed` : 'no report';
  failed = code !== 0 || !report || report.numFailedTests > 0;
  console.log(`run ${run}/${RUNS}: ${failed ? 'FAIL' : 'pass'} (${counts}, ${seconds} s)`);
  if (failed) {
    const failures = report?.testResults.flatMap((file) => file.assertionResults.filter((t) => t.status === 'failed')) ?? [];
    for (const test of failures) console.log(`  failed: ${test.fullName}\n    ${(test.failureMessages[0] ?? '').split('\n')[0]}`);
    console.log(`  log: ${log}`);
  }
}
stopAll();
console.log(failed ? 'soak: FAILED' : `soak: ${RUNS}/${RUNS} runs passed`);
process.exit(failed ? 1 : 0);
