import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaChatSession, LlamaLogLevel, QwenChatWrapper, type Llama } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelsConfig } from '../../src/config/schema.js';
import { inspectModel } from '../../src/models/inspect.js';
import { checkExpected, ModelError, resolveModel, sha256File } from '../../src/models/pull.js';
import { TINY_DEFAULTS, writeTinyModel } from '../../src/models/tinyModel.js';
import { useLogCapture } from '../helpers/logs.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tiny qwen2 models', () => {
  let llama: Llama;
  beforeAll(async () => {
    llama = await getLlama({ build: 'never', gpu: false, progressLogs: false, logLevel: LlamaLogLevel.error });
  });
  afterAll(() => llama?.dispose());

  it('are the same file for the same seed, and another for another seed', async () => {
    writeTinyModel(join(dir, 'a.gguf'), TINY_DEFAULTS);
    writeTinyModel(join(dir, 'b.gguf'), TINY_DEFAULTS);
    writeTinyModel(join(dir, 'c.gguf'), { ...TINY_DEFAULTS, seed: 2 });
    expect(await sha256File(join(dir, 'a.gguf'))).toBe(await sha256File(join(dir, 'b.gguf')));
    expect(await sha256File(join(dir, 'a.gguf'))).not.toBe(await sha256File(join(dir, 'c.gguf')));
  });

  it('describe themselves and load in node-llama-cpp, tokenizing with merges and generating', async () => {
    const file = join(dir, 'tied.gguf');
    writeTinyModel(file, { ...TINY_DEFAULTS, layers: 1, tiedOutput: true });
    const summary = inspectModel(file);
    expect(summary).toMatchObject({ architecture: 'qwen2', layers: 1, hidden: 64, heads: 4, kvHeads: 2, quantization: 'F32', vocabulary: 287 });
    expect(summary.tensorTypes.F32!.tensors).toBe(14);
    const model = await llama.loadModel({ modelPath: file });
    try {
      const tokens = model.tokenize('return x');
      expect(tokens.length).toBeLessThan('return x'.length); // "return" is one merged token
      expect(model.detokenize(tokens)).toBe('return x');
      expect(model.tokenize('<|im_end|>', true)).toEqual([286]);
      const context = await model.createContext({ contextSize: 1024, threads: 1 });
      const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: new QwenChatWrapper() });
      const text = await session.prompt('hi', { maxTokens: 12, temperature: 0.7, seed: 1 });
      expect(text.length).toBeGreaterThan(0);
    } finally {
      await model.dispose();
    }
  });
});

describe('model resolution', () => {
  const logs = useLogCapture();
  const file = join(dir, 'tiny.gguf');
  let hash: string;
  let models: ModelsConfig;
  beforeAll(async () => {
    writeTinyModel(file, TINY_DEFAULTS);
    hash = await sha256File(file);
    models = {
      default: 'tiny',
      catalog: {
        tiny: { file: 'tiny.gguf', description: 'a tiny model', sha256: hash, expect: { architecture: 'qwen2', nameIncludes: 'codeq tiny', quantization: 'F32' }, huggingFace: null, pypi: null },
      },
    };
  });

  it('takes an explicit path, and names a missing or corrupt one', async () => {
    expect(await resolveModel(file, models, dir)).toEqual({ file, from: 'path' });
    await expect(resolveModel(join(dir, 'nope.gguf'), models, dir)).rejects.toThrow(/nope.gguf does not exist/);
  });

  it('serves a catalog model from the cache when its hash is the pinned one', async () => {
    const cache = join(dir, 'cache');
    mkdirSync(join(cache, 'models'), { recursive: true });
    copyFileSync(file, join(cache, 'models', 'tiny.gguf'));
    expect(await resolveModel(undefined, models, cache)).toMatchObject({ from: 'cache', sha256: hash });
    expect(readFileSync(join(cache, 'models', 'tiny.gguf.sha256'), 'utf8')).toContain(hash);
  });

  it('does not trust a cached file with another hash, nor unknown names', async () => {
    const cache = join(dir, 'cache2');
    mkdirSync(join(cache, 'models'), { recursive: true });
    writeTinyModel(join(cache, 'models', 'tiny.gguf'), { ...TINY_DEFAULTS, seed: 9 });
    await expect(resolveModel('tiny', models, cache)).rejects.toThrow(ModelError);
    const [warning] = logs.expectLogged('warn', 'the cached model does not match its pinned hash; fetching it again');
    expect(warning).toMatchObject({ file: join(cache, 'models', 'tiny.gguf') });
    expect(warning!.sha256).not.toBe(hash);
    await expect(resolveModel('gpt-5', models, cache)).rejects.toThrow(/unknown model "gpt-5"/);
  });

  it('checks the metadata a catalog entry promises', () => {
    const summary = inspectModel(file);
    expect(() => checkExpected(summary, models.catalog.tiny!)).not.toThrow();
    expect(() => checkExpected(summary, { ...models.catalog.tiny!, expect: { architecture: 'llama', nameIncludes: 'Qwen', quantization: 'Q4_K_M' } })).toThrow(
      /architecture qwen2, expected llama; name "codeq tiny qwen2 \(seed 1\)", expected one with "Qwen"; quantization F32, expected Q4_K_M/,
    );
  });
});
