import { describe, expect, it } from 'vitest';
import { countWithinCaps, tokensToChosen } from '../../src/search/tokenCaps.js';
import type { Trajectory } from '../../src/search/trajectory.js';

type Counted = Pick<Trajectory, 'chosen' | 'expansions' | 'verdict'>;

/** A search whose calls returned at the given spent tokens, each proposing the listed nodes; `chosen` is a node id. */
function search(calls: [spent: number, nodes: (number | null)[]][], chosen: number | null, verdict: Counted['verdict']): Counted {
  return {
    verdict,
    chosen: chosen === null ? null : { node: chosen, visible: { verdict: 'pass', passed: 2, total: 2 }, hidden: null },
    expansions: calls.map(([spentTokens, nodes], id) => ({
      id,
      parent: 0,
      kind: 'sample',
      prompt: 'p',
      maxTokens: 100,
      spentTokens,
      rewrites: nodes.map((node) => ({ node, duplicate: false, text: '', tokens: 1, seed: 0, failure: null })),
    })),
  };
}

describe('solves within a token cap', () => {
  it('takes the tokens spent when the call that first proposed the chosen program returned', () => {
    expect(tokensToChosen(search([[300, [1, 2]], [700, [3]]], 3, 'pass'))).toBe(700);
    // Proposed first by call 0, again (a duplicate) by call 1: found at 300.
    expect(tokensToChosen(search([[300, [1, 2]], [700, [2]]], 2, 'pass'))).toBe(300);
    expect(tokensToChosen(search([[300, [null]]], null, 'no_program'))).toBeNull();
  });

  it('counts a solve at cap N only when found within N, and pass_visible_only apart', () => {
    const searches = [
      search([[200, [1]], [512, [2]]], 2, 'pass'), // found at exactly 512
      search([[400, [1]], [513, [2]]], 2, 'pass'), // one token over 512
      search([[100, [1]]], 1, 'pass_visible_only'),
      search([[100, [1]], [900, [2]]], 2, 'wrong_answer'), // passed visible, failed hidden: never counted
      search([[2048, [null]]], null, 'no_program'),
    ];
    expect(countWithinCaps(searches, [256, 512, 1024])).toEqual([
      { cap: 256, solved: 0, visibleOnly: 1 },
      { cap: 512, solved: 1, visibleOnly: 1 },
      { cap: 1024, solved: 2, visibleOnly: 1 },
    ]);
  });
});
