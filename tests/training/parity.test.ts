import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { readGgufHeader } from '../../src/models/gguf/reader.js';
import { writeLoraAdapter } from '../../src/models/loraAdapter.js';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';
import { Policy } from '../../src/policy/policy.js';
import { NativeError } from '../../src/training/nativeLibrary.js';
import { NativeModel } from '../../src/training/nativeModel.js';
import { Random, normal } from '../../src/util/random.js';
import { cacheDir } from '../helpers/host.js';

/**
 * The trainer's forward pass against llama.cpp (through node-llama-cpp) on the same GGUF: the
 * log-probability of every token of a sequence, with and without a LoRA adapter.
 */
const dir = mkdtempSync(join(tmpdir(), 'codeq-parity-'));
const model = join(dir, 'tiny.gguf');
writeTinyModel(model, TINY_DEFAULTS);
const config = { ...loadConfig().policy, gpu: 'cpu' as const, threads: 2, contextSize: 512, sequences: 1, batchSize: 256 };

function adapter(name: string, zeroB: boolean, pattern: RegExp): string {
  const rank = 4;
  const rng = new Random(name);
  const pairs = readGgufHeader(model)
    .tensors.filter((t) => pattern.test(t.name))
    .map((t) => ({
      target: t.name,
      a: Float32Array.from({ length: rank * t.dims[0]! }, () => normal(rng, 0.3)),
      b: Float32Array.from({ length: (t.dims[1] ?? 1) * rank }, () => (zeroB ? 0 : normal(rng, 0.3))),
    }));
  const file = join(dir, `${name}.gguf`);
  writeLoraAdapter(file, model, rank, 8, pairs);
  return file;
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('native forward pass = llama.cpp on the same tiny GGUF', () => {
  let policy: Policy;
  let native: NativeModel;
  let tokens: number[];
  const first = 6;

  beforeAll(async () => {
    policy = await Policy.load(model, config);
    native = await NativeModel.load(model);
    tokens = policy.tokenize('def add(a, b):\n    return a + b  # sum of two numbers');
  });
  afterAll(async () => {
    native?.dispose();
    await policy?.dispose();
  });

  const compare = async () => {
    const expected = await policy.logProbs(tokens.slice(0, first) as never, tokens.slice(first) as never);
    const actual = Array.from(await native.logProbs(tokens, first));
    expect(actual).toHaveLength(expected.length);
    const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
    return { worst, actual, expected };
  };

  it('reads the model as llama.cpp does', () => {
    expect(native.info).toMatchObject({ layers: TINY_DEFAULTS.layers, vocab: 287, tied: TINY_DEFAULTS.tiedOutput, adapterRank: 0 });
    expect(tokens.length).toBeGreaterThan(first + 8);
  });

  it('gives the same log-probabilities for the base model', async () => {
    const { worst, actual } = await compare();
    expect(actual.every((v) => v < 0 && Number.isFinite(v))).toBe(true);
    expect(worst).toBeLessThan(2e-3);
  });

  it('gives the same log-probabilities with an adapter on every projection, and the base ones with a zero-B adapter', async () => {
    const all = /blk\.\d+\.(attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.weight/;
    const base = await compare();
    const file = adapter('all', false, all);
    await policy.useAdapter({ name: 'all', file, scale: 0.5 });
    await native.useAdapter(file, 0.5);
    expect(native.info).toMatchObject({ adapterRank: 4, adapterScale: 1 }); // 0.5 · alpha 8 / rank 4
    const adapted = await compare();
    expect(adapted.worst).toBeLessThan(2e-3);
    expect(Math.max(...adapted.actual.map((v, i) => Math.abs(v - base.actual[i]!)))).toBeGreaterThan(1e-2); // the adapter matters
    const zero = adapter('zero', true, all);
    await native.useAdapter(zero, 1);
    expect(Array.from(await native.logProbs(tokens, first))).toEqual(base.actual);
    await native.useAdapter(null);
    await policy.useAdapter(null);
  });

  it('rejects bad input with a clear error', async () => {
    await expect(native.logProbs(tokens, 0)).rejects.toThrow(/need 1 <= first/);
    await expect(native.logProbs([1, 2, 99999], 1)).rejects.toThrow(/token 99999 at 2 is outside the vocabulary of 287/);
    await expect(NativeModel.load(join(dir, 'missing.gguf'))).rejects.toThrow(NativeError);
    await expect(NativeModel.load(join(dir, 'missing.gguf'))).rejects.toThrow(/missing\.gguf: cannot open/);
    await expect(native.useAdapter(model, 1)).rejects.toThrow(/not a LoRA adapter/);
  });
});

describe('native forward pass = llama.cpp on the default model (Q4_K_M, dequantized)', () => {
  const file = join(cacheDir, 'models', loadConfig().models.catalog[loadConfig().models.default]!.file);

  it('agrees on a short code sequence within quantized-activation noise, base and with an adapter', async () => {
    const policy = await Policy.load(file, { ...config, contextSize: 256 });
    const native = await NativeModel.load(file);
    try {
      const tokens = policy.tokenize('def is_even(n):\n    return n % 2 == 0\n');
      const first = 4;
      // llama.cpp multiplies Q4_K/Q5_0/Q8_0 weights with 8-bit-quantized activations; we use the
      // dequantized weights in float, so each token may differ by 0.02 nats plus 5% of its log p.
      const agree = async () => {
        const expected = await policy.logProbs(tokens.slice(0, first) as never, tokens.slice(first) as never);
        const actual = Array.from(await native.logProbs(tokens, first));
        actual.forEach((v, i) => expect(Math.abs(v - expected[i]!), `token ${i}: ${v} vs ${expected[i]}`).toBeLessThanOrEqual(0.02 + 0.05 * Math.abs(expected[i]!)));
        return actual;
      };
      const base = await agree();
      // A random adapter on every layer's query and down projections, as codeq train exports them,
      // small enough to keep the model in its usual regime (a large one amplifies the
      // quantized-activation noise beyond the bound).
      const rank = 4;
      const rng = new Random('default-model-adapter');
      const pairs = readGgufHeader(file)
        .tensors.filter((t) => /blk\.\d+\.(attn_q|ffn_down)\.weight$/.test(t.name))
        .map((t) => ({
          target: t.name,
          a: Float32Array.from({ length: rank * t.dims[0]! }, () => normal(rng, 0.02)),
          b: Float32Array.from({ length: (t.dims[1] ?? 1) * rank }, () => normal(rng, 0.02)),
        }));
      const adapterFile = join(dir, 'default-adapter.gguf');
      writeLoraAdapter(adapterFile, file, rank, 8, pairs);
      await policy.useAdapter({ name: 'random', file: adapterFile, scale: 1 });
      await native.useAdapter(adapterFile, 1);
      const adapted = await agree();
      expect(Math.max(...adapted.map((v, i) => Math.abs(v - base[i]!)))).toBeGreaterThan(0.05); // the adapter matters
    } finally {
      native.dispose();
      await policy.dispose();
    }
  }, 300_000);
});
