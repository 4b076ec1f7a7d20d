/**
 * The one module that touches koffi: loads native/build/libcodeq_train.so, declares the C ABI
 * (native/include/codeq_train.h), checks typed arrays before they cross, turns error buffers
 * into NativeError, and caps async calls in flight (koffi allows 256 by default).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import koffi from 'koffi';
import { Semaphore } from '../util/semaphore.js';

export const ABI_VERSION = 4;
const ERROR_SIZE = 4096;
/** Well under koffi's limit; each call is long (a forward pass), so more would only queue. */
const MAX_IN_FLIGHT = 8;

export class NativeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeError';
  }
}

export function libraryPath(): string {
  return process.env.CODEQ_NATIVE_LIBRARY ?? resolve(import.meta.dirname, '../../native/build/libcodeq_train.so');
}

export interface ModelInfo {
  layers: number;
  hidden: number;
  ffn: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  context: number;
  ropeBase: number;
  eps: number;
  tied: boolean;
  adapterRank: number;
  adapterScale: number;
}

/** An opaque model handle; only this module can use it. */
export interface ModelHandle {
  readonly brand: 'codeq_model';
}

export interface TrainerHandle {
  readonly brand: 'codeq_trainer';
}

export const LOSS_TYPES = ['sigmoid', 'ipo', 'hinge', 'robust'] as const;
export const SCHEDULES = ['constant', 'linear', 'cosine', 'constant_with_warmup'] as const;
export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

/** codeq_train_config, with names as in configs/train.yaml. */
export interface NativeTrainConfig {
  rank: number;
  alpha: number;
  dropout: number;
  targets: (typeof LORA_TARGETS)[number][];
  lossType: (typeof LOSS_TYPES)[number];
  beta: number;
  labelSmoothing: number;
  rpoAlpha: number;
  learningRate: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  maxGradNorm: number;
  warmupSteps: number;
  maxSteps: number;
  schedule: (typeof SCHEDULES)[number];
  batchSize: number;
  gradientAccumulationSteps: number;
  maxLength: number;
  seed: number;
}

/** TRL's per-step metrics. */
export interface StepMetrics {
  step: number;
  loss: number;
  'rewards/chosen': number;
  'rewards/rejected': number;
  'rewards/accuracies': number;
  'rewards/margins': number;
  'logps/chosen': number;
  'logps/rejected': number;
  nll_loss: number;
  grad_norm: number;
  learning_rate: number;
  'tokens/s': number;
  tokens: number;
}

type Callback = (error: unknown, result: unknown) => void;
interface AsyncFunction {
  (...args: unknown[]): unknown;
  async: (...args: [...unknown[], Callback]) => void;
}

function bind() {
  const path = libraryPath();
  if (!existsSync(path)) throw new NativeError(`the native library ${path} is missing. HINT: npm run setup builds it (cmake -S native -B native/build)`);
  const lib = koffi.load(path);
  const modelPtr = koffi.pointer('codeq_model', koffi.opaque());
  const info = koffi.struct('codeq_model_info', {
    layers: 'int32_t',
    hidden: 'int32_t',
    ffn: 'int32_t',
    heads: 'int32_t',
    kv_heads: 'int32_t',
    head_dim: 'int32_t',
    vocab: 'int32_t',
    context: 'int32_t',
    rope_base: 'double',
    eps: 'double',
    tied: 'int32_t',
    adapter_rank: 'int32_t',
    adapter_scale: 'float',
  });
  const trainerPtr = koffi.pointer('codeq_trainer', koffi.opaque());
  const trainConfig = koffi.struct('codeq_train_config', {
    rank: 'int32_t',
    alpha: 'double',
    dropout: 'double',
    targets_mask: 'uint32_t',
    loss_type: 'int32_t',
    beta: 'double',
    label_smoothing: 'double',
    rpo_alpha: 'double',
    learning_rate: 'double',
    weight_decay: 'double',
    adam_beta1: 'double',
    adam_beta2: 'double',
    adam_epsilon: 'double',
    max_grad_norm: 'double',
    warmup_steps: 'int32_t',
    max_steps: 'int32_t',
    schedule: 'int32_t',
    batch_size: 'int32_t',
    gradient_accumulation_steps: 'int32_t',
    max_length: 'int32_t',
    seed: 'uint64_t',
  });
  const metrics = koffi.struct('codeq_step_metrics', {
    step: 'int64_t',
    loss: 'double',
    rewards_chosen: 'double',
    rewards_rejected: 'double',
    rewards_accuracies: 'double',
    rewards_margins: 'double',
    logps_chosen: 'double',
    logps_rejected: 'double',
    nll_loss: 'double',
    grad_norm: 'double',
    learning_rate: 'double',
    tokens_per_second: 'double',
    tokens: 'int64_t',
  });
  const progress = koffi.pointer(koffi.proto('void codeq_progress_fn(int32_t done, int32_t total)'));
  const fns = {
    abiVersion: lib.func('int32_t codeq_abi_version(void)'),
    load: lib.func('codeq_model_load', modelPtr, ['const char *', 'char *', 'int32_t']) as unknown as AsyncFunction,
    free: lib.func('codeq_model_free', 'void', [modelPtr]),
    info: lib.func('codeq_model_info_get', 'int32_t', [modelPtr, koffi.out(koffi.pointer(info)), 'char *', 'int32_t']),
    loadAdapter: lib.func('codeq_model_load_adapter', 'int32_t', [modelPtr, 'const char *', 'float', 'char *', 'int32_t']) as unknown as AsyncFunction,
    clearAdapter: lib.func('codeq_model_clear_adapter', 'void', [modelPtr]),
    logprobs: lib.func('codeq_model_logprobs', 'int32_t', [modelPtr, 'const int32_t *', 'int32_t', 'int32_t', koffi.out('float *'), 'char *', 'int32_t']) as unknown as AsyncFunction,
    trainerCreate: lib.func('codeq_trainer_create', trainerPtr, [modelPtr, koffi.pointer(trainConfig), 'char *', 'int32_t']),
    trainerFree: lib.func('codeq_trainer_free', 'void', [trainerPtr]),
    setPairs: lib.func('codeq_trainer_set_pairs', 'int32_t', [trainerPtr, 'int32_t', 'const int32_t *', 'const int32_t *', 'const double *', koffi.out('int64_t *'), 'char *', 'int32_t']) as unknown as AsyncFunction,
    referenceLogps: lib.func('codeq_trainer_reference_logps', 'int32_t', [trainerPtr, koffi.out('double *'), 'int32_t', 'char *', 'int32_t']),
    step: lib.func('codeq_trainer_step', 'int32_t', [trainerPtr, koffi.out(koffi.pointer(metrics)), 'int32_t *', progress, 'char *', 'int32_t']) as unknown as AsyncFunction,
    saveCheckpoint: lib.func('codeq_trainer_save_checkpoint', 'int32_t', [trainerPtr, 'const char *', 'char *', 'int32_t']) as unknown as AsyncFunction,
    loadCheckpoint: lib.func('codeq_trainer_load_checkpoint', 'int32_t', [trainerPtr, 'const char *', koffi.out('int64_t *'), 'char *', 'int32_t']) as unknown as AsyncFunction,
    exportAdapter: lib.func('codeq_trainer_export_adapter', 'int32_t', [trainerPtr, 'const char *', 'const char *', 'char *', 'int32_t']) as unknown as AsyncFunction,
    exportMerged: lib.func('codeq_trainer_export_merged', 'int32_t', [trainerPtr, 'const char *', 'const char *', 'char *', 'int32_t']) as unknown as AsyncFunction,
    registerProgress: (fn: (done: number, total: number) => void) => koffi.register(fn, progress),
    unregister: (callback: unknown) => koffi.unregister(callback as never),
  };
  const version = fns.abiVersion() as number;
  if (version !== ABI_VERSION) throw new NativeError(`${path} has ABI version ${version}, this codeq needs ${ABI_VERSION}. HINT: rebuild it with npm run setup`);
  return fns;
}

let bound: ReturnType<typeof bind> | null = null;
const inFlight = new Semaphore(MAX_IN_FLIGHT);

function native() {
  bound ??= bind();
  return bound;
}

/** Runs a native function on koffi's worker threads; rejects with the message from its error buffer. */
function callAsync(fn: AsyncFunction, args: unknown[], failed: (result: unknown) => boolean): Promise<unknown> {
  return inFlight.use(
    () =>
      new Promise((resolvePromise, reject) => {
        const error = Buffer.alloc(ERROR_SIZE);
        // koffi passes typed arrays' memory straight to the worker thread and keeps only the
        // callback alive: the arguments must stay reachable until it runs.
        const keepAlive = [args, error];
        fn.async(...args, error, ERROR_SIZE, (err: unknown, result: unknown) => {
          keepAlive.length = 0;
          if (err) reject(err);
          else if (failed(result)) reject(new NativeError(errorText(error)));
          else resolvePromise(result);
        });
      }),
  );
}

function errorText(buffer: Buffer): string {
  const end = buffer.indexOf(0);
  return buffer.subarray(0, end < 0 ? buffer.length : end).toString('utf8') || 'unknown native error';
}

function checkTokens(tokens: Int32Array, where: string): void {
  if (!(tokens instanceof Int32Array)) throw new TypeError(`${where}: tokens must be an Int32Array (koffi would reinterpret another array's bytes)`);
}

export async function loadModel(path: string): Promise<ModelHandle> {
  const handle = await callAsync(native().load, [path], (result) => result === null);
  return handle as ModelHandle;
}

export function freeModel(handle: ModelHandle): void {
  native().free(handle);
}

export function modelInfo(handle: ModelHandle): ModelInfo {
  const out: Record<string, number> = {};
  const error = Buffer.alloc(ERROR_SIZE);
  if ((native().info(handle, out, error, ERROR_SIZE) as number) !== 0) throw new NativeError(errorText(error));
  return {
    layers: out.layers!,
    hidden: out.hidden!,
    ffn: out.ffn!,
    heads: out.heads!,
    kvHeads: out.kv_heads!,
    headDim: out.head_dim!,
    vocab: out.vocab!,
    context: out.context!,
    ropeBase: out.rope_base!,
    eps: out.eps!,
    tied: out.tied !== 0,
    adapterRank: out.adapter_rank!,
    adapterScale: out.adapter_scale!,
  };
}

export async function loadAdapter(handle: ModelHandle, path: string, scale: number): Promise<void> {
  await callAsync(native().loadAdapter, [handle, path, scale], (rc) => rc !== 0);
}

export function clearAdapter(handle: ModelHandle): void {
  native().clearAdapter(handle);
}

/** log p(tokens[i] | tokens[<i]) for i in [first, n). */
export async function logProbs(handle: ModelHandle, tokens: Int32Array, first: number): Promise<Float32Array> {
  checkTokens(tokens, 'logProbs');
  if (!Number.isInteger(first) || first < 1 || first >= tokens.length) throw new RangeError(`logProbs: need 1 <= first < ${tokens.length}, got ${first}`);
  const out = new Float32Array(tokens.length - first);
  await callAsync(native().logprobs, [handle, tokens, tokens.length, first, out], (rc) => rc !== 0);
  return out;
}

function syncCall(fn: (...args: unknown[]) => unknown, args: unknown[]): unknown {
  const error = Buffer.alloc(ERROR_SIZE);
  const result = fn(...args, error, ERROR_SIZE);
  if (result === null || (typeof result === 'number' && result < 0)) throw new NativeError(errorText(error));
  return result;
}

export function createTrainer(model: ModelHandle, config: NativeTrainConfig): TrainerHandle {
  const targets = config.targets.reduce((mask, t) => mask | (1 << LORA_TARGETS.indexOf(t)), 0);
  return syncCall(native().trainerCreate, [
    model,
    {
      rank: config.rank,
      alpha: config.alpha,
      dropout: config.dropout,
      targets_mask: targets,
      loss_type: LOSS_TYPES.indexOf(config.lossType),
      beta: config.beta,
      label_smoothing: config.labelSmoothing,
      rpo_alpha: config.rpoAlpha,
      learning_rate: config.learningRate,
      weight_decay: config.weightDecay,
      adam_beta1: config.adamBeta1,
      adam_beta2: config.adamBeta2,
      adam_epsilon: config.adamEpsilon,
      max_grad_norm: config.maxGradNorm,
      warmup_steps: config.warmupSteps,
      max_steps: config.maxSteps,
      schedule: SCHEDULES.indexOf(config.schedule),
      batch_size: config.batchSize,
      gradient_accumulation_steps: config.gradientAccumulationSteps,
      max_length: config.maxLength,
      seed: config.seed,
    },
  ]) as TrainerHandle;
}

export function freeTrainer(handle: TrainerHandle): void {
  native().trainerFree(handle);
}

/** Token ids of pairs: prompt, chosen, rejected each; refs (2 per pair) or NaN to compute them. */
export interface TokenizedPair {
  prompt: Int32Array;
  chosen: Int32Array;
  rejected: Int32Array;
  refChosen: number;
  refRejected: number;
}

/** Hands the pairs over (reference log-probs computed where missing); returns how many were cut. */
export async function setPairs(handle: TrainerHandle, pairs: TokenizedPair[]): Promise<number> {
  const lengths = new Int32Array(pairs.length * 3);
  const refs = new Float64Array(pairs.length * 2);
  let total = 0;
  pairs.forEach((p, i) => {
    for (const [k, part] of [p.prompt, p.chosen, p.rejected].entries()) {
      checkTokens(part, `pair ${i}`);
      lengths[3 * i + k] = part.length;
      total += part.length;
    }
    refs[2 * i] = p.refChosen;
    refs[2 * i + 1] = p.refRejected;
  });
  const tokens = new Int32Array(total);
  let at = 0;
  for (const p of pairs)
    for (const part of [p.prompt, p.chosen, p.rejected]) {
      tokens.set(part, at);
      at += part.length;
    }
  const truncated = [0n];
  await callAsync(native().setPairs, [handle, pairs.length, tokens, lengths, refs, truncated], (rc) => rc !== 0);
  return Number(truncated[0]);
}

export function referenceLogps(handle: TrainerHandle, pairs: number): Float64Array {
  const out = new Float64Array(pairs * 2);
  syncCall(native().referenceLogps, [handle, out, pairs]);
  return out;
}

/**
 * One optimizer step on a worker thread. `cancel[0] = 1` (from this thread) stops it between
 * pairs with nothing changed (resolves null); progress hears of each pair done.
 */
export async function trainerStep(handle: TrainerHandle, cancel: Int32Array, onProgress?: (done: number, total: number) => void): Promise<StepMetrics | null> {
  if (!(cancel instanceof Int32Array) || cancel.length !== 1) throw new TypeError('trainerStep: cancel must be an Int32Array of length 1');
  const out: Record<string, number | bigint> = {};
  const callback = onProgress ? native().registerProgress(onProgress) : null;
  try {
    const rc = await callAsync(native().step, [handle, out, cancel, callback], (result) => result !== 0 && result !== 1);
    if (rc === 1) return null;
  } finally {
    if (callback) native().unregister(callback);
  }
  const n = (key: string) => Number(out[key]);
  return {
    step: n('step'),
    loss: n('loss'),
    'rewards/chosen': n('rewards_chosen'),
    'rewards/rejected': n('rewards_rejected'),
    'rewards/accuracies': n('rewards_accuracies'),
    'rewards/margins': n('rewards_margins'),
    'logps/chosen': n('logps_chosen'),
    'logps/rejected': n('logps_rejected'),
    nll_loss: n('nll_loss'),
    grad_norm: n('grad_norm'),
    learning_rate: n('learning_rate'),
    'tokens/s': n('tokens_per_second'),
    tokens: n('tokens'),
  };
}

export async function saveCheckpoint(handle: TrainerHandle, path: string): Promise<void> {
  await callAsync(native().saveCheckpoint, [handle, path], (rc) => rc !== 0);
}

/** Returns the step the checkpoint was written at. */
export async function loadCheckpoint(handle: TrainerHandle, path: string): Promise<number> {
  const step = [0n];
  await callAsync(native().loadCheckpoint, [handle, path, step], (rc) => rc !== 0);
  return Number(step[0]);
}

export async function exportAdapter(handle: TrainerHandle, path: string, name: string): Promise<void> {
  await callAsync(native().exportAdapter, [handle, path, name], (rc) => rc !== 0);
}

/** The base model with the adapter merged in, written as an F16 GGUF. */
export async function exportMerged(handle: TrainerHandle, baseFile: string, path: string): Promise<void> {
  await callAsync(native().exportMerged, [handle, baseFile, path], (rc) => rc !== 0);
}
