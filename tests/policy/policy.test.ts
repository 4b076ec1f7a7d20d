import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { readGgufHeader } from '../../src/models/gguf/reader.js';
import { writeLoraAdapter } from '../../src/models/loraAdapter.js';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';
import { Policy, PolicyError, type Adapter } from '../../src/policy/policy.js';
import { Random, normal } from '../../src/util/random.js';

/** The policy on tiny generated models: generation, K sequences, adapters, log-probs, bad files. */
const dir = mkdtempSync(join(tmpdir(), 'codeq-policy-'));
const model = join(dir, 'tiny.gguf');
const config = { ...loadConfig().policy, gpu: 'cpu' as const, threads: 1, contextSize: 1024, sequences: 3, batchSize: 256 };
writeTinyModel(model, TINY_DEFAULTS);

/** An adapter on every attention query weight; `zeroB` makes it a no-op. */
function adapter(name: string, zeroB: boolean): Adapter {
  const rank = 4;
  const rng = new Random(name);
  const header = readGgufHeader(model);
  const pairs = header.tensors
    .filter((t) => /attn_q\.weight|ffn_up\.weight/.test(t.name))
    .map((t) => ({
      target: t.name,
      a: Float32Array.from({ length: rank * t.dims[0]! }, () => normal(rng, 0.5)),
      b: Float32Array.from({ length: (t.dims[1] ?? 1) * rank }, () => (zeroB ? 0 : normal(rng, 0.5))),
    }));
  const file = join(dir, `${name}.gguf`);
  writeLoraAdapter(file, model, rank, 8, pairs);
  return { name, file, scale: 1 };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Policy on a tiny model', () => {
  let policy: Policy;
  beforeAll(async () => {
    policy = await Policy.load(model, config);
  });
  afterAll(() => policy?.dispose());

  it('generates K candidates at once, one seed each, and records a missing code block as a failure', async () => {
    const candidates = await policy.generate('write code', 'python3', 'be brief', { k: 3, maxTokens: 16, temperature: 1, seed: 10 });
    expect(candidates.map((c) => c.seed)).toEqual([10, 11, 12]);
    for (const c of candidates) {
      expect(c.tokens).toBeGreaterThan(0);
      expect(c.tokens).toBeLessThanOrEqual(16);
      expect(c.adapter).toBeNull();
      if (c.code === null) expect(c.failure).toMatch(/no code block|no block in the language/);
    }
    expect(new Set(candidates.map((c) => c.text)).size).toBeGreaterThan(1);
  });

  it("opens every answer with the task language's code fence (openFence), not counted as generated", async () => {
    for (const [language, fence] of [['python3', '```python\n'], ['cpp', '```cpp\n'], ['java', '```java\n']] as const) {
      const [c] = await policy.generate('write code', language, 'be brief', { k: 1, maxTokens: 4, temperature: 1, seed: 3 });
      expect(c!.text.startsWith(fence), c!.text).toBe(true);
      expect(c!.tokens).toBeLessThanOrEqual(4);
    }
  });

  it('is reproducible for a seed', async () => {
    const [a] = await policy.generate('same prompt', 'python3', 'be brief', { k: 1, maxTokens: 12, temperature: 1, seed: 5 });
    const [b] = await policy.generate('same prompt', 'python3', 'be brief', { k: 1, maxTokens: 12, temperature: 1, seed: 5 });
    expect(a!.text).toBe(b!.text);
  });

  it("critic prior: the expected digit under the next-token distribution after the answer's prefix, from one pass, nothing generated", async () => {
    const prompts = ['rate A', 'rate B', 'rate C'];
    const priors = await policy.criticPrior(prompts, 'be brief');
    expect(priors).toHaveLength(3);
    const digits = [...'0123456789'].map((d) => policy.tokenize(d));
    for (const [i, { score, promptTokens }] of priors.entries()) {
      // Recomputed independently: the chat as Qwen's template writes it, then log-probs of each digit.
      const chat = `<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\n${prompts[i]}<|im_end|>\n<|im_start|>assistant\n${config.critic.responsePrefix}`;
      const prefix = policy.tokenize(chat, true);
      expect(promptTokens).toBe(prefix.length);
      const p = await Promise.all(digits.map(async (d) => Math.exp((await policy.logProbs(prefix, d))[0]!)));
      const mass = p.reduce((s, x) => s + x, 0);
      expect(mass).toBeGreaterThan(0);
      expect(score).toBeCloseTo(p.reduce((s, x, d) => s + x * d, 0) / mass / 9, 6);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    // Deterministic (no sampling; batched evaluation differs in the last float bits) and it depends on the prompt.
    const again = await policy.criticPrior(prompts, 'be brief');
    again.forEach((x, i) => expect(x.score).toBeCloseTo(priors[i]!.score, 6));
    expect(new Set(priors.map((x) => x.score.toFixed(5))).size).toBeGreaterThan(1);
  });

  it('gives the same log-probabilities with a zero-B adapter as without, other ones with a real adapter, without reloading the model', async () => {
    const prefix = policy.tokenize('def solve(x):');
    const completion = policy.tokenize(' return x + 1');
    const base = await policy.logProbs(prefix, completion);
    expect(base.every((p) => p < 0 && Number.isFinite(p))).toBe(true);
    const modelBefore = policy.model;

    await policy.useAdapter(adapter('zero', true));
    expect(policy.adapter).toBe('zero');
    const zero = await policy.logProbs(prefix, completion);
    zero.forEach((p, i) => expect(p).toBeCloseTo(base[i]!, 5));

    await policy.useAdapter(adapter('trained', false));
    const trained = await policy.logProbs(prefix, completion);
    expect(trained.some((p, i) => Math.abs(p - base[i]!) > 1e-3)).toBe(true);
    const [candidate] = await policy.generate('hi', 'python3', 'be brief', { k: 1, maxTokens: 4 });
    expect(candidate!.adapter).toBe('trained');

    await policy.useAdapter(null);
    const again = await policy.logProbs(prefix, completion);
    again.forEach((p, i) => expect(p).toBeCloseTo(base[i]!, 5));
    expect(policy.model).toBe(modelBefore);
  });

  it('names a bad adapter file', async () => {
    const bogus = join(dir, 'bogus.gguf');
    writeFileSync(bogus, 'this is not a gguf file, only some text');
    await expect(policy.useAdapter({ name: 'bogus', file: bogus, scale: 1 })).rejects.toThrow(/adapter bogus: .*bogus.gguf is not a GGUF file/);
    await expect(policy.useAdapter({ name: 'model', file: model, scale: 1 })).rejects.toThrow(/is not a LoRA adapter/);
  });

  it('stops a generation through its AbortSignal', async () => {
    const controller = new AbortController();
    const pending = policy.generate('long', 'python3', 'be brief', { k: 1, maxTokens: 900, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 5);
    await expect(pending).rejects.toThrow('enough');
  });

  it('allows one model per process', async () => {
    await expect(Policy.load(model, config)).rejects.toThrow(/one model per process/);
  });
});

describe('Policy lifecycle and bad models', () => {
  it('names a missing or corrupt model file and disposes idempotently', async () => {
    await expect(Policy.load(join(dir, 'absent.gguf'), config)).rejects.toThrow(/absent.gguf does not exist/);
    const corrupt = join(dir, 'corrupt.gguf');
    writeFileSync(corrupt, Buffer.from('GGUF\x03\x00\x00\x00garbage'));
    await expect(Policy.load(corrupt, config)).rejects.toThrow(/corrupt.gguf/);
    const policy = await Policy.load(model, config);
    await policy.dispose();
    await policy.dispose();
    await expect(policy.generate('x', 'python3', 'y')).rejects.toThrow(PolicyError);
  });
});
