/**
 * The budgets of a round that a running experiment may change (Workflow Update): pure, so the
 * workflow validates an update with the same rules the CLI and the config use.
 */
export interface Budgets {
  /** Generated tokens per task search. */
  tokens: number;
  /** Train-split tasks searched per round. */
  collectTasks: number;
  /** Test-split tasks each policy is evaluated on. */
  evaluateTasks: number;
  /** DPO optimizer steps. */
  trainSteps: number;
}

export const BUDGET_KEYS = ['tokens', 'collectTasks', 'evaluateTasks', 'trainSteps'] as const;

/** The budgets with `change` applied; throws (naming the field) on anything but positive integers. */
export function changedBudgets(current: Budgets, change: Partial<Record<string, unknown>>): Budgets {
  if (typeof change !== 'object' || change === null || Array.isArray(change)) throw new Error('budgets: expected an object such as {"tokens": 2048}');
  const next = { ...current };
  for (const [key, value] of Object.entries(change)) {
    if (!(BUDGET_KEYS as readonly string[]).includes(key)) throw new Error(`budgets: unknown field ${key} (known: ${BUDGET_KEYS.join(', ')})`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new Error(`budgets.${key}: expected a positive integer, got ${JSON.stringify(value)}`);
    next[key as keyof Budgets] = value;
  }
  return next;
}
