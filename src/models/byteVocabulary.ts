/**
 * A byte-level BPE vocabulary in GPT-2's conventions (what `tokenizer.ggml.model = gpt2` means):
 * every byte is a token, spelled with GPT-2's printable stand-ins (a space is "Ġ"), and merges
 * join frequent pairs into longer tokens. Special ChatML tokens come last.
 */

/** GPT-2's byte → printable character map. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCharCode(printable.includes(b) ? b : 256 + extra++);
  return map;
}

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

export interface ByteVocabulary {
  tokens: string[];
  /** 1 = normal, 3 = control (llama.cpp's token types). */
  tokenTypes: number[];
  merges: string[];
  ids: Record<(typeof SPECIAL_TOKENS)[number], number>;
}

/** Frequent pairs in code and chat text, merged in this order (each merge makes a new token). */
const MERGES: [string, string][] = [
  ['Ġ', 'Ġ'],
  ['ĠĠ', 'ĠĠ'],
  ['i', 'n'],
  ['Ġ', 't'],
  ['e', 'r'],
  ['o', 'n'],
  ['r', 'e'],
  ['Ġ', 'a'],
  ['Ġ', 's'],
  ['h', 'e'],
  ['e', 'n'],
  ['Ġt', 'he'],
  ['s', 'e'],
  ['Ġ', '='],
  ['Ġ', 'i'],
  ['r', 'n'],
  ['u', 'rn'],
  ['t', 'urn'],
  ['re', 'turn'],
  ['Ġ', 'return'],
  ['d', 'e'],
  ['Ġ', 'de'],
  ['Ġde', 'f'],
  ['a', 's'],
  ['c', 'l'],
  ['cl', 'as'],
  ['clas', 's'],
  ['Ċ', 'ĠĠĠĠ'],
];

export function byteVocabulary(): ByteVocabulary {
  const tokens = [...bytesToUnicode()];
  const merges: string[] = [];
  const known = new Set(tokens);
  for (const [a, b] of MERGES) {
    if (!known.has(a) || !known.has(b)) throw new Error(`merge ${a} ${b} uses a token not in the vocabulary`);
    merges.push(`${a} ${b}`);
    if (!known.has(a + b)) {
      tokens.push(a + b);
      known.add(a + b);
    }
  }
  const tokenTypes = tokens.map(() => 1);
  const ids = {} as ByteVocabulary['ids'];
  for (const special of SPECIAL_TOKENS) {
    ids[special] = tokens.length;
    tokens.push(special);
    tokenTypes.push(3);
  }
  return { tokens, tokenTypes, merges, ids };
}
