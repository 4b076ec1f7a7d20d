import { Random, normal } from '../util/random.js';
import { byteVocabulary } from './byteVocabulary.js';
import { GgmlType } from './gguf/types.js';
import { f32Bytes, writeGguf, type TensorData } from './gguf/writer.js';
import { qwen2Metadata } from './tinyModel.js';

/** One whole answer the model gives, and how likely it is (relative to the others) at temperature 1. */
export interface ScriptedAnswer {
  text: string;
  weight: number;
}

/** Logit lead of the answers over every other token, so the model says nothing else. */
const LEAD = 20;
/** Token type llama.cpp matches as a whole string in any text (USER_DEFINED). */
const USER_DEFINED = 4;

/**
 * A tiny qwen2 GGUF that answers any chat with one of `answers` (each one token of its own, then
 * <|im_end|>), with the given odds: a real model file that the real engines run, for tests and
 * benchmarks of the whole round where search must find fixes and DPO must be able to change the
 * odds. How: attention and MLP outputs are zero, so the last token alone decides the next; after
 * the prompt's final newline the output head favours the answer tokens by their log weights, after
 * an answer token it gives <|im_end|>. The heads' rows for the answers also differ at random in
 * the dimensions the base model leaves at zero, which is where a LoRA adapter on the attention
 * and MLP outputs can move the hidden state, and so the odds.
 */
export function writeScriptedModel(file: string, answers: ScriptedAnswer[], options: { seed?: number; hidden?: number; contextLength?: number } = {}): { answerTokens: number[] } {
  if (answers.length === 0 || answers.some((a) => !(a.weight > 0) || a.text === '')) throw new Error('scripted model: answers need a text and a positive weight');
  const rng = new Random(options.seed ?? 1);
  const base = byteVocabulary();
  const answerTokens = answers.map((_, i) => base.tokens.length + i);
  const vocab = { ...base, tokens: [...base.tokens, ...answers.map((a) => a.text)], tokenTypes: [...base.tokenTypes, ...answers.map(() => USER_DEFINED)] };
  const V = vocab.tokens.length;
  const H = options.hidden ?? 64;
  const shape = { layers: 1, hidden: H, heads: 4, kvHeads: 2, ffn: 64, contextLength: options.contextLength ?? 4096 };
  const kv = (H / shape.heads) * shape.kvHeads;
  const newline = base.tokens.indexOf('Ċ');
  const eos = base.ids['<|im_end|>'];
  const tensors: TensorData[] = [];
  const add = (name: string, dims: number[], fill: (values: Float32Array) => void = () => {}) => {
    const values = new Float32Array(dims.reduce((a, b) => a * b, 1));
    fill(values);
    tensors.push({ name, dims, type: GgmlType.F32, data: f32Bytes(values) });
  };
  const random = (std: number) => (values: Float32Array) => {
    for (let i = 0; i < values.length; i++) values[i] = normal(rng, std);
  };
  const ones = (values: Float32Array) => values.fill(1);
  // Embeddings (H per token, token-major): the newline points along dimension 0, every answer along 1.
  add('token_embd.weight', [H, V], (e) => {
    e[newline * H] = 1;
    for (const t of answerTokens) e[t * H + 1] = 1;
  });
  add('blk.0.attn_norm.weight', [H], ones);
  add('blk.0.attn_q.weight', [H, H], random(0.1));
  add('blk.0.attn_q.bias', [H]);
  add('blk.0.attn_k.weight', [H, kv], random(0.1));
  add('blk.0.attn_k.bias', [kv]);
  add('blk.0.attn_v.weight', [H, kv], random(0.5));
  add('blk.0.attn_v.bias', [kv]);
  add('blk.0.attn_output.weight', [H, H]); // zero: the base model ignores attention
  add('blk.0.ffn_norm.weight', [H], ones);
  add('blk.0.ffn_gate.weight', [H, shape.ffn], random(0.5));
  add('blk.0.ffn_up.weight', [H, shape.ffn], random(0.5));
  add('blk.0.ffn_down.weight', [shape.ffn, H]); // zero: and the MLP
  add('output_norm.weight', [H], ones);
  // After RMS norm a unit embedding is sqrt(H) along its axis: scale the head by 1/sqrt(H).
  const scale = 1 / Math.sqrt(H);
  add('output.weight', [H, V], (w) => {
    answers.forEach((a, i) => {
      const row = answerTokens[i]! * H;
      w[row] = (LEAD + Math.log(a.weight)) * scale;
      for (let d = 2; d < H; d++) w[row + d] = normal(rng, 1) * scale;
    });
    w[eos * H + 1] = LEAD * scale;
  });
  writeGguf(file, qwen2Metadata(shape, vocab, `codeq scripted qwen2 (${answers.length} answers)`), tensors);
  return { answerTokens };
}
