import { describe, expect, it } from 'vitest';
import { formatProportion, wilson } from '../../src/evaluation/intervals.js';

describe('Wilson interval', () => {
  it('matches published values and stays inside [0, 1] at the edges', () => {
    // Reference values: Newcombe (1998), Table I — 81/263: 0.2553–0.3662; 15/148: 0.0624–0.1605.
    const a = wilson(81, 263);
    expect(a.low).toBeCloseTo(0.2553, 4);
    expect(a.high).toBeCloseTo(0.3662, 4);
    const b = wilson(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
    expect(wilson(0, 10)).toMatchObject({ rate: 0, low: 0 });
    expect(wilson(0, 10).high).toBeCloseTo(0.2775, 4);
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(0, 0)).toMatchObject({ low: 0, high: 1 });
    expect(() => wilson(3, 2)).toThrow(RangeError);
    expect(formatProportion(wilson(12, 30))).toBe('12/30 = 40.0% [24.6, 57.7]');
  });
});
