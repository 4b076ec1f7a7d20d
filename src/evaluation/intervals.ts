/** A proportion with its Wilson score interval. */
export interface Proportion {
  successes: number;
  n: number;
  rate: number;
  low: number;
  high: number;
}

/**
 * Wilson score interval for k successes in n trials (z = 1.96: 95%). Unlike the normal
 * approximation it stays inside [0, 1] and is honest at 0/n and n/n, which small task samples hit.
 */
export function wilson(successes: number, n: number, z = 1.96): Proportion {
  if (!Number.isInteger(successes) || !Number.isInteger(n) || successes < 0 || n < 0 || successes > n) {
    throw new RangeError(`wilson: need integers 0 <= successes <= n, got ${successes}/${n}`);
  }
  if (n === 0) return { successes, n, rate: Number.NaN, low: 0, high: 1 };
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { successes, n, rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** "12/30 = 40.0% [24.6, 57.7]" */
export function formatProportion(p: Proportion): string {
  const pct = (x: number) => (x * 100).toFixed(1);
  return `${p.successes}/${p.n} = ${Number.isNaN(p.rate) ? 'n/a' : `${pct(p.rate)}%`} [${pct(p.low)}, ${pct(p.high)}]`;
}
