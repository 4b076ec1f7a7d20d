import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { temporalBinary } from '../../src/temporal/binary.js';
import { tinyRoundConfig, writeTinyWorld } from '../fixtures/tinyRound.js';
import { config as hostConfig, openSandbox } from '../helpers/host.js';
import { freePort } from '../helpers/temporal.js';

/**
 * The commands a user types: codeq up, an experiment from codeq and one from the temporal CLI,
 * watched, paused and resumed; a schedule triggered; codeq down. Real processes all the way.
 */
const REPO = join(import.meta.dirname, '../..');
const run = (command: string, args: string[], timeout = 240_000) => {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: REPO, timeout, env: { ...process.env, CODEQ_LOG_JSON: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('the local stack from the command line', () => {
  let dir: string;
  let configFile: string;
  let address: string;
  let prefix: string;
  const codeq = (...args: string[]) => run(process.execPath, [join(REPO, 'bin/codeq.js'), ...args, '--config', configFile]);
  const temporal = (...args: string[]) => run(temporalBinary(hostConfig.cacheDir), [...args, '--address', address]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codeq-stack-'));
    const sandbox = await openSandbox('bwrap');
    const world = await writeTinyWorld(join(dir, 'world'), sandbox, hostConfig).finally(() => sandbox.dispose());
    const config = tinyRoundConfig(hostConfig, world, join(dir, 'artifacts'));
    const [port, uiPort] = [await freePort(), await freePort()];
    address = `127.0.0.1:${port}`;
    prefix = `cli${process.pid}`;
    config.temporal = { ...config.temporal, address, taskQueuePrefix: prefix, dataDir: join(dir, 'data'), devServer: { ...config.temporal.devServer, port, uiPort } };
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, stringify(config));
  }, 240_000);
  afterAll(() => {
    if (configFile) codeq('down');
    rmSync(dir, { recursive: true, force: true });
  });

  it('up, experiments from codeq and from temporal, status, pause/resume, a schedule, down', async () => {
    const up = codeq('up');
    expect(up.status, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/UI: http:\/\/127\.0\.0\.1:\d+/);
    expect(codeq('up').stdout).toContain('already up');
    // Workers started with another config file (or checkout, or build) are replaced, not reused.
    const otherFile = join(dir, 'same-settings.yaml');
    writeFileSync(otherFile, readFileSync(configFile));
    const other = run(process.execPath, [join(REPO, 'bin/codeq.js'), 'up', '--config', otherFile]);
    expect(other.status, other.stderr).toBe(0);
    expect(other.stderr.match(/restarting the \w+ worker/g)).toHaveLength(3);
    expect(other.stdout).toMatch(/started control worker .*; inference worker .*; training worker/);
    const back = codeq('up');
    expect(back.stderr.match(/restarting the \w+ worker/g)).toHaveLength(3);
    expect(codeq('status').stdout).toMatch(/pollers: control 1, inference 1, training 1/);

    const started = codeq('experiment', 'start', '--id', 'cli-1', '--wait');
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout).toMatch(/experiment cli-1: done, round 1\/1/);
    expect(started.stdout).toMatch(/PROMOTED/);
    expect(codeq('experiment', 'status', 'cli-1').stdout).toMatch(/round 1: collected 4 tasks/);

    // The same operations with the temporal CLI: start from an input file, pause, query, resume.
    const input = codeq('experiment', 'start', '--id', 'cli-2', '--print-input');
    expect(input.status, input.stderr).toBe(0);
    writeFileSync(join(dir, 'input.json'), input.stdout);
    const workflowId = 'codeq-exp-cli-2';
    const start = temporal('workflow', 'start', '--type', 'experimentWorkflow', '--task-queue', `${prefix}-control`, '--workflow-id', workflowId, '--input-file', join(dir, 'input.json'));
    expect(start.status, start.stderr).toBe(0);
    expect(temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'pause').status).toBe(0);
    const query = temporal('workflow', 'query', '--workflow-id', workflowId, '--name', 'state', '--output', 'json');
    expect(query.stdout).toMatch(/"status":\s*"paused"/);
    const update = temporal('workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'setBudgets', '--input', '{"tokens": 128}');
    expect(update.status, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/"?tokens"?:\s*128/);
    expect(temporal('workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', 'setBudgets', '--input', '{"tokens": 0}').stderr).toMatch(/budgets\.tokens: expected a positive integer/);
    expect(temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'resume').status).toBe(0);
    const result = temporal('workflow', 'result', '--workflow-id', workflowId, '--output', 'json');
    expect(result.stdout).toMatch(/"status":\s*"done"/);
    expect(temporal('workflow', 'list', '--query', "CodeqExperiment = 'cli-2'").stdout).toContain(workflowId);

    // A schedule: a triggered run continues experiment nightly from its latest policy.
    expect(codeq('schedule', 'create', '--cron', '0 2 * * *', '--name', 'nightly').status).toBe(0);
    expect(codeq('schedule', 'list').stdout).toMatch(/nightly\tactive\tnext \d{4}-/);
    // Two runs: the second continues where the first ended (round 2, from round 1's policy).
    for (const runs of [1, 2]) {
      expect(codeq('schedule', 'trigger', 'nightly').status).toBe(0);
      let listed = '';
      for (let i = 0; i < 120; i++) {
        listed = codeq('experiment', 'list').stdout;
        if ((listed.match(/codeq-exp-nightly\S*\t(COMPLETED|FAILED)/g) ?? []).length >= runs) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(listed.match(/codeq-exp-nightly\S*\tCOMPLETED/g)).toHaveLength(runs);
    }
    const policy = JSON.parse(readFileSync(join(dir, 'artifacts', 'experiments', 'nightly', 'policy.json'), 'utf8'));
    expect(policy.round).toBe(2);
    expect(temporal('schedule', 'toggle', '--schedule-id', 'codeq-schedule-nightly', '--pause', '--reason', 'maintenance').status).toBe(0);
    expect(codeq('schedule', 'list').stdout).toMatch(/nightly\tpaused/);
    expect(codeq('schedule', 'delete', 'nightly').status).toBe(0);
    expect(codeq('schedule', 'pause', 'nightly').stderr).toContain('no schedule nightly');

    const down = codeq('down');
    expect(down.stdout).toMatch(/stopped control worker \(pid \d+\), inference worker \(pid \d+\), training worker \(pid \d+\), temporal server \(pid \d+\)/);
    expect(codeq('status').stdout).toContain('not answering');
    expect(codeq('experiment', 'status', 'cli-1').stderr).toMatch(/^codeq: cannot reach Temporal at 127\.0\.0\.1:\d+ .*HINT: codeq up/m);
  }, 600_000);
});
