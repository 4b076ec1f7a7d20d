import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, GgufError, ValueType, tensorBytes, type MetaValue } from './types.js';

export interface TensorData {
  name: string;
  /** ne: dims[0] is the contiguous one. */
  dims: number[];
  type: number;
  data: Uint8Array;
}

/** Metadata helpers: typed GGUF values from plain ones. */
export const gguf = {
  string: (value: string): MetaValue => ({ type: ValueType.STRING, value }),
  u32: (value: number): MetaValue => ({ type: ValueType.UINT32, value }),
  i32: (value: number): MetaValue => ({ type: ValueType.INT32, value }),
  f32: (value: number): MetaValue => ({ type: ValueType.FLOAT32, value }),
  bool: (value: boolean): MetaValue => ({ type: ValueType.BOOL, value }),
  strings: (value: string[]): MetaValue => ({ type: ValueType.ARRAY, elementType: ValueType.STRING, value }),
  i32s: (value: number[]): MetaValue => ({ type: ValueType.ARRAY, elementType: ValueType.INT32, value }),
  f32s: (value: number[]): MetaValue => ({ type: ValueType.ARRAY, elementType: ValueType.FLOAT32, value }),
};

class Chunks {
  readonly parts: Buffer[] = [];
  length = 0;
  push(buffer: Buffer): void {
    this.parts.push(buffer);
    this.length += buffer.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  u64(v: number | bigint) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  string(s: string) {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  scalar(type: ValueType, v: string | number | bigint | boolean) {
    const b = Buffer.alloc(8);
    switch (type) {
      case ValueType.UINT8:
        return this.push(Buffer.from([Number(v)]));
      case ValueType.INT8:
        b.writeInt8(Number(v));
        return this.push(b.subarray(0, 1));
      case ValueType.UINT16:
        b.writeUInt16LE(Number(v));
        return this.push(b.subarray(0, 2));
      case ValueType.INT16:
        b.writeInt16LE(Number(v));
        return this.push(b.subarray(0, 2));
      case ValueType.UINT32:
        b.writeUInt32LE(Number(v));
        return this.push(b.subarray(0, 4));
      case ValueType.INT32:
        b.writeInt32LE(Number(v));
        return this.push(b.subarray(0, 4));
      case ValueType.FLOAT32:
        b.writeFloatLE(Number(v));
        return this.push(b.subarray(0, 4));
      case ValueType.BOOL:
        return this.push(Buffer.from([v ? 1 : 0]));
      case ValueType.STRING:
        return this.string(String(v));
      case ValueType.UINT64:
        b.writeBigUInt64LE(BigInt(v));
        return this.push(b);
      case ValueType.INT64:
        b.writeBigInt64LE(BigInt(v));
        return this.push(b);
      case ValueType.FLOAT64:
        b.writeDoubleLE(Number(v));
        return this.push(b);
      default:
        throw new GgufError(`cannot write metadata of type ${type}`);
    }
  }
}

/**
 * Writes a GGUF v3 file atomically (temporary name, then rename): metadata, tensor infos with
 * offsets aligned to `alignment`, padding, then the tensor data, each tensor padded.
 */
export function writeGguf(file: string, metadata: [string, MetaValue][], tensors: TensorData[], alignment = DEFAULT_ALIGNMENT): void {
  const header = new Chunks();
  header.u32(GGUF_MAGIC);
  header.u32(GGUF_VERSION);
  header.u64(tensors.length);
  const entries = alignment === DEFAULT_ALIGNMENT ? metadata : [...metadata.filter(([k]) => k !== 'general.alignment'), ['general.alignment', gguf.u32(alignment)] as [string, MetaValue]];
  header.u64(entries.length);
  for (const [key, value] of entries) {
    header.string(key);
    header.u32(value.type);
    if (value.type === ValueType.ARRAY) {
      header.u32(value.elementType);
      header.u64(value.value.length);
      for (const item of value.value) header.scalar(value.elementType, item);
    } else header.scalar(value.type, value.value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const expected = tensorBytes(tensor);
    if (tensor.data.byteLength !== expected) {
      throw new GgufError(`tensor ${tensor.name}: ${tensor.data.byteLength} bytes of data for dims [${tensor.dims}] needs ${expected}`);
    }
    header.string(tensor.name);
    header.u32(tensor.dims.length);
    for (const d of tensor.dims) header.u64(d);
    header.u32(tensor.type);
    header.u64(offset);
    offset += Math.ceil(expected / alignment) * alignment;
  }
  mkdirSync(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'w');
  let closed = false;
  try {
    let written = 0;
    const write = (buffer: Uint8Array) => {
      writeSync(fd, buffer);
      written += buffer.byteLength;
    };
    const pad = () => {
      const extra = (alignment - (written % alignment)) % alignment;
      if (extra) write(Buffer.alloc(extra));
    };
    for (const part of header.parts) write(part);
    pad();
    for (const tensor of tensors) {
      write(tensor.data);
      pad();
    }
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, file);
  } catch (error) {
    if (!closed) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}

/** An F32 tensor's bytes. */
export function f32Bytes(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
