import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, loadTrainConfig } from '../../src/config/load.js';
import type { TrainConfig } from '../../src/config/schema.js';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';
import { Policy } from '../../src/policy/policy.js';
import { ChatTokenizer } from '../../src/training/chatTokens.js';
import { NativeModel } from '../../src/training/nativeModel.js';
import { NativeTrainer } from '../../src/training/nativeTrainer.js';
import { PairsFileError } from '../../src/training/pairsFile.js';
import { nativeConfig, train, TrainRunError } from '../../src/training/trainRun.js';

/** codeq train's engine on a tiny model: learning, metrics, checkpoints, resume, export, cancel. */
const dir = mkdtempSync(join(tmpdir(), 'codeq-train-'));
const model = join(dir, 'tiny.gguf');
writeTinyModel(model, TINY_DEFAULTS);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const system = { role: 'system' as const, content: 'You fix bugs.' };
const pairs = ['add', 'sub', 'mul', 'div'].map((name) => ({
  prompt: [system, { role: 'user' as const, content: `fix ${name}` }],
  chosen: [{ role: 'assistant' as const, content: `def ${name}(a, b): return a` }],
  rejected: [{ role: 'assistant' as const, content: `oops ${name} !!` }],
  meta: { task: name },
}));
const pairsFile = join(dir, 'pairs.jsonl');
writeFileSync(pairsFile, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');

const config: TrainConfig = {
  ...loadTrainConfig(),
  lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ['q', 'v', 'up', 'down'] },
  beta: 0.5,
  rpo_alpha: 0.2,
  learning_rate: 1e-2,
  warmup_steps: 2,
  max_steps: 12,
  save_steps: 4,
  per_device_train_batch_size: 2,
  gradient_accumulation_steps: 1,
  max_length: 256,
};

describe('codeq train (the native trainer through koffi)', () => {
  let straight: Awaited<ReturnType<typeof train>>;
  const straightOut = join(dir, 'straight');

  beforeAll(async () => {
    straight = await train({ pairs: pairsFile, base: model, config, out: straightOut, merge: true });
  }, 120_000);

  it('learns the preference and writes TRL-named metrics for every step', () => {
    const metrics = readFileSync(join(straightOut, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const key of ['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'grad_norm', 'learning_rate', 'tokens/s']) {
      expect(metrics[0]).toHaveProperty([key]);
    }
    expect(metrics[0].learning_rate).toBe(0);
    expect(metrics.at(-1)['rewards/accuracies']).toBe(1);
    expect(metrics.at(-1)['rewards/margins']).toBeGreaterThan(metrics[0]['rewards/margins']);
    expect(metrics.at(-1).loss).toBeLessThan(metrics[0].loss);
    expect(straight).toMatchObject({ pairs: 4, truncated: 0, steps: 12, stopped: false });
    const refs = readFileSync(join(straightOut, 'ref_logps.jsonl'), 'utf8').trim().split('\n');
    expect(refs).toHaveLength(4);
  });

  it('exports an adapter that node-llama-cpp loads and scores like the native model, preferring the chosen answers', async () => {
    const adapter = straight.adapter!;
    const policy = await Policy.load(model, { ...loadConfig().policy, gpu: 'cpu', threads: 2, contextSize: 512, sequences: 1, batchSize: 256 });
    const native = await NativeModel.load(model);
    const tokenizer = await ChatTokenizer.load(model);
    try {
      const prompt = Array.from(tokenizer.prompt(pairs[0]!.prompt));
      const chosen = Array.from(tokenizer.answer(pairs[0]!.chosen));
      const sum = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0);
      const before = sum(await policy.logProbs(prompt as never, chosen as never));
      await policy.useAdapter({ name: 'trained', file: adapter, scale: 1 });
      await native.useAdapter(adapter, 1);
      const llama = await policy.logProbs(prompt as never, chosen as never);
      const ours = await native.logProbs([...prompt, ...chosen], prompt.length);
      llama.forEach((v, i) => expect(Math.abs(v - ours[i]!)).toBeLessThan(5e-3));
      expect(sum(llama)).toBeGreaterThan(before); // the chosen answer became more likely
      // The merged F16 model (tokenizer and all metadata copied) loads without any adapter and agrees.
      await policy.dispose();
      const merged = await Policy.load(straight.merged!, { ...loadConfig().policy, gpu: 'cpu', threads: 2, contextSize: 512, sequences: 1, batchSize: 256 });
      try {
        const fromMerged = await merged.logProbs(prompt as never, chosen as never);
        fromMerged.forEach((v, i) => expect(Math.abs(v - ours[i]!)).toBeLessThan(2e-2));
      } finally {
        await merged.dispose();
      }
    } finally {
      await tokenizer.dispose();
      native.dispose();
      await policy.dispose();
    }
  }, 120_000);

  it('resumes after an interruption to the same metrics and the same adapter, byte for byte', async () => {
    const out = join(dir, 'resumed');
    const controller = new AbortController();
    const first = await train({ pairs: pairsFile, base: model, config, out, signal: controller.signal, onStep: (m) => m.step === 6 && controller.abort() });
    expect(first).toMatchObject({ stopped: true, steps: 6, adapter: null });
    await expect(train({ pairs: pairsFile, base: model, config, out })).rejects.toThrow(TrainRunError);
    await expect(train({ pairs: pairsFile, base: model, config: { ...config, beta: 0.4 }, out, resume: true })).rejects.toThrow(/other pairs, base model or config/);
    const second = await train({ pairs: pairsFile, base: model, config, out, resume: true });
    expect(second).toMatchObject({ resumedFrom: 6, steps: 12, stopped: false });
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').map((l) => l && JSON.parse(l).loss)).toEqual(
      readFileSync(join(straightOut, 'metrics.jsonl'), 'utf8').split('\n').map((l) => l && JSON.parse(l).loss),
    );
    expect(readFileSync(join(out, 'adapter.gguf')).equals(readFileSync(straight.adapter!))).toBe(true);
  }, 120_000);

  it('cancels a step in flight with nothing changed, and reports progress between pairs', async () => {
    const native = await NativeModel.load(model);
    const tokenizer = await ChatTokenizer.load(model);
    const trainer = new NativeTrainer(native, nativeConfig({ ...config, per_device_train_batch_size: 4 }));
    try {
      await trainer.setPairs(pairs.map((p) => ({ prompt: tokenizer.prompt(p.prompt), chosen: tokenizer.answer(p.chosen), rejected: tokenizer.answer(p.rejected), refChosen: NaN, refRejected: NaN })));
      const seen: number[] = [];
      const cancelled = await trainer.step((done) => {
        seen.push(done);
        if (done === 2) trainer.cancel();
      });
      expect(cancelled).toBeNull();
      expect(seen).toEqual([0, 1, 2]);
      expect(await trainer.step()).toBeNull(); // still cancelled: a Ctrl-C is not lost
      trainer.resetCancel();
      const step = await trainer.step();
      expect(step!.step).toBe(1); // the cancelled step left no trace
      expect(() => native.dispose()).toThrow(/trainer/);
    } finally {
      trainer.dispose();
      native.dispose();
      await tokenizer.dispose();
    }
  }, 120_000);

  it('names bad pairs files and lines', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(pairs[0])}\n{"prompt": [], "chosen": []}\n`);
    await expect(train({ pairs: bad, base: model, config, out: join(dir, 'bad') })).rejects.toThrow(PairsFileError);
    await expect(train({ pairs: bad, base: model, config, out: join(dir, 'bad2') })).rejects.toThrow(/bad\.jsonl:2: prompt: /);
  });

  it('refuses a base that is missing or not a GGUF before writing anything (the activity path: no CLI checks before it)', async () => {
    const notModel = join(dir, 'not-a-model.gguf');
    writeFileSync(notModel, 'this is text, long enough to have a header\n');
    for (const [base, message] of [[join(dir, 'absent.gguf'), /absent\.gguf: no such file/], [notModel, /not-a-model\.gguf is not a GGUF file/]] as const) {
      const out = join(dir, `no-base-${basename(base)}`);
      await expect(train({ pairs: pairsFile, base, config, out })).rejects.toThrow(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('refuses pairs from test-split tasks before writing anything, unless --allow-test-split, and then says so', async () => {
    const mixed = join(dir, 'mixed.jsonl');
    const split = (p: (typeof pairs)[number], s: string) => ({ ...p, meta: { ...p.meta, split: s } });
    writeFileSync(mixed, [split(pairs[0]!, 'train'), split(pairs[1]!, 'test'), pairs[2]!, split(pairs[3]!, 'test')].map((p) => JSON.stringify(p)).join('\n') + '\n');
    const refusedOut = join(dir, 'refused');
    await expect(train({ pairs: mixed, base: model, config, out: refusedOut })).rejects.toThrow(/mixed\.jsonl: 2 of 4 pairs are from test-split tasks .*--allow-test-split/);
    expect(existsSync(refusedOut)).toBe(false);
    const out = join(dir, 'allowed');
    const summary = await train({ pairs: mixed, base: model, config: { ...config, max_steps: 1 }, out, allowTestSplit: true });
    expect(summary.split).toEqual({ train: 1, test: 2, unknown: 1, allowTestSplit: true });
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).split).toEqual(summary.split);
  }, 120_000);
});
