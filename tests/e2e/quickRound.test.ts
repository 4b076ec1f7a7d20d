import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { serveDirectory } from '../../src/cli/reportCommand.js';
import { CONFIGS_DIR, deepMerge, readYamlFile } from '../../src/config/load.js';
import { readEvalResults } from '../../src/evaluation/resultsFile.js';
import type { ReportTables } from '../../src/report/experimentReport.js';
import { freePort } from '../helpers/temporal.js';
import { checkExperimentPage, launchChromium } from '../report/pageChecks.js';

/**
 * The main job as `npm start -- --quick` runs it: the real stack (Temporal dev server, one worker
 * per role), the default 0.5B model, a DebugBench slice prepared here, MCTS collection, pairs,
 * DPO, evaluation of both policies on hidden tests, the decision and the report — then that
 * report's page in real Chromium. The sizes are configs/quick.yaml's; only ports, state and
 * artifact dirs are this test's own, so it cannot touch a stack the machine already runs.
 */
const REPO = join(import.meta.dirname, '../..');
const ID = 'ci-quick';

describe('npm start -- --quick, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codeq-quick-'));
  const configFile = join(dir, 'quick.yaml');
  const quick = readYamlFile(join(CONFIGS_DIR, 'quick.yaml')) as { experiment: { collect: { tasks: number }; evaluate: { tasks: number } } };
  const codeq = (args: string[], timeout: number) => spawnSync(process.execPath, [join(REPO, 'bin/codeq.js'), ...args, '--config', configFile], { encoding: 'utf8', cwd: REPO, timeout, env: { ...process.env, CODEQ_LOG_JSON: '1' } });
  let run: ReturnType<typeof codeq>;
  let browser: Browser | undefined;
  let server: Server | undefined;

  beforeAll(async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const overlay = {
      temporal: { address: `127.0.0.1:${port}`, taskQueuePrefix: `quick${process.pid}`, dataDir: join(dir, 'data'), devServer: { port, uiPort } },
      artifacts: { root: join(dir, 'artifacts') },
      experiment: { train: join(CONFIGS_DIR, 'train-quick.yaml') },
    };
    writeFileSync(configFile, stringify(deepMerge(quick, overlay)));
    // The round's own bound is the activities' timeouts; this one only catches a hang.
    run = codeq(['run', '--id', ID], 40 * 60_000);
  }, 41 * 60_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
    codeq(['down'], 120_000);
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('runs one round through Temporal and prints the rates with intervals, the decision and where the report is', () => {
    expect(run.status, `${run.stderr.slice(-4000)}\n${run.stdout}`).toBe(0);
    const { stdout } = run;
    expect(stdout).toMatch(new RegExp(`round 1 done: collected ${quick.experiment.collect.tasks} train tasks \\(\\d+ solved\\), \\d+ preference pairs`));
    // A rate, its Wilson interval and the count over the test tasks whose hidden tests vouch.
    expect(stdout).toMatch(/incumbent \([^)]+\): [\d.]+% \[[\d.]+, [\d.]+\] \(\d+\/\d+\)/);
    expect(stdout).toMatch(/decision: (PROMOTED|kept the incumbent) — /);
    expect(stdout).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/codeq-exp-ci-quick-round-1/);
    // Progress went to stderr as structured lines, one per phase change.
    const phases = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(phases.some((m) => m.startsWith('4/5 round: started experiment ci-quick'))).toBe(true);
    expect(phases.some((m) => /collect/.test(m))).toBe(true);
    expect(phases.some((m) => /evaluate/.test(m))).toBe(true);
  });

  it('evaluated every policy on every test task with visible and hidden verdicts, as its decision says', () => {
    const round = join(dir, 'artifacts', 'experiments', ID, 'round-1');
    const results = readEvalResults(join(round, 'evaluate', 'results.json'));
    const decision = JSON.parse(readFileSync(join(round, 'promote', 'decision.json'), 'utf8')) as { tasks: number; incumbentRate: { successes: number; n: number } };
    const tasks = new Set(results.records.map((r) => r.task));
    expect(tasks.size).toBe(quick.experiment.evaluate.tasks);
    expect(results.records).toHaveLength(tasks.size * results.policies.length);
    const incumbent = results.records.filter((r) => r.policy === results.policies[0]!.label && r.visibleOnly === null);
    expect(decision.tasks).toBe(incumbent.length);
    expect(decision.incumbentRate.successes).toBe(incumbent.filter((r) => r.solved).length);
    // A solve is a pass on the hidden tests too: never more than the visible passes.
    for (const r of results.records) if (r.solved) expect(r.solvedVisible).toBe(true);
  });

  it("writes a report whose page loads in Chromium with every plot and the JSON's numbers", async () => {
    const exp = join(dir, 'artifacts', 'experiments', ID);
    for (const file of ['report/index.html', 'report/report.md', 'report/tables.json']) expect(existsSync(join(exp, file)), file).toBe(true);
    const tables = JSON.parse(readFileSync(join(exp, 'report', 'tables.json'), 'utf8')) as ReportTables;
    expect(tables.rounds).toHaveLength(1);
    const url = await new Promise<string>((done) => (server = serveDirectory(exp, 0, done)));
    browser = await launchChromium();
    await checkExperimentPage(browser, `${url}report/`, tables);
  }, 120_000);
});
