import { CallTracker } from './callTracker.js';
import {
  createTrainer,
  exportAdapter,
  exportMerged,
  freeTrainer,
  loadCheckpoint,
  referenceLogps,
  saveCheckpoint,
  setPairs,
  trainerStep,
  type NativeTrainConfig,
  type StepMetrics,
  type TokenizedPair,
  type TrainerHandle,
} from './nativeLibrary.js';
import type { NativeModel } from './nativeModel.js';

/**
 * A DPO trainer in the native library, on a NativeModel's frozen weights (the model must outlive
 * it). Steps run off the main thread; cancel() stops the one in flight with nothing changed.
 */
export class NativeTrainer {
  private handle: TrainerHandle | null;
  private readonly cancelFlag = new Int32Array(1);
  private pairCount = 0;
  private readonly calls = new CallTracker();

  constructor(
    readonly model: NativeModel,
    readonly config: NativeTrainConfig,
  ) {
    this.handle = createTrainer(model.retain(), config);
  }

  /** Takes the pairs; reference log-probs are computed (adapter off) where NaN. Returns how many were cut. */
  async setPairs(pairs: TokenizedPair[]): Promise<number> {
    const truncated = await this.calls.track(setPairs(this.live(), pairs));
    this.pairCount = pairs.length;
    return truncated;
  }

  /** [chosen, rejected] reference log-probs per pair, as used. */
  referenceLogps(): [number, number][] {
    const flat = referenceLogps(this.live(), this.pairCount);
    return Array.from({ length: this.pairCount }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);
  }

  /** One optimizer step; null when cancelled (then, or before, by cancel()). */
  step(onProgress?: (done: number, total: number) => void): Promise<StepMetrics | null> {
    return this.calls.track(trainerStep(this.live(), this.cancelFlag, onProgress));
  }

  /** Stops the step in flight (nothing changed) and every later one, until resetCancel(). */
  cancel(): void {
    this.cancelFlag[0] = 1;
  }

  get cancelled(): boolean {
    return this.cancelFlag[0] !== 0;
  }

  resetCancel(): void {
    this.cancelFlag[0] = 0;
  }

  saveCheckpoint(path: string): Promise<void> {
    return this.calls.track(saveCheckpoint(this.live(), path));
  }

  /** Restores a checkpoint; returns its step. */
  loadCheckpoint(path: string): Promise<number> {
    return this.calls.track(loadCheckpoint(this.live(), path));
  }

  exportAdapter(path: string, name: string): Promise<void> {
    return this.calls.track(exportAdapter(this.live(), path, name));
  }

  /** The model's file with the adapter merged in, as an F16 GGUF (needs no adapter to run). */
  exportMerged(path: string): Promise<void> {
    return this.calls.track(exportMerged(this.live(), this.model.file, path));
  }


  dispose(): void {
    if (!this.handle) return;
    if (this.calls.inFlight > 0) throw new Error(`the trainer has ${this.calls.inFlight} call(s) in flight: cancel() and await them first`);
    freeTrainer(this.handle);
    this.handle = null;
    this.model.release();
  }

  private live(): TrainerHandle {
    if (!this.handle) throw new Error('the trainer was disposed');
    return this.handle;
  }
}
