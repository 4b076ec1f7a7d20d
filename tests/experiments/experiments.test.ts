import { describe, expect, it } from 'vitest';
import { drawTasks, shardsOf } from '../../src/experiments/plan.js';
import { decidePromotion, PromotionError } from '../../src/experiments/promotion.js';
import type { PreparedTask } from '../../src/tasks/prepare/prepareTask.js';
import { changedBudgets } from '../../src/workflows/budgets.js';

const task = (id: string, split: 'train' | 'test', visibleOnly: PreparedTask['visibleOnly'] = null, hidden = 3) => ({ id, split, visibleOnly, hidden: Array(hidden).fill({}) }) as unknown as PreparedTask;
const scores = (solved: boolean[]) => ({ solved: new Map(solved.map((s, i) => [`t${i}`, s])) });

describe('a round plan', () => {
  const tasks = [...Array.from({ length: 10 }, (_, i) => task(`train-${i}`, 'train')), ...Array.from({ length: 6 }, (_, i) => task(`test-${i}`, 'test')), task('test-vo', 'test', 'multi_answer'), task('test-nohidden', 'test', null, 0)];
  const options = { seed: 1, round: 1, collectTasks: 4, evaluateTasks: 10, collectShards: 3, evaluateShards: 2 };

  it('collects train tasks only, drawn anew each round; evaluates the same decidable test tasks every round', () => {
    const one = drawTasks(tasks, options);
    const two = drawTasks(tasks, { ...options, round: 2 });
    expect(one.collect.flat().every((id) => id.startsWith('train-'))).toBe(true);
    expect(one.collect.flat()).toHaveLength(4);
    expect(one.collect.map((s) => s.length)).toEqual([2, 1, 1]);
    expect(two.collect.flat().sort()).not.toEqual(one.collect.flat().sort());
    expect(one.evaluate.flat().sort()).toEqual(['test-0', 'test-1', 'test-2', 'test-3', 'test-4', 'test-5']);
    expect(two.evaluate).toEqual(one.evaluate);
    expect(drawTasks(tasks, options)).toEqual(one);
  });

  it('never makes empty shards', () => {
    expect(shardsOf([1, 2], 5)).toEqual([[1], [2]]);
    expect(shardsOf([], 3)).toEqual([]);
  });
});

describe('promotion', () => {
  const marginOnly = { margin: 0, alpha: 1 };
  it('promotes only above the margin, on the same tasks', () => {
    expect(decidePromotion(scores([true, false, false, false]), scores([true, true, false, false]), marginOnly).promote).toBe(true);
    expect(decidePromotion(scores([true, false, false, false]), scores([true, true, false, false]), { margin: 0.3, alpha: 1 })).toMatchObject({ promote: false, incumbentSolved: 1, candidateSolved: 2 });
    expect(decidePromotion(scores([true, true]), scores([true, true]), marginOnly).promote).toBe(false);
    expect(decidePromotion(scores([true]), null, marginOnly, 'no pairs')).toMatchObject({ promote: false, reason: 'no pairs', candidateRate: null });
    expect(() => decidePromotion(scores([true, false]), { solved: new Map([['other', true], ['t1', true]]) }, marginOnly)).toThrow(PromotionError);
  });

  it('needs McNemar p below alpha: 4 of 4 flips is not enough at 0.05, 7 of 7 is', () => {
    const four = decidePromotion(scores([false, false, false, false]), scores([true, true, true, true]), { margin: 0, alpha: 0.05 });
    expect(four.promote).toBe(false);
    expect(four.comparison!.pValue).toBeCloseTo(0.125, 10);
    expect(four.reason).toMatch(/p is not below alpha/);
    const seven = decidePromotion(scores(Array(7).fill(false)), scores(Array(7).fill(true)), { margin: 0, alpha: 0.05 });
    expect(seven.promote).toBe(true);
    expect(seven.comparison!.pValue).toBeCloseTo(2 / 128, 10);
  });

  it('stores the evidence: rates with intervals, the paired difference, the flipped tasks', () => {
    const d = decidePromotion(scores([true, true, false, false, false]), scores([true, false, true, true, false]), { margin: 0.1, alpha: 1 });
    expect(d.flipped).toEqual({ gained: ['t2', 't3'], lost: ['t1'] });
    expect(d.comparison).toMatchObject({ gained: 2, lost: 1 });
    expect(d.comparison!.difference).toBeCloseTo(0.2, 10);
    expect(d.comparison!.low).toBeLessThan(0.2);
    expect(d.comparison!.high).toBeGreaterThan(0.2);
    expect(d.incumbentRate).toMatchObject({ successes: 2, n: 5 });
    expect(d.candidateRate).toMatchObject({ successes: 3, n: 5 });
    expect(d.promote).toBe(true);
  });

  it('never promotes a worse candidate, however small alpha or margin', () => {
    const d = decidePromotion(scores(Array(10).fill(true)), scores(Array(10).fill(false)), { margin: 0, alpha: 1 });
    expect(d.promote).toBe(false);
    expect(d.comparison!.difference).toBe(-1);
  });
});

describe('budget updates', () => {
  const budgets = { tokens: 512, collectTasks: 4, evaluateTasks: 4, trainSteps: 3 };
  it('applies positive integers, names the field of anything else', () => {
    expect(changedBudgets(budgets, { tokens: 1024 })).toEqual({ ...budgets, tokens: 1024 });
    expect(() => changedBudgets(budgets, { tokens: 0 })).toThrow(/budgets\.tokens: expected a positive integer, got 0/);
    expect(() => changedBudgets(budgets, { tokens: 1.5 })).toThrow(/budgets\.tokens/);
    expect(() => changedBudgets(budgets, { rounds: 2 })).toThrow(/unknown field rounds/);
    expect(() => changedBudgets(budgets, [] as never)).toThrow(/expected an object/);
  });
});
