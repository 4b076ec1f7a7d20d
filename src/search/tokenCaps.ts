import type { Trajectory } from './trajectory.js';

/**
 * The generated tokens a search had spent once the policy call that first proposed its chosen
 * program returned (earlier self-reflections included): what finding that program cost. Chosen
 * by agreement, the answer cost what finding the last of the candidates it was chosen among did
 * (with fewer tokens the search would have chosen among fewer). null when nothing was chosen.
 */
export function tokensToChosen(t: Pick<Trajectory, 'chosen' | 'expansions'> & { agreement?: Trajectory['agreement'] }): number | null {
  const chosen = t.chosen;
  if (!chosen) return null;
  const foundAt = (node: number) => t.expansions.find((e) => e.rewrites.some((r) => r.node === node))?.spentTokens ?? null;
  const nodes = t.agreement ? t.agreement.clusters.flat() : [chosen.node];
  const spent = nodes.map(foundAt);
  return spent.some((s) => s === null) ? null : Math.max(...(spent as number[]));
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
