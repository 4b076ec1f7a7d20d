/**
 * npm run bench:policy — the default policy model on this machine: prompt processing speed,
 * generation tokens/s for 1 sequence and for K = 2, 4 parallel sequences (aggregate), and memory;
 * next to llama.cpp's own timings for the same model through the package's CLI
 * (`node-llama-cpp complete --printTimings`). Writes its section of docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveCacheDir } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { resolveModel } from '../src/models/pull.js';
import { Policy } from '../src/policy/policy.js';
import { loadPromptTemplates, rewritePrompt } from '../src/policy/prompts.js';
import { describeMachine, writeBenchmarkSection } from '../src/report/benchmarksDoc.js';
import { groupedBars } from '../src/report/charts.js';
import { writePlot } from '../src/report/render.js';
import { log } from '../src/util/log.js';
import { median } from '../src/util/stats.js';

const { values: args } = parseArgs({
  options: {
    repeats: { type: 'string', default: '3' },
    tokens: { type: 'string', default: '192' },
    out: { type: 'string', default: 'docs/benchmarks.md' },
  },
});
const REPEATS = Number(args.repeats);
const MAX_TOKENS = Number(args.tokens);
const REPO = resolve(import.meta.dirname, '..');
const config = loadConfig();
const model = await resolveModel(config.policy.model ?? undefined, config.models, resolveCacheDir(config.cacheDir));
const templates = loadPromptTemplates(config.policy);

/** A realistic repair prompt (a DebugBench-sized program) and a prompt that makes long answers. */
const BUGGY = [
  'class Solution:',
  '    def longestPalindrome(self, s: str) -> str:',
  '        best = ""',
  '        for center in range(len(s)):',
  '            for left, right in ((center, center), (center, center + 1)):',
  '                while left >= 0 and right < len(s) and s[left] == s[right]:',
  '                    left -= 1',
  '                    right += 1',
  '                if right - left - 1 > len(best):',
  '                    best = s[left:right]',
  '        return best',
].join('\n');
const REPAIR = rewritePrompt(templates, {
  language: 'python3',
  description: 'Given a string s, return the longest palindromic substring in s.',
  constraints: '1 <= s.length <= 1000\ns consist of only digits and English letters.',
  code: BUGGY,
});
const LONG = 'Write a long, well-commented Python module that implements a binary heap, a trie, a union-find and a segment tree, each as a class with docstrings and examples.';

const rss = () => process.memoryUsage().rss / 2 ** 20;
const rssBefore = rss();
const policy = await Policy.load(model.file, { ...config.policy, sequences: 4 });
const rssLoaded = rss();
await policy.generate('hi', 'python3', templates.system, { k: 1, maxTokens: 4 }); // warm-up

// Prompt processing: one token of answer to a long prompt is all prompt evaluation.
const promptTokens = policy.tokenize(REPAIR).length;
const promptSpeeds: number[] = [];
for (let i = 0; i < REPEATS; i++) {
  const started = performance.now();
  await policy.generate(REPAIR, 'python3', templates.system, { k: 1, maxTokens: 1, seed: 100 + i });
  promptSpeeds.push(promptTokens / ((performance.now() - started) / 1000));
}
log.info('prompt processing', { tokens: promptTokens, perSecond: median(promptSpeeds) });

// Generation: K sequences at once; aggregate = all tokens generated / wall time of the call.
let peakRss = rssLoaded;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rss())), 100);
const rows: { k: number; aggregate: number; perSequence: number; tokens: number }[] = [];
for (const k of [1, 2, 4]) {
  const speeds: number[] = [];
  let tokens = 0;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    const candidates = await policy.generate(LONG, 'python3', templates.system, { k, maxTokens: MAX_TOKENS, temperature: 0.8, seed: 7 + 10 * i });
    const seconds = (performance.now() - started) / 1000;
    const generated = candidates.reduce((n, c) => n + c.tokens, 0);
    tokens += generated;
    speeds.push(generated / seconds);
  }
  const aggregate = median(speeds);
  rows.push({ k, aggregate, perSequence: aggregate / k, tokens: Math.round(tokens / REPEATS) });
  log.info('generation', { k, aggregatePerSecond: aggregate });
}
clearInterval(sampler);
await policy.dispose();

// llama.cpp's own timings for the same model, through the package's CLI.
const cli = spawnSync(
  'npx',
  ['node-llama-cpp', 'complete', model.file, '--text', 'def fibonacci(n):', '--maxTokens', String(MAX_TOKENS), '--threads', String(config.policy.threads), '--gpu', 'false', '--printTimings'],
  { cwd: REPO, encoding: 'utf8', input: '' },
);
const timings = `${cli.stdout}${cli.stderr}`;
const rate = (label: string) => {
  const line = timings.split('\n').find((l) => l.replace(/^llama_perf_context_print:\s*/, '').startsWith(label));
  return Number(/([\d.]+) tokens per second/.exec(line ?? '')?.[1] ?? NaN);
};
const evalRate = rate('eval time');
const promptRate = rate('prompt eval time');

const single = rows[0]!.aggregate;
const four = rows.find((r) => r.k === 4)!.aggregate;
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const lines = [
  '## Policy: the default model on the CPU',
  '',
  `Command: \`npm run bench:policy\` (${REPEATS} runs per row, median; up to ${MAX_TOKENS} generated tokens per sequence;`,
  `threads ${config.policy.threads}, batch size ${config.policy.batchSize}, flash attention ${config.policy.flashAttention ? 'on' : 'off'}, context ${config.policy.contextSize} per sequence).`,
  `Model: ${policy.name} (from ${model.from}). Machine: ${describeMachine()}. Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  `- Prompt processing: **${fmt(median(promptSpeeds))} tokens/s** (a ${promptTokens}-token repair prompt, one sequence).`,
  `- Memory: RSS ${fmt(rssBefore)} MiB before loading, ${fmt(rssLoaded)} MiB with the model and a 4-sequence context, ${fmt(peakRss)} MiB peak while generating.`,
  '',
  '| sequences (K) | aggregate tokens/s | per sequence tokens/s | ÷ one sequence | tokens per call |',
  '| --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.k} | ${fmt(r.aggregate)} | ${fmt(r.perSequence)} | ${(r.aggregate / single).toFixed(2)}× | ${r.tokens} |`),
  '',
  `Target: K=4 aggregate ≥ 2.5× one sequence — ${(four / single).toFixed(2)}×, ${four / single >= 2.5 ? 'met' : 'NOT met'}.` +
    (four / single >= 2.5
      ? ''
      : ' On these 2 cores decoding is compute-bound: batching four sequences shares the weight reads but not the arithmetic, ' +
        'so the aggregate grows far less than on a machine with memory bandwidth to spare (flash attention, on by default, gave ~7%; threads are the 2 cores).'),
  '',
  `llama.cpp's own timings for the same model and threads (\`npx node-llama-cpp complete … --printTimings\`, raw completion, no chat`,
  `template, one sequence): prompt ${fmt(promptRate)} tokens/s, generation **${fmt(evalRate)} tokens/s**, against ${fmt(single)} tokens/s for one`,
  'sequence through the policy (chat template, sampling and code extraction in the loop).',
  '',
  '![tokens per second by K](bench/policy.svg)',
];
await writePlot(
  resolve(REPO, 'docs/bench'),
  'policy',
  groupedBars({
    title: 'Policy generation throughput (tokens/s)',
    unit: 'tok/s',
    series: ['aggregate', 'per sequence'],
    groups: rows.map((r) => ({ label: `K = ${r.k}`, values: { aggregate: r.aggregate, 'per sequence': r.perSequence } })),
  }),
);
await writeBenchmarkSection(resolve(REPO, args.out!), 'policy', lines.join('\n'));
process.stdout.write(`${lines.join('\n')}\n`);
