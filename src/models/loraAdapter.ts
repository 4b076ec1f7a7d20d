import { meta, readGgufHeader } from './gguf/reader.js';
import { GgmlType, type MetaValue } from './gguf/types.js';
import { f32Bytes, gguf, writeGguf, type TensorData } from './gguf/writer.js';

/** One adapted weight: A (rank × in, row-major) and B (out × rank, row-major) for W' = W + s·B·A. */
export interface LoraPair {
  /** The base tensor it adapts, e.g. blk.0.attn_q.weight. */
  target: string;
  a: Float32Array;
  b: Float32Array;
}

/**
 * Writes a LoRA adapter GGUF that llama.cpp (and node-llama-cpp) load: general.type = adapter,
 * adapter.type = lora, adapter.lora.alpha, and per target `<target>.lora_a` with ne = [in, rank]
 * and `<target>.lora_b` with ne = [rank, out]. The effective scale is scale · alpha / rank.
 */
export function writeLoraAdapter(file: string, baseModel: string, rank: number, alpha: number, pairs: LoraPair[]): void {
  const base = readGgufHeader(baseModel);
  const architecture = String(meta(base, 'general.architecture'));
  const tensors: TensorData[] = [];
  for (const pair of pairs) {
    const target = base.tensors.find((t) => t.name === pair.target);
    if (!target) throw new Error(`the base model ${baseModel} has no tensor ${pair.target}`);
    const [inputs, outputs] = [target.dims[0]!, target.dims[1] ?? 1];
    if (pair.a.length !== rank * inputs) throw new Error(`${pair.target}: A has ${pair.a.length} values, expected rank ${rank} × in ${inputs}`);
    if (pair.b.length !== outputs * rank) throw new Error(`${pair.target}: B has ${pair.b.length} values, expected out ${outputs} × rank ${rank}`);
    tensors.push({ name: `${pair.target}.lora_a`, dims: [inputs, rank], type: GgmlType.F32, data: f32Bytes(pair.a) });
    tensors.push({ name: `${pair.target}.lora_b`, dims: [rank, outputs], type: GgmlType.F32, data: f32Bytes(pair.b) });
  }
  const metadata: [string, MetaValue][] = [
    ['general.architecture', gguf.string(architecture)],
    ['general.type', gguf.string('adapter')],
    ['general.name', gguf.string(`codeq LoRA r${rank}`)],
    ['adapter.type', gguf.string('lora')],
    ['adapter.lora.alpha', gguf.f32(alpha)],
  ];
  writeGguf(file, metadata, tensors);
}
