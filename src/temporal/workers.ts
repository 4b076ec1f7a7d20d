import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createControlActivities } from '../activities/control.js';
import { createInferenceActivities } from '../activities/inference.js';
import type { ProgressReporter } from '../activities/liveness.js';
import { PolicyPool } from '../activities/policyPool.js';
import { createTrainingActivities } from '../activities/training.js';
import type { CodeqConfig } from '../config/schema.js';
import { createSandbox } from '../sandbox/createSandbox.js';
import type { Sandbox } from '../sandbox/types.js';
import { log } from '../util/log.js';
import { progressSignal } from '../workflows/definitions.js';
import { taskQueues, type Role } from '../workflows/taskQueues.js';
import { temporalTarget } from './connection.js';

/** The workflows module the control worker bundles (compiled JS in dist/, TypeScript under tests). */
export function workflowsPath(): string {
  const js = fileURLToPath(new URL('../workflows/index.js', import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, '.ts');
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO: keep its warnings and errors only (once per process). */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by someone else in this process: keep theirs
  }
}

let bundled: Promise<WorkflowBundleOption> | null = null;
/** The workflow bundle, built once per process (webpack: seconds on a small machine). */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  bundled ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: { trace() {}, debug() {}, info() {}, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m), log() {} } as never });
  return bundled;
}

export interface WorkerSet {
  roles: Role[];
  /** Resolves when every worker has stopped (after shutdown(), or a fatal error). */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

export interface WorkerSetOptions {
  config: CodeqConfig;
  roles: Role[];
  /** Inference only: a sandbox to use instead of creating one from the config. */
  sandbox?: Sandbox;
  /** Identity shown in the UI (default: <role>@<host>:<pid>, set by the SDK). */
  identity?: string;
}

/**
 * One Temporal worker per role, polling that role's task queue: control (the workflows and light
 * activities), inference (owns the sandbox and one loaded model), training (the native trainer).
 * A machine runs the roles it can serve; the local stack runs all three in one process.
 */
export async function startWorkers(options: WorkerSetOptions): Promise<WorkerSet> {
  const { config, roles } = options;
  quietTemporalRuntime();
  const target = temporalTarget(config.temporal);
  const connectionOptions = { address: target.address, tls: target.tls, ...(target.apiKey ? { apiKey: target.apiKey } : {}) };
  const connection = await NativeConnection.connect(connectionOptions);
  const clientConnection = await Connection.connect(connectionOptions);
  const client = new Client({ connection: clientConnection, namespace: target.namespace });
  const report: ProgressReporter = async (workflowId, progress) => {
    await client.workflow.getHandle(workflowId).signal(progressSignal, progress);
  };
  const queues = taskQueues(config.temporal.taskQueuePrefix);
  const common = { connection, namespace: target.namespace, shutdownGraceTime: `${config.workers.shutdownGraceSeconds} seconds`, ...(options.identity ? { identity: options.identity } : {}) } as const;
  const workers: Worker[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  try {
    for (const role of roles) {
      const maxConcurrentActivityTaskExecutions = config.workers[role].maxConcurrentActivities;
      if (role === 'control') {
        workers.push(await Worker.create({ ...common, taskQueue: queues.control, workflowBundle: await workflowBundle(), activities: createControlActivities(), maxConcurrentActivityTaskExecutions }));
      } else if (role === 'inference') {
        const sandbox = options.sandbox ?? (await createSandbox(config));
        const sequences = Math.max(config.search.mcts.k, config.policy.sequences);
        const policies = new PolicyPool({ ...config.policy, sequences });
        cleanups.push(() => policies.dispose());
        if (!options.sandbox) cleanups.push(() => sandbox.dispose());
        workers.push(await Worker.create({ ...common, taskQueue: queues.inference, activities: createInferenceActivities({ sandbox, policies, report }), maxConcurrentActivityTaskExecutions }));
      } else {
        workers.push(await Worker.create({ ...common, taskQueue: queues.training, activities: createTrainingActivities({ report }), maxConcurrentActivityTaskExecutions }));
      }
    }
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    await clientConnection.close();
    await connection.close();
    throw error;
  }
  const done = Promise.all(workers.map((w) => w.run())).then(
    async () => {
      for (const cleanup of cleanups) await cleanup().catch(() => {});
      await clientConnection.close().catch(() => {});
      await connection.close().catch(() => {});
    },
  );
  return {
    roles,
    done,
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
    },
  };
}
