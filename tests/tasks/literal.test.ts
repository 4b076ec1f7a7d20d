import { describe, expect, it } from 'vitest';
import { formatValue, LiteralError, parseValue } from '../../src/tasks/literal.js';

describe('LeetCode literals', () => {
  it('reads JSON values, single-quoted strings and Python words', () => {
    expect(parseValue('[1, -2, 3.5, "a,b", \'c\', true, null, False, None]')).toEqual([1, -2, 3.5, 'a,b', 'c', true, null, false, null]);
    expect(parseValue('[[1,2],[],[3]]')).toEqual([[1, 2], [], [3]]);
    expect(parseValue('"tab\\tquote\\" unicode \\u00e9"')).toBe('tab\tquote" unicode é');
  });

  it('keeps integers beyond 2^53 exact', () => {
    expect(parseValue('9007199254740993')).toBe(9007199254740993n);
    expect(formatValue(parseValue('[-9223372036854775808, 1]'))).toBe('[-9223372036854775808,1]');
  });

  it('reports where a value is malformed', () => {
    expect(() => parseValue('[1, 2')).toThrow(LiteralError);
    expect(() => parseValue('[1 2]')).toThrow(/expected ',' or '\]'/);
    expect(() => parseValue('3 apples')).toThrow(/unexpected text after the value/);
  });

  it('formats compactly and refuses what JSON cannot hold', () => {
    expect(formatValue([1, 'x', [true, null]])).toBe('[1,"x",[true,null]]');
    expect(() => formatValue(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
