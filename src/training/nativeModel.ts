import { CallTracker } from './callTracker.js';
import { clearAdapter, freeModel, loadAdapter, loadModel, logProbs, modelInfo, type ModelHandle, type ModelInfo } from './nativeLibrary.js';

/**
 * A qwen2 base model in the native library (frozen float weights) with an optional LoRA adapter:
 * the trainer's forward pass, exposed for log-probabilities (reference log-probs, parity checks).
 */
export class NativeModel {
  private handle: ModelHandle | null;
  /** Trainers on these weights: the model may not be freed under them. */
  private users = 0;
  /** Calls in flight (or queued) on the handle: it may not be freed under them either. */
  private readonly calls = new CallTracker();

  private constructor(handle: ModelHandle, readonly file: string) {
    this.handle = handle;
  }

  static async load(file: string): Promise<NativeModel> {
    return new NativeModel(await loadModel(file), file);
  }

  get info(): ModelInfo {
    return modelInfo(this.live());
  }

  /** Applies a llama.cpp LoRA adapter GGUF at `scale` (effective scale = scale · alpha / rank). */
  async useAdapter(file: string | null, scale = 1): Promise<void> {
    if (file === null) clearAdapter(this.live());
    else await this.calls.track(loadAdapter(this.live(), file, scale));
  }

  /** Log-probabilities of tokens[first..] given what precedes each. */
  logProbs(tokens: ArrayLike<number>, first: number): Promise<Float32Array> {
    return this.calls.track(logProbs(this.live(), Int32Array.from(tokens), first));
  }


  /** For NativeTrainer, which trains on these weights; release() when done. */
  retain(): ModelHandle {
    const handle = this.live();
    this.users += 1;
    return handle;
  }

  release(): void {
    this.users = Math.max(0, this.users - 1);
  }

  dispose(): void {
    if (this.users > 0) throw new Error(`the native model still has ${this.users} trainer(s) on it: dispose them first`);
    if (this.calls.inFlight > 0) throw new Error(`the native model has ${this.calls.inFlight} call(s) in flight: await them first`);
    if (this.handle) freeModel(this.handle);
    this.handle = null;
  }

  private live(): ModelHandle {
    if (!this.handle) throw new Error('the native model was disposed');
    return this.handle;
  }
}
