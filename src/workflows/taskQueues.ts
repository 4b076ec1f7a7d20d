/**
 * Temporal task queues, one per kind of machine (see README, Architecture). Workflows route each
 * activity to its queue; workers poll the queues their machine can serve. The names carry a
 * prefix (config temporal.taskQueuePrefix) so deployments, or tests, sharing a server stay apart.
 */
export const ROLES = ['control', 'inference', 'training'] as const;
export type Role = (typeof ROLES)[number];

export type TaskQueues = Record<Role, string>;

export function taskQueues(prefix: string): TaskQueues {
  return { control: `${prefix}-control`, inference: `${prefix}-inference`, training: `${prefix}-training` };
}

/** The default deployment's queues. */
export const TASK_QUEUES = taskQueues('codeq');
