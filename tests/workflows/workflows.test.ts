import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlActivities, InferenceActivities, RoundContext, ShardInput, TrainingActivities } from '../../src/activities/types.js';
import { decidePromotion } from '../../src/experiments/promotion.js';
import { quietTemporalRuntime, workflowBundle } from '../../src/temporal/workers.js';
import type { Budgets } from '../../src/workflows/budgets.js';
import { cancelSignal, experimentWorkflowId, pauseSignal, resumeSignal, roundStateQuery, roundWorkflowId, setBudgetsUpdate, stateQuery, type ActivitySettings, type ExperimentInput, type Phase } from '../../src/workflows/definitions.js';
import { experimentWorkflow } from '../../src/workflows/experimentWorkflow.js';
import { taskQueues } from '../../src/workflows/taskQueues.js';
import { startTestServer, type TestServer } from '../helpers/temporal.js';

/**
 * The workflows' logic on the real dev server, with activities that only record what they were
 * asked (the real activities are tested on their own and in the tiny round end to end).
 */
const BUDGETS: Budgets = { tokens: 512, collectTasks: 4, evaluateTasks: 4, trainSteps: 3 };
const timeouts = { startToCloseMinutes: 5, heartbeatSeconds: 5 };
const TIMEOUTS = { plan: timeouts, collect: timeouts, pairs: timeouts, train: timeouts, evaluate: timeouts, promote: timeouts };
const RETRY = { initialIntervalSeconds: 0.1, backoffCoefficient: 1, maximumIntervalSeconds: 0.1, maximumAttempts: 3 };

interface Script {
  /** Solved evaluation tasks (of 4) by policy label. */
  solved: (label: string) => number;
  pairs?: number;
  /** Where a continued experiment picks up (default: round 1, the given policy). */
  resume?: { round: number; label: string };
  /** Runs inside the collect activity (to hold a round in a phase). */
  duringCollect?: () => Promise<void>;
}

function stubs(script: Script, calls: { phase: Phase; round: number; detail?: unknown }[]) {
  const record = (phase: Phase, context: RoundContext, detail?: unknown) => calls.push({ phase, round: context.round, ...(detail === undefined ? {} : { detail }) });
  const control: ControlActivities = {
    async resumePoint({ policy }) {
      return script.resume ? { round: script.resume.round, policy: { ...policy, adapter: `${script.resume.label}.gguf`, label: script.resume.label } } : { round: 1, policy };
    },
    async planRound(context) {
      record('plan', context, context.budgets);
      const shard = (index: number) => ({ index, tasksFile: `${context.roundDir}/plan/s${index}.json`, tasks: 2 });
      return { collect: [shard(0), shard(1)], evaluate: [shard(0), shard(1)], tasksFile: 'tasks.jsonl', seed: 7 };
    },
    async buildPairs(input) {
      record('pairs', input, input.trajectoryDirs);
      return { file: `${input.roundDir}/pairs/pairs.jsonl`, pairs: script.pairs ?? 5, semanticDuplicates: 0 };
    },
    async decidePromotion(input) {
      record('promote', input);
      const scores = (solved: number) => ({ solved: new Map(Array.from({ length: 4 }, (_, i) => [`t${i}`, i < solved])) });
      return decidePromotion(scores(input.incumbent.solved), input.candidate ? scores(input.candidate.solved) : null, { margin: 0, alpha: 1 }, input.noCandidate);
    },
  };
  const inference: InferenceActivities = {
    async collectShard(input: ShardInput) {
      record('collect', input, input.policy.label);
      await script.duringCollect?.();
      return { index: input.shard.index, tasks: 2, searched: 2, skipped: 0, solved: 1, failed: 0, generatedTokens: 10, out: input.out };
    },
    async evaluateShard(input: ShardInput) {
      record('evaluate', input, input.policy.label);
      const all = script.solved(input.policy.label);
      return { index: input.shard.index, tasks: 2, solved: input.shard.index === 0 ? Math.min(2, all) : Math.max(0, all - 2), visibleOnly: 0, file: input.out };
    },
  };
  const training: TrainingActivities = {
    async train(input) {
      record('train', input, input.budgets.trainSteps);
      return { adapter: `${input.roundDir}/train/adapter.gguf`, steps: input.budgets.trainSteps, loss: 0.5, resumedFrom: null };
    },
  };
  return { control, inference, training };
}

describe('experiment and round workflows', () => {
  let server: TestServer;
  let client: Client;
  let connection: NativeConnection;
  beforeAll(async () => {
    quietTemporalRuntime();
    server = await startTestServer();
    connection = await NativeConnection.connect({ address: server.address });
    client = new Client({ connection: await Connection.connect({ address: server.address }) });
    await workflowBundle();
  }, 180_000);
  afterAll(async () => {
    await connection?.close();
    await client?.connection.close();
    await server?.stop();
  });

  let n = 0;
  /** Runs `body` with workers of fresh queues serving the stubs; returns what they were asked. */
  async function withWorkers<T>(script: Script, body: (start: (rounds: number, extra?: Partial<ExperimentInput>) => Promise<string>) => Promise<T>) {
    const queues = taskQueues(`wf-${process.pid}-${n++}`);
    const calls: { phase: Phase; round: number; detail?: unknown }[] = [];
    const activities = stubs(script, calls);
    const workers = [
      await Worker.create({ connection, taskQueue: queues.control, workflowBundle: await workflowBundle(), activities: activities.control }),
      await Worker.create({ connection, taskQueue: queues.inference, activities: activities.inference }),
      await Worker.create({ connection, taskQueue: queues.training, activities: activities.training }),
    ];
    const settings: ActivitySettings = { timeouts: TIMEOUTS, retry: RETRY, parallel: 2, queues };
    const start = async (rounds: number, extra: Partial<ExperimentInput> = {}) => {
      const experimentId = `${queues.control}-exp`;
      const input: ExperimentInput = { experimentId, configFile: '/nonexistent/config.json', dir: `/tmp/${experimentId}`, rounds, budgets: BUDGETS, settings, policy: { model: 'base.gguf', adapter: null, label: 'base' }, ...extra };
      await client.workflow.start(experimentWorkflow, { taskQueue: queues.control, workflowId: experimentWorkflowId(experimentId), args: [input] });
      return experimentId;
    };
    const runs = workers.map((w) => w.run());
    try {
      return { result: await body(start), calls };
    } finally {
      for (const w of workers) w.shutdown();
      await Promise.all(runs);
    }
  }

  it('runs the phases in order, promotes a better candidate, and starts the next round from it (continue-as-new)', async () => {
    const { result, calls } = await withWorkers({ solved: (label) => (label === 'base' ? 1 : Number(label.split('-')[1]) + 1) }, async (start) => {
      const id = await start(2);
      const handle = client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(id));
      const state = await handle.result();
      const runs: string[] = [];
      for await (const e of client.workflow.list({ query: `WorkflowId = '${experimentWorkflowId(id)}'` })) runs.push(e.runId as string);
      return { state, runs };
    });
    const round1 = calls.filter((c) => c.round === 1).map((c) => c.phase);
    expect([...new Set(round1)]).toEqual(['plan', 'collect', 'pairs', 'train', 'evaluate', 'promote']);
    expect(round1.filter((p) => p === 'collect')).toHaveLength(2); // one activity per shard
    expect(round1.filter((p) => p === 'evaluate')).toHaveLength(4); // two shards x (incumbent, candidate)
    expect(result.state.status).toBe('done');
    expect(result.state.results.map((r) => r.decision.promote)).toEqual([true, true]);
    // Round 2 searched with round 1's candidate, and promoted its own.
    expect(calls.find((c) => c.round === 2 && c.phase === 'collect')?.detail).toBe('round-1');
    expect(result.state.policy.label).toBe('round-2');
    expect(result.runs.length).toBe(2); // one run per round
  });

  it('keeps the incumbent when the candidate is not better, and skips training without pairs', async () => {
    const same = await withWorkers({ solved: () => 2 }, async (start) => client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(await start(1))).result());
    expect(same.result.results[0]!.decision).toMatchObject({ promote: false, incumbentSolved: 2, candidateSolved: 2 });
    expect(same.result.policy.label).toBe('base');
    const none = await withWorkers({ solved: () => 2, pairs: 0 }, async (start) => client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(await start(1))).result());
    expect(none.calls.some((c) => c.phase === 'train')).toBe(false);
    expect(none.result.results[0]!.decision.reason).toMatch(/no preference pairs/);
    expect(none.calls.filter((c) => c.phase === 'evaluate')).toHaveLength(2); // the incumbent only
  });

  it('pauses after the current phase, resumes, and applies a validated budget update to later rounds', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { result, calls } = await withWorkers({ solved: () => 1, duringCollect: () => held }, async (start) => {
      const id = await start(2);
      const handle = client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(id));
      await waitFor(async () => (await handle.query(stateQuery)).phase === 'collect');
      await handle.signal(pauseSignal);
      const updated = await handle.executeUpdate(setBudgetsUpdate, { args: [{ tokens: 1024, trainSteps: 9 }] });
      expect(updated).toEqual({ ...BUDGETS, tokens: 1024, trainSteps: 9 });
      await expect(handle.executeUpdate(setBudgetsUpdate, { args: [{ tokens: -1 }] })).rejects.toThrow(WorkflowUpdateFailedError);
      // The experiment forwards the pause to its round: let collection end only once the round has it.
      const round = client.workflow.getHandle(roundWorkflowId(id, 1));
      await waitFor(async () => (await round.query(roundStateQuery)).paused);
      release();
      // The collect phase ends; the round waits at the boundary instead of building pairs.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await round.query(roundStateQuery)).phase).toBe('collect');
      expect((await handle.query(stateQuery)).status).toBe('paused');
      await handle.signal(resumeSignal);
      return handle.result();
    });
    expect(result.status).toBe('done');
    // Round 1 had started with the old budgets; round 2 got the new ones.
    expect(calls.find((c) => c.round === 1 && c.phase === 'plan')?.detail).toMatchObject({ tokens: 512 });
    expect(calls.find((c) => c.round === 2 && c.phase === 'plan')?.detail).toMatchObject({ tokens: 1024, trainSteps: 9 });
    expect(calls.find((c) => c.round === 2 && c.phase === 'train')?.detail).toBe(9);
  });

  it('a continued (scheduled) run starts after the last finished round, from the policy it left', async () => {
    const { result, calls } = await withWorkers({ solved: () => 1, resume: { round: 3, label: 'round-2' } }, async (start) => client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(await start(2, { continue: true }))).result());
    expect([...new Set(calls.map((c) => c.round))]).toEqual([3, 4]);
    expect(calls.find((c) => c.round === 3 && c.phase === 'collect')?.detail).toBe('round-2');
    expect(result).toMatchObject({ status: 'done', round: 4, rounds: 4 });
  });

  it('cancel stops the running phase: the activity hears of it through its heartbeats', async () => {
    let cancelled = false;
    const duringCollect = async () => {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), 200);
      try {
        await context.cancelled;
      } catch {
        cancelled = true;
        throw new Error('cancelled');
      } finally {
        clearInterval(beat);
      }
    };
    const { result } = await withWorkers({ solved: () => 1, duringCollect }, async (start) => {
      const id = await start(3);
      const handle = client.workflow.getHandle<typeof experimentWorkflow>(experimentWorkflowId(id));
      await waitFor(async () => (await handle.query(stateQuery)).phase === 'collect');
      await handle.signal(cancelSignal);
      return handle.result();
    });
    expect(result.status).toBe('cancelled');
    expect(cancelled).toBe(true);
    expect(result.results).toEqual([]);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not there yet (a query before the workflow's first task)
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out waiting');
}
