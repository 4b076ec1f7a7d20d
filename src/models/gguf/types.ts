/** GGUF (v3) as llama.cpp defines it: typed metadata, tensor infos, aligned tensor data. */
export const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian
export const GGUF_VERSION = 3;
export const DEFAULT_ALIGNMENT = 32;

export enum ValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** ggml tensor types codeq reads or writes, with their block size and bytes per block. */
export const GGML_TYPES: Record<number, { name: string; blockSize: number; typeSize: number }> = {
  0: { name: 'F32', blockSize: 1, typeSize: 4 },
  1: { name: 'F16', blockSize: 1, typeSize: 2 },
  2: { name: 'Q4_0', blockSize: 32, typeSize: 18 },
  3: { name: 'Q4_1', blockSize: 32, typeSize: 20 },
  6: { name: 'Q5_0', blockSize: 32, typeSize: 22 },
  7: { name: 'Q5_1', blockSize: 32, typeSize: 24 },
  8: { name: 'Q8_0', blockSize: 32, typeSize: 34 },
  9: { name: 'Q8_1', blockSize: 32, typeSize: 36 },
  10: { name: 'Q2_K', blockSize: 256, typeSize: 84 },
  11: { name: 'Q3_K', blockSize: 256, typeSize: 110 },
  12: { name: 'Q4_K', blockSize: 256, typeSize: 144 },
  13: { name: 'Q5_K', blockSize: 256, typeSize: 176 },
  14: { name: 'Q6_K', blockSize: 256, typeSize: 210 },
  15: { name: 'Q8_K', blockSize: 256, typeSize: 292 },
  30: { name: 'BF16', blockSize: 1, typeSize: 2 },
};
export const GgmlType = { F32: 0, F16: 1, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const;

/** llama.cpp's `general.file_type` values (LLAMA_FTYPE_*), for describing a model's quantization. */
export const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  11: 'Q3_K_S',
  12: 'Q3_K_M',
  13: 'Q3_K_L',
  14: 'Q4_K_S',
  15: 'Q4_K_M',
  16: 'Q5_K_S',
  17: 'Q5_K_M',
  18: 'Q6_K',
  32: 'BF16',
};

/** A metadata value with its GGUF type (arrays keep their element type). */
export type MetaValue =
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.UINT64 | ValueType.INT64; value: bigint }
  | { type: Exclude<ValueType, ValueType.STRING | ValueType.BOOL | ValueType.ARRAY | ValueType.UINT64 | ValueType.INT64>; value: number }
  | { type: ValueType.ARRAY; elementType: ValueType; value: (string | number | bigint | boolean)[] };

export interface TensorInfo {
  name: string;
  /** ne: dims[0] is the contiguous one (llama.cpp order). */
  dims: number[];
  type: number;
  /** Byte offset inside the data section. */
  offset: number;
}

export interface GgufHeader {
  version: number;
  metadata: Map<string, MetaValue>;
  tensors: TensorInfo[];
  alignment: number;
  /** Absolute file offset where tensor data starts. */
  dataOffset: number;
}

export function tensorBytes(info: Pick<TensorInfo, 'dims' | 'type'>): number {
  const type = GGML_TYPES[info.type];
  if (!type) throw new GgufError(`tensor type ${info.type} is not one codeq knows`);
  const elements = info.dims.reduce((a, b) => a * b, 1);
  if (info.dims[0]! % type.blockSize !== 0) throw new GgufError(`a ${type.name} tensor's first dimension must be a multiple of ${type.blockSize}`);
  return (elements / type.blockSize) * type.typeSize;
}

export class GgufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GgufError';
  }
}
