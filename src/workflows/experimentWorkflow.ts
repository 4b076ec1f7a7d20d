import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { changedBudgets } from './budgets.js';
import {
  cancelSignal,
  pauseSignal,
  phaseSignal,
  resumeSignal,
  roundWorkflowId,
  setBudgetsUpdate,
  stateQuery,
  type ExperimentInput,
  type ExperimentState,
  type ExperimentStatus,
  type Phase,
  type RoundResult,
} from './definitions.js';
import { EXPERIMENT_KEY, PHASE_KEY, ROUND_KEY } from './searchAttributes.js';
import type { ControlActivities } from '../activities/types.js';
import { activityOptions, roundWorkflow } from './roundWorkflow.js';

/** Results kept in the workflow's state across continue-as-new (older ones stay in their round's files). */
const KEPT_RESULTS = 20;

/**
 * An experiment: `rounds` rounds, each a child roundWorkflow that starts from the policy the one
 * before promoted. After each round it continues as new, so the history holds one round at most.
 * Pause and resume take effect between phases; cancel stops the running round; an update changes
 * the budgets of the rounds not yet started.
 */
export async function experimentWorkflow(input: ExperimentInput): Promise<ExperimentState> {
  if (input.continue && input.untilRound === undefined) {
    // A scheduled run: pick up where the experiment's last round ended, in a fresh run.
    const control = proxyActivities<ControlActivities>(activityOptions(input.settings, 'plan', input.settings.queues.control));
    const point = await control.resumePoint({ dir: input.dir, policy: input.policy });
    return continueAsNew<typeof experimentWorkflow>({ ...input, round: point.round, policy: point.policy, untilRound: point.round + input.rounds - 1 });
  }
  const round = input.round ?? 1;
  const last = input.untilRound ?? input.rounds;
  const results = input.results ?? [];
  let budgets = input.budgets;
  let paused = input.paused ?? false;
  let cancelled = false;
  let phase: Phase | null = null;
  const childId = roundWorkflowId(input.experimentId, round);
  let ended: ExperimentState | null = null;
  const status = (): ExperimentStatus => (cancelled ? 'cancelling' : paused ? 'paused' : 'running');
  const state = (s: ExperimentStatus): ExperimentState => ({ experimentId: input.experimentId, status: s, round, rounds: last, phase, progress: null, policy: input.policy, budgets, results });
  /** The final state: returned, and what queries of the closed workflow answer. */
  const end = (final: ExperimentState) => (ended = final);

  setHandler(stateQuery, () => ended ?? state(status()));
  setHandler(phaseSignal, (p) => {
    phase = p;
    upsertSearchAttributes([{ key: PHASE_KEY, value: p }]);
  });
  // Forwarded to the running round, which waits at its next phase boundary.
  const forward = async (signal: typeof pauseSignal | typeof resumeSignal) => {
    try {
      await getExternalWorkflowHandle(childId).signal(signal);
    } catch {
      // no round running (between rounds): the flag alone holds the next one
    }
  };
  setHandler(pauseSignal, async () => {
    paused = true;
    await forward(pauseSignal);
  });
  setHandler(resumeSignal, async () => {
    paused = false;
    await forward(resumeSignal);
  });
  setHandler(cancelSignal, () => void (cancelled = true));
  setHandler(setBudgetsUpdate, (change) => (budgets = changedBudgets(budgets, change)), { validator: (change) => void changedBudgets(budgets, change) });

  upsertSearchAttributes([
    { key: EXPERIMENT_KEY, value: input.experimentId },
    { key: ROUND_KEY, value: round },
  ]);
  if (round > last) return end(state('done'));

  await condition(() => !paused || cancelled || workflowInfo().continueAsNewSuggested);
  if (cancelled) return end(state('cancelled'));
  if (paused) {
    // Paused long enough for the history to grow (signals, queries' updates): the same round in a fresh run.
    await condition(allHandlersFinished);
    return continueAsNew<typeof experimentWorkflow>({ ...input, budgets, paused });
  }
  let result: RoundResult;
  try {
    result = await CancellationScope.cancellable(async () => {
      const scope = CancellationScope.current();
      void condition(() => cancelled).then(() => scope.cancel());
      return executeChild(roundWorkflow, {
        workflowId: childId,
        args: [{ experimentId: input.experimentId, round, configFile: input.configFile, budgets, incumbent: input.policy, dir: input.dir, settings: input.settings, paused }],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        typedSearchAttributes: [
          { key: EXPERIMENT_KEY, value: input.experimentId },
          { key: ROUND_KEY, value: round },
        ],
      });
    });
  } catch (error) {
    if (cancelled && isCancellation(error)) return end(state('cancelled'));
    throw error;
  }
  const kept = [...results, result].slice(-KEPT_RESULTS);
  await condition(allHandlersFinished);
  if (round >= last) {
    phase = null;
    return end({ ...state('done'), round, policy: result.next, results: kept });
  }
  // Rounds left: the next one in a fresh run (bounded history); budgets and pause carry over.
  return continueAsNew<typeof experimentWorkflow>({ ...input, round: round + 1, policy: result.next, results: kept, budgets, paused });
}

