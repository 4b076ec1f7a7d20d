/**
 * The one module that touches koffi: loads native/build/libcodeq_train.so, declares the C ABI
 * (native/include/codeq_train.h), checks typed arrays before they cross, turns error buffers
 * into NativeError, and caps async calls in flight (koffi allows 256 by default).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import koffi from 'koffi';
import { Semaphore } from '../util/semaphore.js';

export const ABI_VERSION = 1;
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
  const fns = {
    abiVersion: lib.func('int32_t codeq_abi_version(void)'),
    load: lib.func('codeq_model_load', modelPtr, ['const char *', 'char *', 'int32_t']) as unknown as AsyncFunction,
    free: lib.func('codeq_model_free', 'void', [modelPtr]),
    info: lib.func('codeq_model_info_get', 'int32_t', [modelPtr, koffi.out(koffi.pointer(info)), 'char *', 'int32_t']),
    loadAdapter: lib.func('codeq_model_load_adapter', 'int32_t', [modelPtr, 'const char *', 'float', 'char *', 'int32_t']) as unknown as AsyncFunction,
    clearAdapter: lib.func('codeq_model_clear_adapter', 'void', [modelPtr]),
    logprobs: lib.func('codeq_model_logprobs', 'int32_t', [modelPtr, 'const int32_t *', 'int32_t', 'int32_t', koffi.out('float *'), 'char *', 'int32_t']) as unknown as AsyncFunction,
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
        fn.async(...args, error, ERROR_SIZE, (err: unknown, result: unknown) => {
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
