import { createHash } from 'node:crypto';

export type SplitName = 'train' | 'test';

/**
 * Assigns whole problems (slugs) to train or test, never single records: many records share a
 * problem, and a test problem seen in training would leak. Deterministic for a seed: each slug's
 * place comes from a hash of (seed, slug), so adding or removing other slugs moves nothing else.
 */
export function splitOfSlug(slug: string, testFraction: number, seed: number): SplitName {
  if (!(testFraction >= 0 && testFraction <= 1)) throw new RangeError(`testFraction must be in [0, 1], got ${testFraction}`);
  const digest = createHash('sha256').update(`${seed}\0${slug}`).digest();
  const unit = digest.readUInt32BE(0) / 2 ** 32;
  return unit < testFraction ? 'test' : 'train';
}

export function splitBySlug<T extends { slug: string }>(items: T[], testFraction: number, seed: number): Record<SplitName, T[]> {
  const result: Record<SplitName, T[]> = { train: [], test: [] };
  for (const item of items) result[splitOfSlug(item.slug, testFraction, seed)].push(item);
  return result;
}
