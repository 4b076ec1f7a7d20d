import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_MODES, type CodeqConfig } from '../../src/config/schema.js';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';
import { Policy } from '../../src/policy/policy.js';
import { loadPromptTemplates } from '../../src/policy/prompts.js';
import type { ProgramSandbox } from '../../src/sandbox/programSandbox.js';
import { searchTaskOf } from '../../src/search/collect.js';
import { runSearch, type SearchTask } from '../../src/search/engine.js';
import { config, openSandbox } from '../helpers/host.js';
import { prepareCountPairs } from './countPairsTask.js';

/** The caps a search passes hold with the real policy (node-llama-cpp's token count), not only a scripted one. */
const dir = mkdtempSync(join(tmpdir(), 'codeq-budget-policy-'));
const model = join(dir, 'tiny.gguf');
writeTinyModel(model, TINY_DEFAULTS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the real policy within a search budget (tiny model)', () => {
  let policy: Policy;
  let sandbox: ProgramSandbox;
  let task: SearchTask;
  const settings: CodeqConfig = structuredClone(config);
  settings.policy = { ...settings.policy, gpu: 'cpu', threads: 1, contextSize: 2048, sequences: 2, batchSize: 256 };
  settings.policy.generation.maxTokens = 24;
  settings.search.budget = { tokens: 61, executions: 100, wallMs: 600_000 };
  settings.search.mcts = { rollouts: 20, k: 2, maxDepth: 2, rolloutDepth: 1, exploration: 1, critic: true, puct: 1, widening: null, backup: 'mean', exhaustAfter: 2 };
  settings.search.bestOfN.n = 20;
  // The tiny model's answers are random text: without a forced fence they hold no program, so
  // nothing ends the search before its token budget does. Self-reflections (8 tokens) count too.
  settings.policy.generation = { ...settings.policy.generation, openFence: false, stopAtFenceEnd: false };
  settings.search.reflection = { ...settings.search.reflection, enabled: true, selfReflection: true, reflectionTokens: 8 };

  beforeAll(async () => {
    policy = await Policy.load(model, settings.policy);
    sandbox = await openSandbox('bwrap');
    task = searchTaskOf(await prepareCountPairs(sandbox, { ...config.tasks, hidden: { ...config.tasks.hidden, count: 2 } }), config);
  }, 120_000);
  afterAll(async () => {
    await policy?.dispose();
    await sandbox?.dispose();
  });

  it('generate and reflect never count more tokens than the cap they were given; the critic generates none', async () => {
    for (const candidate of await policy.generate('write code', 'python3', 'be brief', { k: 2, maxTokens: 5, temperature: 1, seed: 3 })) {
      expect(candidate.tokens).toBeGreaterThan(0);
      expect(candidate.tokens).toBeLessThanOrEqual(5);
    }
    for (const prior of await policy.criticPrior(['rate this', 'and this'], 'be brief')) expect(prior.promptTokens).toBeGreaterThan(0);
    const reflection = await policy.reflect('why?', 'be brief', { maxTokens: 3, temperature: 1, seed: 1 });
    expect(reflection.tokens).toBeGreaterThan(0);
    expect(reflection.tokens).toBeLessThanOrEqual(3);
  });

  for (const mode of SEARCH_MODES) {
    it(`${mode}: the search's generated tokens stay within the budget`, async () => {
      const outcome = await runSearch(mode, task, { policy, sandbox, templates: loadPromptTemplates(settings.policy), config: settings, seed: 11 });
      expect(outcome.budget.generatedTokens).toBeGreaterThan(0);
      expect(outcome.budget.generatedTokens).toBeLessThanOrEqual(settings.search.budget.tokens);
      const last = outcome.tree.expansions.at(-1)!;
      if (mode !== 'single') expect(last.maxTokens).toBeLessThan(settings.policy.generation.maxTokens);
      if (mode === 'mcts') expect(outcome.budget.reflectionTokens).toBeGreaterThan(0);
    }, 120_000);
  }
});
