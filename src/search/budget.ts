import type { SearchConfig } from '../config/schema.js';

export type BudgetLimits = SearchConfig['budget'];

/** What one search spent: every mode is accounted the same way, so modes compare at equal cost. */
export interface BudgetUsed {
  /** MCTS iterations (select, expand, roll out, back up); 0 for the other modes. */
  rollouts: number;
  policyCalls: number;
  /** Tokens of rewrites and self-reflections: the figure budgets are matched on. */
  generatedTokens: number;
  /** Prompt tokens the critic evaluated (one forward pass each, nothing generated: not in generatedTokens). */
  criticPromptTokens: number;
  /** Tokens of self-reflections (search.reflection), in generatedTokens too. */
  reflectionTokens: number;
  /** Programs run on the visible tests (the buggy root included). */
  executions: number;
  /** Rewrites that normalized to a program already in the tree, so were not run again. */
  duplicates: number;
  wallMs: number;
}

export type StopReason = 'solved' | 'tokens' | 'executions' | 'wall' | 'rollouts' | 'samples' | 'exhausted' | 'aborted';

/**
 * Counts what a search spends and says when a limit is reached. The token limit is never passed:
 * a policy call of k answers may generate at most `callCap(k, configured)` tokens each, which
 * fits what is left, and a call that cannot be paid for is not made. Executions and wall time are
 * checked before each step, so one step can overshoot those by its own size.
 */
export class BudgetMeter {
  readonly used: BudgetUsed = { rollouts: 0, policyCalls: 0, generatedTokens: 0, criticPromptTokens: 0, reflectionTokens: 0, executions: 0, duplicates: 0, wallMs: 0 };
  private readonly started: number;

  constructor(
    readonly limits: BudgetLimits,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  /** The first spent limit, or null while every limit has room. */
  exhausted(): Extract<StopReason, 'tokens' | 'executions' | 'wall'> | null {
    this.tick();
    if (this.used.generatedTokens >= this.limits.tokens) return 'tokens';
    if (this.used.executions >= this.limits.executions) return 'executions';
    if (this.used.wallMs >= this.limits.wallMs) return 'wall';
    return null;
  }

  /** Generated tokens left before the token limit. */
  remainingTokens(): number {
    return Math.max(0, this.limits.tokens - this.used.generatedTokens);
  }

  /**
   * The most tokens each of `k` answers of one call may generate so that all k fit in what is
   * left: min(configured, floor(remaining / k)). 0 means the call cannot be paid for.
   */
  callCap(k: number, configured: number): number {
    return Math.min(configured, Math.floor(this.remainingTokens() / Math.max(1, k)));
  }

  policyCall(tokens: number): void {
    this.used.policyCalls += 1;
    this.used.generatedTokens += tokens;
  }

  /** A critic pass: its prompt tokens are evaluated, not generated, so the token budget is untouched. */
  critic(promptTokens: number): void {
    this.used.criticPromptTokens += promptTokens;
  }

  reflection(tokens: number): void {
    this.used.reflectionTokens += tokens;
    this.used.generatedTokens += tokens;
  }

  execution(): void {
    this.used.executions += 1;
  }

  duplicate(): void {
    this.used.duplicates += 1;
  }

  rollout(): void {
    this.used.rollouts += 1;
  }

  /** Brings wallMs up to date; returns a copy of the figures. */
  snapshot(): BudgetUsed {
    this.tick();
    return { ...this.used };
  }

  private tick(): void {
    this.used.wallMs = Math.round(this.now() - this.started);
  }
}
