import { z } from 'zod';
import { Random, normal } from '../util/random.js';
import { byteVocabulary, type ByteVocabulary } from './byteVocabulary.js';
import { GgmlType, type MetaValue } from './gguf/types.js';
import { f32Bytes, gguf, writeGguf, type TensorData } from './gguf/writer.js';

/** The shape of a tiny qwen2 model: what `codeq model tiny` accepts. */
export const TinyModelSchema = z
  .strictObject({
    seed: z.number().int(),
    layers: z.number().int().min(1).max(64),
    hidden: z.number().int().min(8),
    heads: z.number().int().min(1),
    kvHeads: z.number().int().min(1),
    ffn: z.number().int().min(8),
    contextLength: z.number().int().min(64),
    tiedOutput: z.boolean(),
    initStd: z.number().positive(),
  })
  .refine((s) => s.hidden % s.heads === 0, { message: 'hidden must be a multiple of heads', path: ['hidden'] })
  .refine((s) => s.heads % s.kvHeads === 0, { message: 'heads must be a multiple of kvHeads', path: ['kvHeads'] })
  .refine((s) => (s.hidden / s.heads) % 2 === 0, { message: 'the head size (hidden / heads) must be even for rotary embeddings', path: ['heads'] });
export type TinyModelShape = z.infer<typeof TinyModelSchema>;

export const TINY_DEFAULTS: TinyModelShape = {
  seed: 1,
  layers: 2,
  hidden: 64,
  heads: 4,
  kvHeads: 2,
  ffn: 128,
  contextLength: 1024,
  tiedOutput: false,
  initStd: 0.02,
};

/** A Qwen ChatML template (Jinja), for runtimes that read the chat format from the file. */
const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * Writes a tiny `qwen2` GGUF: seeded random F32 weights (norms at 1), the byte-level BPE
 * vocabulary with ChatML special tokens, and every key llama.cpp requires. Same seed, same file.
 */
export function writeTinyModel(file: string, shape: TinyModelShape): { tensors: number; vocabulary: number; parameters: number } {
  const rng = new Random(shape.seed);
  const vocab = byteVocabulary();
  const V = vocab.tokens.length;
  const H = shape.hidden;
  const kv = (H / shape.heads) * shape.kvHeads;
  const F = shape.ffn;
  const tensors: TensorData[] = [];
  const add = (name: string, dims: number[], fill: 'random' | 'ones' | 'zeros') => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (fill === 'ones') values.fill(1);
    if (fill === 'random') for (let i = 0; i < values.length; i++) values[i] = normal(rng, shape.initStd);
    tensors.push({ name, dims, type: GgmlType.F32, data: f32Bytes(values) });
  };
  add('token_embd.weight', [H, V], 'random');
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}`;
    add(`${p}.attn_norm.weight`, [H], 'ones');
    add(`${p}.attn_q.weight`, [H, H], 'random');
    add(`${p}.attn_q.bias`, [H], 'random');
    add(`${p}.attn_k.weight`, [H, kv], 'random');
    add(`${p}.attn_k.bias`, [kv], 'random');
    add(`${p}.attn_v.weight`, [H, kv], 'random');
    add(`${p}.attn_v.bias`, [kv], 'random');
    add(`${p}.attn_output.weight`, [H, H], 'random');
    add(`${p}.ffn_norm.weight`, [H], 'ones');
    add(`${p}.ffn_gate.weight`, [H, F], 'random');
    add(`${p}.ffn_up.weight`, [H, F], 'random');
    add(`${p}.ffn_down.weight`, [F, H], 'random');
  }
  add('output_norm.weight', [H], 'ones');
  if (!shape.tiedOutput) add('output.weight', [H, V], 'random');

  const metadata = qwen2Metadata(shape, vocab, `codeq tiny qwen2 (seed ${shape.seed})`);
  writeGguf(file, metadata, tensors);
  return { tensors: tensors.length, vocabulary: V, parameters: tensors.reduce((n, t) => n + t.data.byteLength / 4, 0) };
}

/** Every key llama.cpp requires of a qwen2 GGUF with the byte-level vocabulary (and any added tokens). */
export function qwen2Metadata(shape: Pick<TinyModelShape, 'layers' | 'hidden' | 'heads' | 'kvHeads' | 'ffn' | 'contextLength'>, vocab: ByteVocabulary, name: string): [string, MetaValue][] {
  const H = shape.hidden;
  const F = shape.ffn;
  return [
    ['general.architecture', gguf.string('qwen2')],
    ['general.type', gguf.string('model')],
    ['general.name', gguf.string(name)],
    ['general.file_type', gguf.u32(0)],
    ['qwen2.block_count', gguf.u32(shape.layers)],
    ['qwen2.context_length', gguf.u32(shape.contextLength)],
    ['qwen2.embedding_length', gguf.u32(H)],
    ['qwen2.feed_forward_length', gguf.u32(F)],
    ['qwen2.attention.head_count', gguf.u32(shape.heads)],
    ['qwen2.attention.head_count_kv', gguf.u32(shape.kvHeads)],
    ['qwen2.rope.freq_base', gguf.f32(1_000_000)],
    ['qwen2.attention.layer_norm_rms_epsilon', gguf.f32(1e-6)],
    ['tokenizer.ggml.model', gguf.string('gpt2')],
    ['tokenizer.ggml.pre', gguf.string('qwen2')],
    ['tokenizer.ggml.tokens', gguf.strings(vocab.tokens)],
    ['tokenizer.ggml.token_type', gguf.i32s(vocab.tokenTypes)],
    ['tokenizer.ggml.merges', gguf.strings(vocab.merges)],
    ['tokenizer.ggml.eos_token_id', gguf.u32(vocab.ids['<|im_end|>'])],
    ['tokenizer.ggml.padding_token_id', gguf.u32(vocab.ids['<|endoftext|>'])],
    ['tokenizer.ggml.bos_token_id', gguf.u32(vocab.ids['<|endoftext|>'])],
    ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
    ['tokenizer.chat_template', gguf.string(CHAT_TEMPLATE)],
  ];
}
