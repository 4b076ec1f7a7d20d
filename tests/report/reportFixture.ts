/**
 * An experiment directory as a finished round leaves it (config.json, decision.json,
 * evaluate/results.json, train/metrics.jsonl, pairs/summary.json), written from numbers chosen
 * here — the report's input, without running a round.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate } from '../../src/evaluation/aggregate.js';
import type { EvalRecord } from '../../src/evaluation/records.js';
import { writeEvalResults } from '../../src/evaluation/resultsFile.js';
import { decidePromotion } from '../../src/experiments/promotion.js';

const LEVELS = ['easy', 'medium', 'hard'] as const;
const CATEGORIES = ['syntax', 'reference', 'logic', 'multiple'] as const;

export function writeExperimentFixture(dir: string, rounds = 2): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), '{}\n');
  for (let round = 1; round <= rounds; round++) {
    const r = join(dir, `round-${round}`);
    for (const sub of ['promote', 'evaluate', 'train', 'pairs']) mkdirSync(join(r, sub), { recursive: true });
    const tasks = Array.from({ length: 20 }, (_, i) => `python3/task-${i}/bug/0000000${i % 10}`);
    const solvedBy = (policy: string) => (i: number) => (policy === 'incumbent' ? i % 3 === 0 : i % 3 === 0 || i % 4 === 1 || (round === 2 && i === 2));
    const records: EvalRecord[] = ['incumbent', 'candidate'].flatMap((policy) =>
      tasks.map((task, i) => {
        const solved = solvedBy(policy)(i);
        return {
          task, language: 'python3' as const, category: CATEGORIES[i % 4]!, bugType: 'condition error', level: LEVELS[i % 3]!, policy, mode: 'single' as const, seed: round,
          visibleOnly: null, verdict: solved ? ('pass' as const) : ('wrong_answer' as const), solvedVisible: solved || i % 5 === 0, solved,
          generatedTokens: 300 + i, tokensToChosen: 100 + 10 * i, executions: 1, wallMs: 1000,
        };
      }),
    );
    const caps = [128, 256, 512];
    writeEvalResults(join(r, 'evaluate', 'results.json'), {
      version: 1, createdAt: '2026-12-02T00:00:00Z', split: 'test',
      policies: [{ label: 'incumbent', model: 'm.gguf', adapter: null }, { label: 'candidate', model: 'm.gguf', adapter: 'a.gguf' }],
      modes: ['single'], seeds: [round], caps, records,
      aggregates: aggregate(records, { caps, policyPairs: [['incumbent', 'candidate']], modePairs: [] }),
    });
    const scores = (policy: string) => ({ solved: new Map(tasks.map((t, i) => [t, solvedBy(policy)(i)])) });
    writeFileSync(join(r, 'promote', 'decision.json'), JSON.stringify(decidePromotion(scores('incumbent'), scores('candidate'), { margin: 0, alpha: 0.05 })));
    writeFileSync(join(r, 'pairs', 'summary.json'), JSON.stringify({ pairs: 9, semanticDuplicates: 1, perTask: { tasks: 16, tasksWithPairs: 5 } }));
    writeFileSync(
      join(r, 'train', 'metrics.jsonl'),
      Array.from({ length: 8 }, (_, k) => JSON.stringify({ step: k + 1, loss: 0.7 - 0.05 * k, 'rewards/margins': 0.1 * k, 'rewards/accuracies': Math.min(1, 0.5 + 0.07 * k), 'rewards/chosen': 0.05 * k, 'rewards/rejected': -0.05 * k })).join('\n') + '\n',
    );
  }
}
