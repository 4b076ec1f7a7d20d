import type { TasksConfig } from '../../config/schema.js';
import type { Sandbox } from '../../sandbox/types.js';
import type { VisibleOnlyReason } from '../../verify/verdicts.js';
import { verifyProgram, type TestVerdict } from '../../verify/verifyProgram.js';
import type { TestCase, TestSpec } from '../harness/spec.js';
import type { Task } from '../task.js';
import { BUILD_FAILURES, buildTests } from './buildTests.js';
import { candidateLimits } from './limits.js';
import type { LargeTests } from './largeCases.js';
import type { PeerOracle } from './oracles.js';

/** A task with everything evaluation needs: how to call it and its visible and hidden tests. */
export interface PreparedTask extends Task {
  split: 'train' | 'test';
  spec: TestSpec;
  /** List levels of a result compared as multisets (see CompareOptions). */
  orderFreeLevels: number[];
  /** Why the hidden tests cannot vouch for a pass (null: visible AND hidden tests decide). */
  visibleOnly: VisibleOnlyReason | null;
  visible: TestCase[];
  hidden: TestCase[];
  /** Oracle wall time over the visible and the hidden cases, for candidates' time limits. */
  oracleMs: { visible: number; hidden: number };
  /** How the buggy code fares (hidden: null when the hidden tests were not run): it fails somewhere. */
  buggy: { visible: TestVerdict; hidden: TestVerdict | null };
  /** Examples whose stated Output differs from the oracle's beyond order (the task is then multi_answer). */
  exampleDisagreements: number[];
  /** Other correct solutions that checked the hidden inputs, inputs they dropped, parameters frozen for it. */
  peers: { used: number; disagreements: number; frozen: string[] };
  /** Hidden inputs near the constraint maxima, kept as a recipe (see largeCases.ts); null: none. */
  large: LargeTests | null;
}

export const DROP_REASONS = [...BUILD_FAILURES, 'buggy-passes'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

export type PrepareOutcome =
  | { status: 'testable'; task: PreparedTask }
  | { status: 'dropped'; id: string; language: Task['language']; reason: DropReason; detail: string };

/** Prepares one task: its tests, then a check that the buggy code fails somewhere. */
export async function prepareTask(
  task: Task,
  split: 'train' | 'test',
  sandbox: Sandbox,
  config: TasksConfig,
  signal?: AbortSignal,
  peers: PeerOracle[] = [],
): Promise<PrepareOutcome> {
  const built = await buildTests({ ...task, peers }, sandbox, config, signal);
  if (!built.ok) return { status: 'dropped', id: task.id, language: task.language, reason: built.reason, detail: built.detail };
  const { spec, compare, visible, hidden, oracleMs, exampleDisagreements, visibleOnly } = built.tests;
  const buggyVisible = await verifyProgram(sandbox, spec, task.buggyCode, visible, compare, candidateLimits(oracleMs.visible, config), signal);
  // Hidden tests that are not trusted (several valid answers, random answers) cannot show a bug.
  const trusted = visibleOnly !== 'multi_answer' && visibleOnly !== 'nondeterministic' && hidden.length > 0;
  const buggyHidden = trusted ? await verifyProgram(sandbox, spec, task.buggyCode, hidden, compare, candidateLimits(oracleMs.hidden, config), signal) : null;
  if (buggyVisible.verdict === 'pass' && (buggyHidden === null || buggyHidden.verdict === 'pass')) {
    const detail = `the buggy code passes ${visible.length} visible and ${buggyHidden ? hidden.length : 0} hidden tests`;
    return { status: 'dropped', id: task.id, language: task.language, reason: 'buggy-passes', detail };
  }
  return {
    status: 'testable',
    task: {
      ...task,
      split,
      spec,
      orderFreeLevels: compare.orderFreeLevels,
      visibleOnly,
      visible,
      hidden,
      oracleMs,
      buggy: { visible: buggyVisible.verdict, hidden: buggyHidden?.verdict ?? null },
      exampleDisagreements,
      peers: built.tests.peers,
      large: built.tests.large,
    },
  };
}
