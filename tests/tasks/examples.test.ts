import { describe, expect, it } from 'vitest';
import { ExampleError, parseExample } from '../../src/tasks/examples.js';

describe('parseExample', () => {
  it('reads named arguments with commas inside values, and the output', () => {
    const example = 'Input: nums = [2,7,11,15], s = "a, b = c", k = -3\nOutput: [0,1]\nExplanation: because nums[0] + nums[1] == 9.';
    expect(parseExample(example)).toEqual({
      kind: 'call',
      args: [
        { name: 'nums', value: [2, 7, 11, 15] },
        { name: 's', value: 'a, b = c' },
        { name: 'k', value: -3 },
      ],
      output: [0, 1],
    });
  });

  it('keeps a prose output out of the cross-check', () => {
    const parsed = parseExample('Input: root = [1,2,3,4,5,6,7]\nOutput: [1,#,2,3,#]\nExplanation: ...');
    expect(parsed).toMatchObject({ kind: 'call', args: [{ name: 'root', value: [1, 2, 3, 4, 5, 6, 7] }] });
    expect(parsed.output).toBeUndefined();
  });

  it('takes the first line of a multi-part output when that is a value', () => {
    expect(parseExample('Input: nums = [3,2,2,3], val = 3\nOutput: 2, nums = [2,2,_,_]').output).toBeUndefined();
    expect(parseExample('Input: n = 3\nOutput: 6\nthen more text').output).toBe(6);
  });

  it('reads class-design examples', () => {
    const example = 'Input\n["KthLargest", "add", "add"]\n[[3, [4, 5, 8, 2]], [3], [5]]\nOutput\n[null, 4, 5]\n\nExplanation\nKthLargest kthLargest = new KthLargest(3, [4, 5, 8, 2]);';
    expect(parseExample(example)).toEqual({ kind: 'design', calls: ['KthLargest', 'add', 'add'], args: [[3, [4, 5, 8, 2]], [3], [5]], output: [null, 4, 5] });
  });

  it('ignores zero-width spaces and rejects what is not an example', () => {
    expect(parseExample('\u200b\n\nInput: x = 1\nOutput: 1').kind).toBe('call');
    expect(() => parseExample('no input here')).toThrow(ExampleError);
    expect(() => parseExample('Input: 5\nOutput: 5')).toThrow(/expected "name = value"/);
    expect(() => parseExample('Input\n["A", "f"]\n[[]]\nOutput\n[null]')).toThrow(/one list per call/);
  });
});
