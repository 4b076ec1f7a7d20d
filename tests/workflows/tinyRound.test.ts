import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExperiment } from '../../src/experiments/start.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { readTrajectories } from '../../src/search/shards.js';
import { startWorkers, type WorkerSet } from '../../src/temporal/workers.js';
import { roundStateQuery, roundWorkflowId, stateQuery, type PhaseProgress } from '../../src/workflows/definitions.js';
import { tinyRoundConfig, writeTinyWorld, type TinyWorld } from '../fixtures/tinyRound.js';
import { openSandbox } from '../helpers/host.js';
import { startTestServer, temporalTestConfig, type TestServer } from '../helpers/temporal.js';

const HISTORIES = join(import.meta.dirname, '../fixtures/histories');

/**
 * A whole round through Temporal on the real dev server, sandbox, engine (a scripted GGUF) and
 * native trainer: search finds the fix on the train split, DPO learns to prefer it, and the
 * candidate beats the incumbent on held-out tasks' hidden tests and is promoted.
 */
describe('a tiny round end to end', () => {
  let server: TestServer;
  let client: Client;
  let sandbox: ProgramSandbox;
  let world: TinyWorld;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codeq-round-'));
    server = await startTestServer();
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    sandbox = await openSandbox('bwrap');
    world = await writeTinyWorld(join(dir, 'world'), sandbox, temporalTestConfig(server));
  }, 240_000);
  afterAll(async () => {
    await client?.connection.close();
    await sandbox?.dispose();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('collects, pairs, trains, evaluates and promotes; every payload stays small', async () => {
    const config = tinyRoundConfig(temporalTestConfig(server), world, join(dir, 'artifacts'));
    const workers: WorkerSet = await startWorkers({ config, roles: ['control', 'inference', 'training'], sandbox });
    try {
      const { handle, attached, dir: experimentDir } = await startExperiment(client, config, { id: 'tiny-1' });
      expect(attached).toBe(false);
      // Starting the same id again attaches to it.
      expect((await startExperiment(client, config, { id: 'tiny-1' })).attached).toBe(true);
      // Live progress, as codeq experiment status and the UI's queries see it.
      const seen: PhaseProgress[] = [];
      let finished = false;
      const result = handle.result().finally(() => (finished = true));
      while (!finished) {
        const progress = await client.workflow.getHandle(roundWorkflowId('tiny-1', 1)).query(roundStateQuery).then((r) => r.progress, () => null);
        if (progress) seen.push(progress);
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = await result;
      // The phase's progress: both shards' reports summed against the planned 4 tasks.
      expect(seen.some((p) => p.phase === 'collect' && p.total === 4 && p.done >= 1)).toBe(true);
      expect(seen.some((p) => p.phase === 'evaluate')).toBe(true);
      expect(state.status).toBe('done');
      const round = state.results[0]!;
      expect(round.collected.tasks).toBe(4);
      expect(round.pairs).toBeGreaterThan(0);
      expect(round.train?.steps).toBe(8);
      expect(existsSync(round.candidate!.adapter!)).toBe(true);
      expect(round.decision.tasks).toBe(4);
      expect(round.decision.candidateSolved).toBeGreaterThan(round.decision.incumbentSolved);
      expect(round.decision.promote).toBe(true);
      expect(state.policy).toEqual(round.candidate);
      expect(JSON.parse(readFileSync(join(experimentDir, 'policy.json'), 'utf8'))).toMatchObject({ adapter: round.candidate!.adapter, round: 1 });
      // Collection searched train-split tasks only, each once; evaluation the same test tasks for both policies.
      const collected = [0, 1].flatMap((i) => [...readTrajectories(join(round.dir, 'collect', `shard-${i}`))]);
      expect(collected.map((t) => t.split)).toEqual(['train', 'train', 'train', 'train']);
      expect(new Set(collected.map((t) => t.task)).size).toBe(4);
      const evaluated = (who: string) => [0, 1].flatMap((i) => [...readTrajectories(join(round.dir, 'evaluate', who, `shard-${i}`))].map((t) => t.task)).sort();
      expect(evaluated('candidate')).toEqual(evaluated('incumbent'));
      // Paths and counts only: every event of both workflows far below Temporal's 256 KB warning.
      for (const id of [handle.workflowId, roundWorkflowId('tiny-1', 1)]) {
        const history = await client.workflow.getHandle(id).fetchHistory();
        // CODEQ_RECORD_HISTORIES=1 refreshes the replay fixtures (after an intended workflow change).
        if (process.env.CODEQ_RECORD_HISTORIES === '1') writeFileSync(join(HISTORIES, `${id.includes('-round-') ? 'round' : 'experiment'}.pb`), temporal.api.history.v1.History.encode(history).finish());
        const largest = Math.max(...history.events!.map((e) => temporal.api.history.v1.HistoryEvent.encode(e).finish().length));
        expect(largest).toBeLessThan(64 * 1024);
      }
      expect((await handle.query(stateQuery)).status).toBe('done');
    } finally {
      await workers.shutdown();
    }
  }, 300_000);
});
