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
  it('promotes only above the margin, on the same tasks', () => {
    expect(decidePromotion(scores([true, false, false, false]), scores([true, true, false, false]), 0).promote).toBe(true);
    expect(decidePromotion(scores([true, false, false, false]), scores([true, true, false, false]), 0.25)).toMatchObject({ promote: false, incumbentSolved: 1, candidateSolved: 2 });
    expect(decidePromotion(scores([true, true]), scores([true, true]), 0).promote).toBe(false);
    expect(decidePromotion(scores([true]), null, 0, 'no pairs')).toMatchObject({ promote: false, reason: 'no pairs' });
    expect(() => decidePromotion(scores([true, false]), { solved: new Map([['other', true], ['t1', true]]) }, 0)).toThrow(PromotionError);
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
