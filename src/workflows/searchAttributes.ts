import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes (codeq up registers them) so the Temporal UI filters rounds by experiment, round and phase. */
export const EXPERIMENT_KEY = defineSearchAttributeKey('CodeqExperiment', SearchAttributeType.KEYWORD);
export const ROUND_KEY = defineSearchAttributeKey('CodeqRound', SearchAttributeType.INT);
export const PHASE_KEY = defineSearchAttributeKey('CodeqPhase', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [EXPERIMENT_KEY, ROUND_KEY, PHASE_KEY];
