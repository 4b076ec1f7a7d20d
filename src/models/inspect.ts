import { statSync } from 'node:fs';
import { meta, readGgufHeader } from './gguf/reader.js';
import { FILE_TYPES, GGML_TYPES, tensorBytes, type GgufHeader } from './gguf/types.js';

/** What `codeq model inspect` reports about a GGUF file. */
export interface ModelSummary {
  file: string;
  bytes: number;
  ggufVersion: number;
  type: string;
  architecture: string;
  name: string;
  quantization: string;
  contextLength: number | null;
  layers: number | null;
  hidden: number | null;
  feedForward: number | null;
  heads: number | null;
  kvHeads: number | null;
  vocabulary: number | null;
  tensors: number;
  parameters: number;
  /** Bytes of tensor data per ggml type. */
  tensorTypes: Record<string, { tensors: number; bytes: number }>;
  alignment: number;
  adapter?: { type: string; alpha: number | null };
}

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null);

export function summarizeHeader(file: string, header: GgufHeader): ModelSummary {
  const arch = String(meta(header, 'general.architecture') ?? 'unknown');
  const key = (k: string) => num(meta(header, `${arch}.${k}`));
  const fileType = num(meta(header, 'general.file_type'));
  const tensorTypes: ModelSummary['tensorTypes'] = {};
  let parameters = 0;
  for (const tensor of header.tensors) {
    const name = GGML_TYPES[tensor.type]?.name ?? `type ${tensor.type}`;
    const entry = (tensorTypes[name] ??= { tensors: 0, bytes: 0 });
    entry.tensors++;
    entry.bytes += tensorBytes(tensor);
    parameters += tensor.dims.reduce((a, b) => a * b, 1);
  }
  const tokens = meta(header, 'tokenizer.ggml.tokens');
  const kind = String(meta(header, 'general.type') ?? 'model');
  return {
    file,
    bytes: statSync(file).size,
    ggufVersion: header.version,
    type: kind,
    architecture: arch,
    name: String(meta(header, 'general.name') ?? ''),
    quantization: fileType === null ? 'unknown' : (FILE_TYPES[fileType] ?? `file type ${fileType}`),
    contextLength: key('context_length'),
    layers: key('block_count'),
    hidden: key('embedding_length'),
    feedForward: key('feed_forward_length'),
    heads: key('attention.head_count'),
    kvHeads: key('attention.head_count_kv'),
    vocabulary: Array.isArray(tokens) ? tokens.length : null,
    tensors: header.tensors.length,
    parameters,
    tensorTypes,
    alignment: header.alignment,
    ...(kind === 'adapter' ? { adapter: { type: String(meta(header, 'adapter.type') ?? ''), alpha: num(meta(header, 'adapter.lora.alpha')) } } : {}),
  };
}

export function inspectModel(file: string): ModelSummary {
  return summarizeHeader(file, readGgufHeader(file));
}
