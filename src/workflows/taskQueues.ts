/**
 * Temporal task queues, one per kind of machine (see README, Architecture). Workflows route each
 * activity to its queue; workers poll the queues their machine can serve.
 */
export const TASK_QUEUES = {
  /** Workflows, pairs, promotion, reports: any machine. */
  control: 'codeq-control',
  /** Collection and evaluation shards: machines with the policy model (GPU A). */
  inference: 'codeq-inference',
  /** Reference log-probs and DPO: machines with the native training library (GPU B). */
  training: 'codeq-training',
} as const;

export type TaskQueue = (typeof TASK_QUEUES)[keyof typeof TASK_QUEUES];
