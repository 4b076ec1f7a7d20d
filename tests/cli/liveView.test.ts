import { describe, expect, it } from 'vitest';
import { liveLines } from '../../src/cli/liveView.js';
import { combineProgress } from '../../src/workflows/roundWorkflow.js';
import type { ExperimentState } from '../../src/workflows/definitions.js';

const state: ExperimentState = {
  experimentId: 'main', status: 'running', round: 1, rounds: 1, phase: 'collect', progress: null,
  policy: { model: 'm.gguf', adapter: null, label: 'base' }, budgets: { tokens: 768, collectTasks: 12, evaluateTasks: 16, trainSteps: 8 }, results: [],
};

describe('the main job\'s live view', () => {
  it('shows the phase, its progress against the planned total, solves, elapsed time', () => {
    const progress = combineProgress([{ phase: 'collect', done: 2, total: 6, solved: 1, part: 'a' }, { phase: 'collect', done: 1, total: 6, solved: 0, part: 'b' }], 12);
    expect(progress).toEqual({ phase: 'collect', done: 3, total: 12, solved: 1 });
    const lines = liveLines({ state, round: { round: 1, phase: 'collect', progress, paused: false }, startedAt: 0 }, 125_000);
    expect(lines[0]).toContain('experiment main: running, round 1/1, policy base');
    expect(lines[0]).toContain('2m05s elapsed');
    expect(lines[1]).toMatch(/phase collect: \[#{6}\.{18}\] 3\/12 {2}1 solved/);
  });

  it('shows training as steps with loss and ETA, and a paused round as paused', () => {
    const lines = liveLines({ state, round: { round: 1, phase: 'train', progress: { phase: 'train', done: 4, total: 8, loss: 0.61234, etaSeconds: 90 }, paused: true }, startedAt: 0 }, 0);
    expect(lines[1]).toContain('phase train (paused)');
    expect(lines[1]).toContain('4/8  loss 0.6123  ETA 1m30s steps');
  });

  it('says when no phase runs: before a round starts, and once all rounds are done', () => {
    const idle = { ...state, phase: null };
    expect(liveLines({ state: idle, round: null, startedAt: 0 }, 0)[1]).toBe('  waiting for the round to start');
    expect(liveLines({ state: { ...idle, status: 'done' }, round: null, startedAt: 0 }, 0)[1]).toBe('  all rounds finished');
  });

  it('keeps a single unsharded report as it is, and none as none', () => {
    expect(combineProgress([{ phase: 'train', done: 1, total: 8, loss: 1 }])).toEqual({ phase: 'train', done: 1, total: 8, loss: 1 });
    expect(combineProgress([], 4)).toBeNull();
  });
});
