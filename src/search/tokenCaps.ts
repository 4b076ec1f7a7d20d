import type { Trajectory } from './trajectory.js';

/**
 * The generated tokens a search had spent once the policy call that first proposed its chosen
 * program returned (earlier critic answers included): what finding that program cost. null when
 * nothing was chosen.
 */
export function tokensToChosen(t: Pick<Trajectory, 'chosen' | 'expansions'>): number | null {
  const chosen = t.chosen;
  if (!chosen) return null;
  const call = t.expansions.find((e) => e.rewrites.some((r) => r.node === chosen.node));
  return call ? call.spentTokens : null;
}

export interface CapCount {
  cap: number;
  /** Final verdict pass, found within the cap. */
  solved: number;
  /** pass_visible_only, found within the cap: counted apart, never a solve. */
  visibleOnly: number;
}

/**
 * "Solved at N tokens" from the same searches: a search counts at cap N only if the tokens spent
 * up to and including the call that found its answer were at most N — not what it spent in all.
 */
export function countWithinCaps(trajectories: Pick<Trajectory, 'chosen' | 'expansions' | 'verdict'>[], caps: number[]): CapCount[] {
  return caps.map((cap) => {
    const within = trajectories.filter((t) => {
      const spent = tokensToChosen(t);
      return spent !== null && spent <= cap;
    });
    return { cap, solved: within.filter((t) => t.verdict === 'pass').length, visibleOnly: within.filter((t) => t.verdict === 'pass_visible_only').length };
  });
}
