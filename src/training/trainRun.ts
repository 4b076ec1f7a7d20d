import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { appendLineDurable, writeFileAtomic } from '../artifacts/atomicWrite.js';
import type { TrainConfig } from '../config/schema.js';
import { GgufError } from '../models/gguf/types.js';
import { inspectModel } from '../models/inspect.js';
import { log } from '../util/log.js';
import { ChatTokenizer } from './chatTokens.js';
import type { NativeTrainConfig, StepMetrics, TokenizedPair } from './nativeLibrary.js';
import { NativeModel } from './nativeModel.js';
import { NativeTrainer } from './nativeTrainer.js';
import { pairSplits, readPairsFile, type PairSplits } from './pairsFile.js';

export class TrainRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainRunError';
  }
}

export interface TrainOptions {
  pairs: string;
  base: string;
  config: TrainConfig;
  out: string;
  resume?: boolean;
  /** Also write OUT/merged-f16.gguf: the base with the adapter merged in. */
  merge?: boolean;
  /** Train on pairs from test-split tasks too (refused otherwise); the summary says so. */
  allowTestSplit?: boolean;
  signal?: AbortSignal;
  /** Called once the run knows where it starts (0, or the checkpoint's step). */
  onStart?: (step: number) => void;
  onStep?: (metrics: StepMetrics) => void;
}

export interface TrainSummary {
  pairs: number;
  /** Pairs by their tasks' split, and whether test-split ones were allowed (--allow-test-split). */
  split: PairSplits & { allowTestSplit: boolean };
  truncated: number;
  resumedFrom: number | null;
  steps: number;
  stopped: boolean;
  final: StepMetrics | null;
  adapter: string | null;
  merged: string | null;
  seconds: number;
}

export function nativeConfig(c: TrainConfig): NativeTrainConfig {
  return {
    rank: c.lora.r,
    alpha: c.lora.lora_alpha,
    dropout: c.lora.lora_dropout,
    targets: c.lora.target_modules,
    lossType: c.loss_type,
    beta: c.beta,
    labelSmoothing: c.label_smoothing,
    rpoAlpha: c.rpo_alpha,
    learningRate: c.learning_rate,
    weightDecay: c.weight_decay,
    adamBeta1: c.adam_beta1,
    adamBeta2: c.adam_beta2,
    adamEpsilon: c.adam_epsilon,
    maxGradNorm: c.max_grad_norm,
    warmupSteps: c.warmup_steps,
    maxSteps: c.max_steps,
    schedule: c.lr_scheduler_type,
    batchSize: c.per_device_train_batch_size,
    gradientAccumulationSteps: c.gradient_accumulation_steps,
    maxLength: c.max_length,
    seed: c.seed,
  };
}

const checkpointName = (step: number) => `step-${String(step).padStart(6, '0')}.ckpt`;

function latestCheckpoint(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const names = readdirSync(dir).filter((n) => /^step-\d{6}\.ckpt$/.test(n)).sort();
  return names.length ? join(dir, names[names.length - 1]!) : null;
}

/** The metrics lines of steps up to `step`, as file text. */
function metricsUpTo(file: string, step: number): string {
  if (!existsSync(file)) return '';
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => {
      try {
        return line !== '' && (JSON.parse(line) as StepMetrics).step <= step;
      } catch {
        return false;
      }
    });
  return kept.map((line) => `${line}\n`).join('');
}

/** The tensor types the native trainer reads. */
export const TRAINABLE_TYPES = new Set(['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q5_0', 'Q4_K', 'Q6_K']);

/**
 * The base is a qwen2 GGUF model (not an adapter) whose tensors the trainer reads: checked before
 * anything is written, by codeq train and by the round's training activity alike.
 */
export function checkTrainableBase(file: string): void {
  const hint = "codeq model pull prints the default model's path";
  if (!existsSync(file)) throw new TrainRunError(`--base ${file}: no such file. HINT: ${hint}`);
  if (!statSync(file).isFile()) throw new TrainRunError(`--base ${file}: not a regular file. HINT: ${hint}`);
  let model;
  try {
    model = inspectModel(file);
  } catch (error) {
    if (!(error instanceof GgufError)) throw error;
    throw new TrainRunError(`--base: ${error.message}. HINT: give a qwen2 GGUF model; ${hint}`);
  }
  if (model.type === 'adapter') throw new TrainRunError(`--base ${file} is a LoRA adapter, not a base model. HINT: give the model the adapter was trained on (${hint})`);
  if (model.architecture !== 'qwen2') throw new TrainRunError(`--base ${file} is a ${model.architecture} model; the trainer reads qwen2 models. HINT: ${hint}`);
  const unreadable = Object.keys(model.tensorTypes).filter((t) => !TRAINABLE_TYPES.has(t));
  if (unreadable.length) throw new TrainRunError(`--base ${file} has ${unreadable.join(', ')} tensors; the trainer reads ${[...TRAINABLE_TYPES].join(', ')}. HINT: convert it (llama.cpp's llama-quantize) or use the default model`);
}

/** Which base model a run uses: its size and a hash of its first 4 MiB (header and first tensors). */
function baseIdentity(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(Math.min(4 << 20, statSync(file).size));
    readSync(fd, head, 0, head.length, 0);
    return `${statSync(file).size}:${createHash('sha256').update(head).digest('hex').slice(0, 16)}`;
  } finally {
    closeSync(fd);
  }
}

/**
 * The key of a pair's stored reference log-probs: everything they depend on — the base model, the
 * token ids, max_length (truncation) and whether the loss averages over tokens (IPO).
 */
function refKey(base: string, config: TrainConfig, pair: TokenizedPair): string {
  const hash = createHash('sha256').update(`${base}\0${config.max_length}\0${config.loss_type === 'ipo'}\0`);
  for (const part of [pair.prompt, pair.chosen, pair.rejected]) hash.update(Buffer.from(part.buffer, part.byteOffset, part.byteLength)).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/** Reference log-probs stored beside the run: computed once, reused by reruns. */
function readRefs(file: string): Map<string, [number, number]> {
  const refs = new Map<string, [number, number]>();
  if (!existsSync(file)) return refs;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const { key, chosen, rejected } = JSON.parse(line) as { key: string; chosen: number; rejected: number };
    refs.set(key, [chosen, rejected]);
  }
  return refs;
}

/**
 * DPO on the pairs: tokenize (ChatML), reference log-probs (stored in OUT/ref_logps.jsonl),
 * steps with metrics to OUT/metrics.jsonl, checkpoints every save_steps into OUT/checkpoints/,
 * the adapter as OUT/adapter.gguf. --resume continues from the newest checkpoint exactly.
 */
export async function train(options: TrainOptions): Promise<TrainSummary> {
  const { config, out } = options;
  const started = performance.now();
  if (!existsSync(options.pairs)) throw new TrainRunError(`--pairs ${options.pairs}: no such file. HINT: codeq pairs --out ${options.pairs} makes one`);
  // Read (and refused, if of the test split) before anything is written.
  const pairs = readPairsFile(options.pairs, { allowTestSplit: options.allowTestSplit ?? false });
  const split = { ...pairSplits(pairs), allowTestSplit: options.allowTestSplit ?? false };
  checkTrainableBase(options.base);
  const manifestFile = join(out, 'train.json');
  const base = baseIdentity(options.base);
  const pairsHash = createHash('sha256').update(readFileSync(options.pairs)).digest('hex').slice(0, 16);
  const manifest = JSON.stringify({ pairs: resolve(options.pairs), pairsHash, base: resolve(options.base), baseIdentity: base, config }, null, 2);
  const checkpoint = latestCheckpoint(join(out, 'checkpoints'));
  if (checkpoint && !options.resume) throw new TrainRunError(`${out} holds a training run (${basename(checkpoint)}). HINT: --resume continues it; another --out starts anew`);
  if (options.resume && existsSync(manifestFile) && readFileSync(manifestFile, 'utf8') !== manifest) {
    throw new TrainRunError(`${out} was trained with other pairs, base model or config (see its train.json). HINT: resume with the same ones, or use another --out`);
  }

  const tokenizer = await ChatTokenizer.load(options.base);
  const refsFile = join(out, 'ref_logps.jsonl');
  const refs = readRefs(refsFile);
  let tokenized: TokenizedPair[];
  try {
    tokenized = pairs.map((p) => {
      const pair = { prompt: tokenizer.prompt(p.prompt), chosen: tokenizer.answer(p.chosen), rejected: tokenizer.answer(p.rejected), refChosen: Number.NaN, refRejected: Number.NaN };
      const ref = refs.get(refKey(base, config, pair));
      return { ...pair, refChosen: ref?.[0] ?? Number.NaN, refRejected: ref?.[1] ?? Number.NaN };
    });
  } finally {
    await tokenizer.dispose();
  }
  const keys = tokenized.map((p) => refKey(base, config, p));

  const model = await NativeModel.load(options.base);
  const trainer = new NativeTrainer(model, nativeConfig(config));
  const onAbort = () => trainer.cancel();
  options.signal?.addEventListener('abort', onAbort);
  if (options.signal?.aborted) trainer.cancel();
  try {
    // Written only once the inputs have loaded: a run that cannot start leaves nothing behind.
    mkdirSync(join(out, 'checkpoints'), { recursive: true });
    await writeFileAtomic(manifestFile, manifest);
    const missing = tokenized.filter((p) => Number.isNaN(p.refChosen)).length;
    if (missing > 0) log.info('reference log-probs (adapter off)', { pairs: missing, stored: refsFile });
    const truncated = await trainer.setPairs(tokenized);
    if (truncated > 0) log.warn('pairs cut to max_length from the prompt side', { truncated, maxLength: config.max_length });
    if (missing > 0) {
      const used = trainer.referenceLogps();
      for (const [i, key] of keys.entries()) refs.set(key, used[i]!);
      await writeFileAtomic(refsFile, [...refs].map(([key, [chosen, rejected]]) => `${JSON.stringify({ key, chosen, rejected })}\n`).join(''));
    }
    let step = 0;
    const metricsFile = join(out, 'metrics.jsonl');
    if (checkpoint) {
      step = await trainer.loadCheckpoint(checkpoint);
      log.info('resuming', { checkpoint, step });
    }
    // Metrics after the checkpoint are from steps about to be redone (a torn last line included).
    await writeFileAtomic(metricsFile, metricsUpTo(metricsFile, step));
    const resumedFrom = checkpoint ? step : null;
    options.onStart?.(step);
    let final: StepMetrics | null = null;
    let stopped = false;
    while (step < config.max_steps) {
      if (trainer.cancelled) {
        stopped = true;
        break;
      }
      const metrics = await trainer.step();
      if (!metrics) {
        stopped = true;
        break;
      }
      // A diverged run would only get worse, and retrying it reproduces it bit for bit: stop before saving it.
      if (!Number.isFinite(metrics.loss)) throw new TrainRunError(`the loss is ${metrics.loss} at step ${metrics.step}: training diverged. HINT: lower learning_rate or raise max_grad_norm clipping in the training config`);
      step = metrics.step;
      final = metrics;
      appendLineDurable(metricsFile, JSON.stringify(metrics));
      options.onStep?.(metrics);
      if (step % config.save_steps === 0 || step === config.max_steps) await trainer.saveCheckpoint(join(out, 'checkpoints', checkpointName(step)));
    }
    // Stopped between checkpoints: keep the steps done (a resume continues from here).
    if (stopped && step > (resumedFrom ?? 0) && step % config.save_steps !== 0) await trainer.saveCheckpoint(join(out, 'checkpoints', checkpointName(step)));
    let adapter: string | null = null;
    if (!stopped) {
      adapter = join(out, 'adapter.gguf');
      await trainer.exportAdapter(adapter, `codeq DPO r${config.lora.r}`);
    }
    let merged: string | null = null;
    if (!stopped && options.merge) {
      merged = join(out, 'merged-f16.gguf');
      await trainer.exportMerged(merged);
    }
    const summary: TrainSummary = { pairs: pairs.length, split, truncated, resumedFrom, steps: step, stopped, final, adapter, merged, seconds: Math.round((performance.now() - started) / 100) / 10 };
    await writeFileAtomic(join(out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    return summary;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    trainer.dispose();
    model.dispose();
  }
}
