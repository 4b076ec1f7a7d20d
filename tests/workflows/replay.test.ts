import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { quietTemporalRuntime, workflowBundle } from '../../src/temporal/workers.js';

/**
 * Recorded histories of a tiny round (tests/fixtures/histories, refreshed by running the tiny
 * round test with CODEQ_RECORD_HISTORIES=1) replayed against today's workflow code: a change that
 * would break running experiments fails here, before it ships.
 */
const DIR = join(import.meta.dirname, '../fixtures/histories');
const histories = () => readdirSync(DIR).filter((f) => f.endsWith('.pb')).map((f) => ({ workflowId: f, history: temporal.api.history.v1.History.decode(readFileSync(join(DIR, f))) }));

describe('replaying recorded rounds', () => {
  it('the experiment and round histories replay without non-determinism', async () => {
    quietTemporalRuntime();
    const recorded = histories();
    expect(recorded.map((h) => h.workflowId).sort()).toEqual(['experiment.pb', 'round.pb']);
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, recorded)) results.push(result);
    expect(results.map((r) => [r.workflowId, r.error?.message ?? null])).toEqual(recorded.map((h) => [h.workflowId, null]));
  }, 120_000);

  it('a workflow changed incompatibly fails to replay', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: join(import.meta.dirname, '../fixtures/changedWorkflow.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
    const round = histories().filter((h) => h.workflowId === 'round.pb');
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: changed }, round)) results.push(result);
    expect(results[0]?.error?.name).toBe('DeterminismViolationError');
  }, 120_000);
});
