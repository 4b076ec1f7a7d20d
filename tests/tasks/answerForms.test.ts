import { describe, expect, it } from 'vitest';
import { answerForm, orderLevelsExplaining, statedOrderFreeLevels, statesSeveralAnswers } from '../../src/tasks/prepare/answerForms.js';
import { answerChecker } from '../../src/verify/answerCheckers.js';
import { acceptable, canonicalOrder } from '../../src/verify/compare.js';

describe('order-free comparison at every nesting level', () => {
  const at = (orderFreeLevels: number[]) => ({ tolerance: 1e-5, orderFreeLevels });

  it('groups of anagrams: the groups and the words in each group in any order', () => {
    const oracle = [['bat'], ['nat', 'tan'], ['ate', 'eat', 'tea']];
    const other = [['tea', 'eat', 'ate'], ['bat'], ['tan', 'nat']];
    expect(acceptable(other, oracle, at([0, 1]))).toBe(true);
    expect(acceptable(other, oracle, at([0]))).toBe(false);
    expect(acceptable(other, oracle, at([]))).toBe(false);
    // A word moved to another group is another answer, whatever the order.
    expect(acceptable([['tea', 'eat'], ['bat', 'ate'], ['tan', 'nat']], oracle, at([0, 1]))).toBe(false);
  });

  it('inner lists only: answer[0] and answer[1] keep their places', () => {
    expect(acceptable([[3, 1], [4, 2]], [[1, 3], [2, 4]], at([1]))).toBe(true);
    expect(acceptable([[2, 4], [1, 3]], [[1, 3], [2, 4]], at([1]))).toBe(false);
  });

  it('multisets, not sets: a repeated item must be repeated as often', () => {
    expect(acceptable([1, 1, 2], [1, 2, 2], at([0]))).toBe(false);
    expect(acceptable([2, 1, 1], [1, 2, 1], at([0]))).toBe(true);
  });

  it('puts nested lists in one canonical order, innermost first', () => {
    expect(canonicalOrder([[2, 1], [1, 0]], [0, 1])).toEqual([[0, 1], [1, 2]]);
    expect(canonicalOrder([[2, 1], [1, 0]], [0])).toEqual([[1, 0], [2, 1]]);
    expect(canonicalOrder(5, [0])).toBe(5);
  });
});

describe('reading what a statement accepts', () => {
  it('order-free only where the sentence is about the answer', () => {
    expect(statedOrderFreeLevels('Return all anagram groups. You can return the answer in any order.')).toEqual([0]);
    expect(statedOrderFreeLevels('Note that the integers in the lists may be returned in any order.')).toEqual([1]);
    expect(statedOrderFreeLevels('You can order the deck in any order you want. Return an ordering of the deck.')).toEqual([]);
    expect(statedOrderFreeLevels('Note: The boy can buy the ice cream bars in any order.')).toEqual([]);
  });

  it('several valid answers', () => {
    expect(statesSeveralAnswers('Return any valid arrangement of pairs.')).toBe(true);
    expect(statesSeveralAnswers('If there are many valid solutions, you can return any of them.')).toBe(true);
    expect(statesSeveralAnswers('If the array contains multiple peaks, return the index to any of the peaks.')).toBe(true);
    expect(statesSeveralAnswers('Return the largest possible value of num after any number of swaps.')).toBe(false);
    expect(statesSeveralAnswers('Return true if any cycle of the same value exists in grid.')).toBe(false);
  });

  it('the fewest order-free levels that reconcile the oracle with an example', () => {
    expect(orderLevelsExplaining([[1, 2], [3]], [[3], [2, 1]], 1e-5)).toEqual([0, 1]);
    expect(orderLevelsExplaining([1, 2], [2, 1], 1e-5)).toEqual([0]);
    expect(orderLevelsExplaining([1, 2], [1, 3], 1e-5)).toBeNull();
    expect(orderLevelsExplaining(1, 2, 1e-5)).toBeNull();
  });

  it('an example the oracle answers otherwise, beyond order, makes the task multi-answer', () => {
    const form = answerForm('Return the path.', [{ oracle: [0, 1, 3], stated: [0, 2, 3] }, { oracle: [1], stated: [1] }], 1e-5);
    expect(form).toEqual({ orderFreeLevels: [], multiAnswer: true, unexplained: [0] });
    const ordered = answerForm('Return the groups.', [{ oracle: [['a', 'b'], ['c']], stated: [['c'], ['b', 'a']] }], 1e-5);
    expect(ordered).toEqual({ orderFreeLevels: [0, 1], multiAnswer: false, unexplained: [] });
  });

  it('"return any rearrangement": a permutation of the oracle is not proof of order-freedom', () => {
    const form = answerForm('Return any rearrangement of nums that meets the requirements.', [{ oracle: [1, 2, 4, 5, 3], stated: [1, 4, 2, 5, 3] }], 1e-5);
    expect(form.orderFreeLevels).toEqual([]);
    expect(form.multiAnswer).toBe(true);
  });
});

describe('answer checkers for problems with several valid answers', () => {
  const accepts = answerChecker('valid-arrangement-of-pairs')!;
  const pairs = [[5, 1], [4, 5], [11, 9], [9, 4]];

  it('a valid arrangement: the same pairs, each end the next start', () => {
    expect(accepts([pairs], [[11, 9], [9, 4], [4, 5], [5, 1]])).toBe(true);
    expect(accepts([[[1, 3], [3, 2], [2, 1]]], [[2, 1], [1, 3], [3, 2]])).toBe(true);
  });

  it('rejects a broken chain, a missing, repeated or foreign pair, and answers of another shape', () => {
    expect(accepts([pairs], [[9, 4], [11, 9], [4, 5], [5, 1]])).toBe(false);
    expect(accepts([pairs], [[11, 9], [9, 4], [4, 5]])).toBe(false);
    expect(accepts([[[1, 2], [2, 1], [1, 2]]], [[1, 2], [2, 1], [1, 2]])).toBe(true);
    expect(accepts([[[1, 2], [2, 1], [1, 3]]], [[1, 2], [2, 1], [1, 2]])).toBe(false);
    expect(accepts([pairs], [[11, 9], [9, 4], [4, 5], [5, 7]])).toBe(false);
    expect(accepts([pairs], 'abc')).toBe(false);
    expect(accepts([pairs], [[11, 9, 0], [9, 4], [4, 5], [5, 1]])).toBe(false);
  });

  it('judges through acceptable() only with the case input, whatever the oracle answered', () => {
    const options = { tolerance: 1e-5, orderFreeLevels: [], checker: 'valid-arrangement-of-pairs' };
    expect(acceptable([[11, 9], [9, 4], [4, 5], [5, 1]], [[0, 0]], options, [pairs])).toBe(true);
    expect(() => acceptable([], [], options)).toThrow(/needs the case's input/);
    expect(answerChecker('two-sum')).toBeUndefined();
  });
});
