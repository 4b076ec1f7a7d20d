import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufError, ValueType, tensorBytes, type GgufHeader, type MetaValue, type TensorInfo } from './types.js';

/**
 * Reads a GGUF file's header (metadata and tensor infos) without loading tensor data, through a
 * small sliding buffer: a 150k-token vocabulary is a few MB of metadata.
 */
class FileCursor {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly file: string,
  ) {}

  private ensure(bytes: number): void {
    const end = this.position + bytes;
    if (end > this.size) throw new GgufError(`${this.file} ends inside its header (at byte ${this.position} of ${this.size}): the file is truncated`);
    if (this.position >= this.bufferStart && end <= this.bufferStart + this.buffer.length) return;
    const length = Math.min(Math.max(bytes, 1 << 20), this.size - this.position);
    this.buffer = Buffer.alloc(length);
    readSync(this.fd, this.buffer, 0, length, this.position);
    this.bufferStart = this.position;
  }

  private view(bytes: number): { buffer: Buffer; at: number } {
    this.ensure(bytes);
    const at = this.position - this.bufferStart;
    this.position += bytes;
    return { buffer: this.buffer, at };
  }

  u8 = () => {
    const { buffer, at } = this.view(1);
    return buffer.readUInt8(at);
  };
  i8 = () => {
    const { buffer, at } = this.view(1);
    return buffer.readInt8(at);
  };
  u16 = () => {
    const { buffer, at } = this.view(2);
    return buffer.readUInt16LE(at);
  };
  i16 = () => {
    const { buffer, at } = this.view(2);
    return buffer.readInt16LE(at);
  };
  u32 = () => {
    const { buffer, at } = this.view(4);
    return buffer.readUInt32LE(at);
  };
  i32 = () => {
    const { buffer, at } = this.view(4);
    return buffer.readInt32LE(at);
  };
  f32 = () => {
    const { buffer, at } = this.view(4);
    return buffer.readFloatLE(at);
  };
  f64 = () => {
    const { buffer, at } = this.view(8);
    return buffer.readDoubleLE(at);
  };
  u64 = () => {
    const { buffer, at } = this.view(8);
    return buffer.readBigUInt64LE(at);
  };
  i64 = () => {
    const { buffer, at } = this.view(8);
    return buffer.readBigInt64LE(at);
  };
  /** A count or length: a u64 that must fit the file. */
  count = (what: string) => {
    const n = this.u64();
    if (n > BigInt(this.size)) throw new GgufError(`${this.file}: ${what} ${n} is larger than the file; it is corrupt`);
    return Number(n);
  };
  string = () => {
    const length = this.count('a string length');
    const { buffer, at } = this.view(length);
    return buffer.toString('utf8', at, at + length);
  };
}

function readScalar(cursor: FileCursor, type: ValueType): string | number | bigint | boolean {
  switch (type) {
    case ValueType.UINT8:
      return cursor.u8();
    case ValueType.INT8:
      return cursor.i8();
    case ValueType.UINT16:
      return cursor.u16();
    case ValueType.INT16:
      return cursor.i16();
    case ValueType.UINT32:
      return cursor.u32();
    case ValueType.INT32:
      return cursor.i32();
    case ValueType.FLOAT32:
      return cursor.f32();
    case ValueType.BOOL:
      return cursor.u8() !== 0;
    case ValueType.STRING:
      return cursor.string();
    case ValueType.UINT64:
      return cursor.u64();
    case ValueType.INT64:
      return cursor.i64();
    case ValueType.FLOAT64:
      return cursor.f64();
    default:
      throw new GgufError(`${cursor.file}: unknown metadata value type ${type} at byte ${cursor.position}`);
  }
}

function readValue(cursor: FileCursor, type: ValueType): MetaValue {
  if (type === ValueType.ARRAY) {
    const elementType = cursor.u32() as ValueType;
    const length = cursor.count('an array length');
    const value: (string | number | bigint | boolean)[] = new Array(length);
    for (let i = 0; i < length; i++) value[i] = readScalar(cursor, elementType);
    return { type, elementType, value };
  }
  return { type, value: readScalar(cursor, type) } as MetaValue;
}

/** The header of a GGUF file; errors name the file and what is wrong with it. */
export function readGgufHeader(file: string): GgufHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GgufError(code === 'ENOENT' ? `model file ${file} does not exist` : `cannot open ${file}: ${(error as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const cursor = new FileCursor(fd, size, file);
    if (size < 24) throw new GgufError(`${file} is ${size} bytes: too small to be a GGUF file`);
    const magic = cursor.u32();
    if (magic !== GGUF_MAGIC) throw new GgufError(`${file} is not a GGUF file (magic 0x${magic.toString(16)}, expected 0x${GGUF_MAGIC.toString(16)} "GGUF")`);
    const version = cursor.u32();
    if (version < 2 || version > 3) throw new GgufError(`${file} is GGUF version ${version}; codeq reads versions 2 and 3`);
    const tensorCount = cursor.count('the tensor count');
    const kvCount = cursor.count('the metadata count');
    const metadata = new Map<string, MetaValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = cursor.string();
      metadata.set(key, readValue(cursor, cursor.u32() as ValueType));
    }
    const tensors: TensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = cursor.string();
      const dimCount = cursor.u32();
      if (dimCount > 4) throw new GgufError(`${file}: tensor ${name} has ${dimCount} dimensions; at most 4 are allowed`);
      const dims = Array.from({ length: dimCount }, () => cursor.count('a tensor dimension'));
      const type = cursor.u32();
      const offset = cursor.count('a tensor offset');
      tensors.push({ name, dims, type, offset });
    }
    const alignmentValue = metadata.get('general.alignment');
    const alignment = alignmentValue && typeof alignmentValue.value === 'number' ? alignmentValue.value : DEFAULT_ALIGNMENT;
    const dataOffset = Math.ceil(cursor.position / alignment) * alignment;
    for (const tensor of tensors) {
      if (tensor.offset % alignment !== 0) throw new GgufError(`${file}: tensor ${tensor.name} is not aligned to ${alignment} bytes`);
      const end = dataOffset + tensor.offset + tensorBytes(tensor);
      if (end > size) throw new GgufError(`${file}: tensor ${tensor.name} ends at byte ${end}, past the end of the file (${size}): the file is truncated`);
    }
    return { version, metadata, tensors, alignment, dataOffset };
  } finally {
    closeSync(fd);
  }
}

/** A metadata value as plain JS (arrays as arrays), or undefined. */
export function meta(header: GgufHeader, key: string): string | number | bigint | boolean | (string | number | bigint | boolean)[] | undefined {
  return header.metadata.get(key)?.value;
}

/** Reads one tensor's raw bytes. */
export function readTensorBytes(file: string, header: GgufHeader, name: string): Buffer {
  const tensor = header.tensors.find((t) => t.name === name);
  if (!tensor) throw new GgufError(`${file} has no tensor ${name}`);
  const bytes = Buffer.alloc(tensorBytes(tensor));
  const fd = openSync(file, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, header.dataOffset + tensor.offset);
  } finally {
    closeSync(fd);
  }
  return bytes;
}
