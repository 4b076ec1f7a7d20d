import { describe, expect, it } from 'vitest';
import { aggregate } from '../../src/evaluation/aggregate.js';
import { comparePaired, mcnemarExact, pairedTable, seedSpread } from '../../src/evaluation/paired.js';
import type { EvalRecord } from '../../src/evaluation/records.js';

describe('McNemar exact test', () => {
  it('is the two-sided binomial tail on the discordant tasks', () => {
    expect(mcnemarExact(1, 9)).toBeCloseTo(22 / 1024, 12);
    expect(mcnemarExact(9, 1)).toBeCloseTo(22 / 1024, 12);
    expect(mcnemarExact(0, 5)).toBeCloseTo(2 / 32, 12);
    expect(mcnemarExact(3, 3)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    // Large counts stay finite and small.
    expect(mcnemarExact(100, 200)).toBeLessThan(1e-7);
    expect(() => mcnemarExact(-1, 2)).toThrow(RangeError);
  });
});

describe('paired difference (Newcombe method 10)', () => {
  it('contains the estimate, stays in [-1, 1], flips sign when the policies swap', () => {
    const t = { both: 8, firstOnly: 4, secondOnly: 5, neither: 27 };
    const c = comparePaired(t);
    expect(c.difference).toBeCloseTo(1 / 44, 12);
    expect(c.low).toBeLessThan(c.difference);
    expect(c.high).toBeGreaterThan(c.difference);
    const swapped = comparePaired({ both: 8, firstOnly: 5, secondOnly: 4, neither: 27 });
    expect(swapped.low).toBeCloseTo(-c.high, 12);
    expect(swapped.high).toBeCloseTo(-c.low, 12);
    const all = comparePaired({ both: 0, firstOnly: 0, secondOnly: 10, neither: 0 });
    expect(all.difference).toBe(1);
    expect(all.high).toBe(1);
    expect(all.low).toBeGreaterThan(0.5);
  });

  it('is honest when nothing flipped: zero difference, an interval of nonzero width', () => {
    const c = comparePaired({ both: 5, firstOnly: 0, secondOnly: 0, neither: 5 });
    expect(c.difference).toBe(0);
    expect(c.high - c.low).toBeGreaterThan(0.1);
    expect(c.pValue).toBe(1);
  });

  it('narrows with more tasks at the same rates', () => {
    const small = comparePaired({ both: 2, firstOnly: 1, secondOnly: 3, neither: 4 });
    const large = comparePaired({ both: 20, firstOnly: 10, secondOnly: 30, neither: 40 });
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
  });

  it('pairs outcomes task by task', () => {
    expect(pairedTable([true, true, false, false], [true, false, true, false])).toEqual({ both: 1, firstOnly: 1, secondOnly: 1, neither: 1 });
    expect(() => pairedTable([true], [])).toThrow(RangeError);
  });

  it('summarises per-seed rates', () => {
    const s = seedSpread([0.2, 0.4, 0.6]);
    expect(s.mean).toBeCloseTo(0.4, 12);
    expect(s.sd).toBeCloseTo(0.2, 12);
    expect([s.min, s.max]).toEqual([0.2, 0.6]);
  });
});

function record(task: string, over: Partial<EvalRecord>): EvalRecord {
  return {
    task, language: 'python3', category: 'logic', bugType: 'condition error', level: 'easy', policy: 'base', mode: 'mcts', seed: 0,
    visibleOnly: null, verdict: 'wrong_answer', solvedVisible: false, solved: false, generatedTokens: 1000, tokensToChosen: null, executions: 3, wallMs: 100,
    ...over,
  };
}
const solved = (tokens: number) => ({ solved: true, solvedVisible: true, verdict: 'pass' as const, tokensToChosen: tokens });

describe('aggregate', () => {
  it('counts only tasks whose hidden tests vouch; visible-only tasks apart; visible beside hidden', () => {
    const records = [
      record('a', solved(100)),
      record('b', { solvedVisible: true, verdict: 'wrong_answer', tokensToChosen: 200 }),
      record('c', {}),
      record('d', { visibleOnly: 'multi_answer', solvedVisible: true, verdict: 'pass_visible_only', tokensToChosen: 50 }),
    ];
    const [r] = aggregate(records, { caps: [150, 1000], policyPairs: [], modePairs: [] }).results;
    expect(r!.tasks).toBe(3);
    expect(r!.overall.hidden).toMatchObject({ successes: 1, n: 3 });
    expect(r!.overall.visible).toMatchObject({ successes: 2, n: 3 });
    expect(r!.visibleOnlyTasks).toEqual({ tasks: 1, passedVisible: 1 });
    expect(r!.byCap['150']!.hidden.successes).toBe(1);
    expect(r!.byCap['150']!.visible.successes).toBe(1);
    expect(r!.by.category['logic']!.hidden.n).toBe(3);
  });

  it('treats tasks, not searches, as the sample across seeds, and reports the seeds apart', () => {
    const records = ['a', 'b'].flatMap((t) => [0, 1, 2].map((seed) => record(t, { seed, ...(t === 'a' || seed === 0 ? solved(10) : {}) })));
    const [r] = aggregate(records, { caps: [], policyPairs: [], modePairs: [] }).results;
    expect(r!.overall.hidden.n).toBe(2);
    expect(r!.overall.hidden.rate).toBeCloseTo(4 / 6, 12);
    expect(r!.overall.seeds.rates).toEqual([1, 0.5, 0.5]);
  });

  it('compares modes at each cap from the same searches, and policies paired on tasks', () => {
    const tasks = ['a', 'b', 'c', 'd'];
    const records = [
      ...tasks.map((t, i) => record(t, { mode: 'best-of-n', ...(i < 2 ? solved(900) : {}) })),
      ...tasks.map((t, i) => record(t, { mode: 'mcts', ...(i < 3 ? solved(400) : {}) })),
      ...tasks.map((t, i) => record(t, { mode: 'mcts', policy: 'round-1', ...(i > 0 ? solved(400) : {}) })),
    ];
    const { modeComparisons, policyComparisons } = aggregate(records, { caps: [500, 1000], policyPairs: [['base', 'round-1']], modePairs: [['best-of-n', 'mcts']] });
    const at500 = modeComparisons.find((c) => c.policy === 'base' && c.cap === 500)!;
    expect(at500).toMatchObject({ firstOnly: 0, secondOnly: 3, both: 0 });
    const at1000 = modeComparisons.find((c) => c.policy === 'base' && c.cap === 1000)!;
    expect(at1000).toMatchObject({ both: 2, secondOnly: 1, firstOnly: 0 });
    const p = policyComparisons.find((c) => c.mode === 'mcts')!;
    expect(p.flipped).toEqual({ gained: ['d'], lost: ['a'] });
    expect(p.difference).toBe(0);
  });
});
