import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { meta, readGgufHeader, readTensorBytes } from '../../src/models/gguf/reader.js';
import { GgmlType, GgufError, ValueType } from '../../src/models/gguf/types.js';
import { f32Bytes, gguf, writeGguf } from '../../src/models/gguf/writer.js';

const dir = mkdtempSync(join(tmpdir(), 'codeq-gguf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GGUF writer and reader', () => {
  const file = join(dir, 'round.gguf');
  const a = new Float32Array([1, 2, 3, 4, 5, 6]);
  const b = new Float32Array([0.5]);
  writeGguf(
    file,
    [
      ['general.architecture', gguf.string('qwen2')],
      ['test.count', gguf.u32(7)],
      ['test.signed', gguf.i32(-3)],
      ['test.ratio', gguf.f32(0.25)],
      ['test.flag', gguf.bool(true)],
      ['test.words', gguf.strings(['a', 'Ġb', ''])],
      ['test.ints', gguf.i32s([1, -1])],
      ['test.big', { type: ValueType.UINT64, value: 2n ** 40n }],
    ],
    [
      { name: 'a', dims: [3, 2], type: GgmlType.F32, data: f32Bytes(a) },
      { name: 'b', dims: [1], type: GgmlType.F32, data: f32Bytes(b) },
    ],
  );

  it('reads back every metadata type and the tensors, aligned', () => {
    const header = readGgufHeader(file);
    expect(header.version).toBe(3);
    expect(meta(header, 'general.architecture')).toBe('qwen2');
    expect(meta(header, 'test.count')).toBe(7);
    expect(meta(header, 'test.signed')).toBe(-3);
    expect(meta(header, 'test.ratio')).toBe(0.25);
    expect(meta(header, 'test.flag')).toBe(true);
    expect(meta(header, 'test.words')).toEqual(['a', 'Ġb', '']);
    expect(meta(header, 'test.ints')).toEqual([1, -1]);
    expect(meta(header, 'test.big')).toBe(2n ** 40n);
    expect(header.tensors.map((t) => [t.name, t.dims, t.offset])).toEqual([
      ['a', [3, 2], 0],
      ['b', [1], 32],
    ]);
    expect(header.dataOffset % 32).toBe(0);
    expect(new Float32Array(new Uint8Array(readTensorBytes(file, header, 'a')).buffer)).toEqual(a);
    expect(new Float32Array(new Uint8Array(readTensorBytes(file, header, 'b')).buffer)).toEqual(b);
  });

  it('refuses tensor data that does not fit the dims', () => {
    expect(() => writeGguf(join(dir, 'bad.gguf'), [], [{ name: 'x', dims: [4], type: GgmlType.F32, data: new Uint8Array(8) }])).toThrow(/needs 16/);
  });

  it('names the file and the problem for missing, foreign and truncated files', () => {
    expect(() => readGgufHeader(join(dir, 'absent.gguf'))).toThrow(/absent.gguf does not exist/);
    const text = join(dir, 'text.gguf');
    writeFileSync(text, 'this is not a model at all, just text');
    expect(() => readGgufHeader(text)).toThrow(GgufError);
    expect(() => readGgufHeader(text)).toThrow(/is not a GGUF file/);
    const cut = join(dir, 'cut.gguf');
    writeFileSync(cut, readFileSync(file));
    truncateSync(cut, readGgufHeader(file).dataOffset + 34); // inside tensor b's 4 bytes at offset 32
    expect(() => readGgufHeader(cut)).toThrow(/past the end of the file.*truncated/);
    truncateSync(cut, 40);
    expect(() => readGgufHeader(cut)).toThrow(/truncated/);
  });
});
