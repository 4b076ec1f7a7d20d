import type { Candidate, CriticPrior, CritiqueOptions, GenerateOptions, Reflection, ReflectOptions } from '../policy/policy.js';
import type { Language } from '../sandbox/types.js';

/**
 * What a search needs of a policy: K rewrites of a prompt, critic priors and self-reflections. The real Policy
 * has this shape; unit tests of the search logic use a scripted one.
 */
export interface RewritePolicy {
  /** The model's file name, for trajectories. */
  readonly name: string;
  /** The adapter in use, or null for the base model. */
  readonly adapter: string | null;
  /** options.maxTokens caps each answer: a search passes what its token budget has left. */
  generate(prompt: string, language: Language, systemPrompt: string, options?: GenerateOptions): Promise<Candidate[]>;
  /** One forward pass per prompt, nothing generated (see Policy.criticPrior). */
  criticPrior(prompts: string[], systemPrompt: string, options?: CritiqueOptions): Promise<CriticPrior[]>;
  /** Free text (a self-reflection): no code fence forced, no stop at one. */
  reflect(prompt: string, systemPrompt: string, options: ReflectOptions): Promise<Reflection>;
}
