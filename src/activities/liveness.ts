import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { PhaseProgress } from '../workflows/definitions.js';

/** Sends a phase's progress to the workflow running the activity (a signal; the worker owns the client). */
export type ProgressReporter = (workflowId: string, progress: PhaseProgress) => Promise<void>;

export interface Liveness {
  /** Aborted when Temporal cancels the activity (it learns of it through heartbeats). */
  signal: AbortSignal;
  /** What the last attempt heartbeated (where it got to), if this is a retry. */
  previous: unknown;
  /** Records progress: the next heartbeat carries it, and the workflow hears of it (throttled). */
  update(progress: PhaseProgress): void;
  stop(): void;
}

/**
 * Keeps an activity visibly alive: a heartbeat every second whatever the work is doing (a search
 * of one task can take minutes; the SDK throttles what it sends), carrying the latest progress, and
 * progress signals to the workflow at most every `reportSeconds`. The work itself must stay off the
 * event loop (model calls, sandbox runs and training steps are asynchronous), or heartbeats stop.
 */
export function keepAlive(report: ProgressReporter | undefined, reportSeconds: number): Liveness {
  const context = Context.current();
  let details: PhaseProgress | undefined;
  let lastReport = 0;
  let pending: PhaseProgress | null = null;
  const workflowId = context.info.workflowExecution?.workflowId;
  const send = () => {
    if (!report || !pending || !workflowId) return;
    const progress = pending;
    pending = null;
    lastReport = Date.now();
    report(workflowId, progress).catch(() => {}); // progress is best effort: the workflow may be between runs
  };
  const timer = setInterval(() => {
    context.heartbeat(details);
    if (pending && Date.now() - lastReport >= reportSeconds * 1000) send();
  }, 1000);
  timer.unref();
  context.heartbeat(details);
  return {
    signal: context.cancellationSignal,
    previous: context.info.heartbeatDetails,
    update(progress) {
      details = progress;
      pending = { ...progress, part: context.info.activityId };
      context.heartbeat(details);
      if (Date.now() - lastReport >= reportSeconds * 1000) send();
    },
    stop() {
      clearInterval(timer);
      send();
    },
  };
}

/** Throws Temporal's cancellation when the activity was cancelled (its partial output stays for a resume). */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new CancelledFailure('the activity was cancelled; its partial output stays for a resume');
}
