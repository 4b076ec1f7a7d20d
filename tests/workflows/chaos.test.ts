import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CodeqConfig } from '../../src/config/schema.js';
import { startExperiment } from '../../src/experiments/start.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { readTrajectories } from '../../src/search/shards.js';
import { roundWorkflowId, type ExperimentState } from '../../src/workflows/definitions.js';
import { tinyRoundConfig, writeTinyWorld, type TinyWorld } from '../fixtures/tinyRound.js';
import { openSandbox } from '../helpers/host.js';
import { startTestServer, temporalTestConfig, type TestServer } from '../helpers/temporal.js';

/**
 * kill -9 at points all through one tiny round — inference workers while they search and
 * evaluate, the training worker mid-step and right at a checkpoint, the control worker (the
 * workflows), and the Temporal server itself — each followed by a restart, as a supervisor
 * would. The round must finish with what an uninterrupted run with the same seeds gives: every
 * task searched once, the same pairs, the same adapter bit for bit, the same decision.
 * Two inference workers serve one queue throughout: they share the shards.
 */
const REPO = join(import.meta.dirname, '../..');
type Role = 'control' | 'inference' | 'training';

class Supervisor {
  private readonly procs = new Map<string, ChildProcess>();
  stopping = false;
  kills: string[] = [];
  constructor(private readonly configFile: string, private readonly logDir: string) {}

  start(name: string, role: Role): void {
    const log = openSync(join(this.logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, [join(REPO, 'bin/codeq.js'), 'worker', '--role', role, '--config', this.configFile], { stdio: ['ignore', log, log] });
    this.procs.set(name, child);
    // A worker that dies on its own (the server went away) is started again, as systemd would.
    child.once('exit', () => {
      if (!this.stopping && this.procs.get(name) === child) setTimeout(() => !this.stopping && this.start(name, role), 500);
    });
  }

  kill(name: string, role: Role): void {
    const child = this.procs.get(name)!;
    this.procs.delete(name);
    child.kill('SIGKILL');
    this.kills.push(name);
    setTimeout(() => !this.stopping && this.start(name, role), 300);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exits = [...this.procs.values()].map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r))));
    for (const c of this.procs.values()) c.kill('SIGKILL');
    await Promise.all(exits);
  }
}

const lines = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith('shard-')).reduce((n, d) => n + [...readTrajectories(join(dir, d))].length, 0) : 0);
const metrics = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

describe('a round survives kill -9 of any worker and of the server', () => {
  let server: TestServer;
  let sandbox: ProgramSandbox;
  let world: TinyWorld;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codeq-chaos-'));
    server = await startTestServer({ persist: true });
    sandbox = await openSandbox('bwrap');
    world = await writeTinyWorld(join(dir, 'world'), sandbox, temporalTestConfig(server));
  }, 240_000);
  afterAll(async () => {
    await sandbox?.dispose();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** How many distinct workers ran the round's inference activities. */
  async function inferenceWorkers(client: Client, workflowId: string): Promise<number> {
    const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const inference = new Set(events.filter((e) => /^(collect|evaluate)Shard$/.test(e.activityTaskScheduledEventAttributes?.activityType?.name ?? '')).map((e) => Number(e.eventId)));
    return new Set(events.filter((e) => inference.has(Number(e.activityTaskStartedEventAttributes?.scheduledEventId))).map((e) => e.activityTaskStartedEventAttributes!.identity)).size;
  }

  async function runRound(name: string, chaos: boolean): Promise<{ state: ExperimentState; kills: string[]; config: CodeqConfig; inferenceWorkers: number }> {
    const config = tinyRoundConfig(temporalTestConfig(server), world, join(dir, 'artifacts'));
    config.experiment.collect = { ...config.experiment.collect, tasks: 6, shards: 3 };
    config.experiment.evaluate = { ...config.experiment.evaluate, tasks: 6, shards: 3 };
    for (const phase of Object.keys(config.experiment.timeouts) as (keyof typeof config.experiment.timeouts)[]) config.experiment.timeouts[phase] = { startToCloseMinutes: 10, heartbeatSeconds: 3 };
    config.workers.shutdownGraceSeconds = 1;
    const configFile = join(dir, `${name}.yaml`);
    writeFileSync(configFile, stringify(config));
    const supervisor = new Supervisor(configFile, dir);
    const roles: [string, Role][] = [['control', 'control'], ['inference-1', 'inference'], ['inference-2', 'inference'], ['training', 'training']];
    for (const [n, role] of roles) supervisor.start(n, role);
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    try {
      const { handle } = await startExperiment(client, config, { id: name });
      const round = join(dir, 'artifacts', 'experiments', name, 'round-1');
      const collect = () => lines(join(round, 'collect'));
      const evaluate = () => lines(join(round, 'evaluate', 'incumbent')) + lines(join(round, 'evaluate', 'candidate'));
      const steps = () => metrics(join(round, 'train', 'metrics.jsonl'));
      const killServer = async () => {
        supervisor.kills.push('server');
        await server.kill();
        await new Promise((r) => setTimeout(r, 500));
        await server.restart();
      };
      const plan: [string, () => boolean, () => Promise<void> | void][] = chaos
        ? [
            ['inference-1 searching', () => collect() >= 1, () => supervisor.kill('inference-1', 'inference')],
            ['control during collection', () => collect() >= 2, () => supervisor.kill('control', 'control')],
            ['server during collection', () => collect() >= 3, killServer],
            ['inference-2 searching', () => collect() >= 4, () => supervisor.kill('inference-2', 'inference')],
            ['training mid-step', () => steps() >= 1, () => supervisor.kill('training', 'training')],
            ['training at a checkpoint', () => existsSync(join(round, 'train', 'checkpoints', 'step-000004.ckpt')), () => supervisor.kill('training', 'training')],
            ['server during training', () => steps() >= 6, killServer],
            ['inference-1 evaluating', () => evaluate() >= 1, () => supervisor.kill('inference-1', 'inference')],
            ['control during evaluation', () => evaluate() >= 3, () => supervisor.kill('control', 'control')],
            ['server during evaluation', () => evaluate() >= 5, killServer],
            ['inference-2 evaluating', () => evaluate() >= 7, () => supervisor.kill('inference-2', 'inference')],
          ]
        : [];
      let done = false;
      const result = handle.result().finally(() => (done = true));
      result.catch(() => {});
      for (const [, trigger, act] of plan) {
        while (!done && !trigger()) await new Promise((r) => setTimeout(r, 25));
        if (done) break;
        await act();
      }
      // The server restarts lose the client's connection: ask again for the result.
      let state: ExperimentState | null = null;
      for (let i = 0; i < 600 && !state; i++) {
        state = await client.workflow.getHandle(handle.workflowId).result().catch(async () => (await new Promise((r) => setTimeout(r, 500)), null));
      }
      return { state: state!, kills: supervisor.kills, config, inferenceWorkers: await inferenceWorkers(client, roundWorkflowId(name, 1)) };
    } finally {
      await supervisor.stop();
      await client.connection.close();
    }
  }

  it('finishes with exactly what an uninterrupted run gives', async () => {
    const calm = await runRound('calm', false);
    const chaos = await runRound('chaos', true);
    expect(chaos.kills.length).toBeGreaterThanOrEqual(10);
    expect(chaos.kills).toEqual(expect.arrayContaining(['inference-1', 'inference-2', 'training', 'control', 'server']));
    for (const { state } of [calm, chaos]) expect(state.status).toBe('done');
    const [a, b] = [calm.state.results[0]!, chaos.state.results[0]!];
    // Every task searched exactly once, in collection and in both evaluations.
    for (const part of ['collect', 'evaluate/incumbent', 'evaluate/candidate']) {
      const ids = (round: string) => readdirSync(join(round, part)).filter((d) => d.startsWith('shard-')).flatMap((d) => [...readTrajectories(join(round, part, d))].map((t) => t.task)).sort();
      expect(ids(b.dir)).toEqual(ids(a.dir));
      expect(new Set(ids(b.dir)).size).toBe(ids(b.dir).length);
    }
    expect(readFileSync(join(b.dir, 'pairs', 'pairs.jsonl'), 'utf8')).toBe(readFileSync(join(a.dir, 'pairs', 'pairs.jsonl'), 'utf8'));
    expect(Buffer.compare(readFileSync(b.candidate!.adapter!), readFileSync(a.candidate!.adapter!))).toBe(0);
    expect(b.decision).toEqual(a.decision);
    // In the calm run both inference workers took shards: the round's history names who ran each.
    expect(calm.inferenceWorkers).toBeGreaterThanOrEqual(2);
  }, 900_000);
});
