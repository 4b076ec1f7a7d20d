/**
 * Values as LeetCode writes them in examples, and as codeq's drivers print results: JSON, plus
 * single-quoted strings, Python's True/False/None, and integers beyond 2^53 kept exact (bigint).
 */
export type Value = null | boolean | number | bigint | string | Value[];

export class LiteralError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'LiteralError';
  }
}

const WORDS: Record<string, Value> = { true: true, false: false, null: null, True: true, False: false, None: null };

/** Parses one value starting at `start` (leading whitespace skipped); returns it and where it ended. */
export function parseValueAt(text: string, start: number): { value: Value; end: number } {
  let i = start;
  const fail = (message: string): never => {
    throw new LiteralError(`${message} at position ${i}`, i);
  };
  const skip = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): Value => {
    skip();
    const c = text[i];
    if (c === undefined) return fail('expected a value, found the end');
    if (c === '[') {
      i++;
      const items: Value[] = [];
      skip();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(value());
        skip();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        return fail(`expected ',' or ']', found ${JSON.stringify(text[i] ?? 'the end')}`);
      }
    }
    if (c === '"' || c === "'") return string(c);
    if (c === '-' || c === '+' || /[0-9.]/.test(c)) return number();
    const word = /^[A-Za-z_]\w*/.exec(text.slice(i))?.[0];
    if (word && word in WORDS) {
      i += word.length;
      return WORDS[word]!;
    }
    return fail(`unexpected ${JSON.stringify(word ?? c)}`);
  };
  const string = (quote: string): string => {
    i++;
    let out = '';
    while (i < text.length && text[i] !== quote) {
      const c = text[i++]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++];
      if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
      } else {
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\', '"': '"', "'": "'" };
        if (e === undefined || !(e in simple)) fail(`bad escape \\${e ?? ''}`);
        out += simple[e!];
      }
    }
    if (text[i] !== quote) fail('unterminated string');
    i++;
    return out;
  };
  const number = (): number | bigint => {
    const match = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    if (!match) return fail('bad number');
    i += match[0].length;
    const literal = match[0].replace(/^\+/, '');
    if (/^-?\d+$/.test(literal)) {
      const big = BigInt(literal);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    return Number(literal);
  };
  const result = value();
  return { value: result, end: i };
}

/** Parses text that must hold exactly one value. */
export function parseValue(text: string): Value {
  const { value, end } = parseValueAt(text, 0);
  if (text.slice(end).trim() !== '') throw new LiteralError(`unexpected text after the value: ${JSON.stringify(text.slice(end, end + 20))}`, end);
  return value;
}

/** JSON text of a value (bigints as exact digits), compact: the form drivers read and print. */
export function formatValue(value: Value): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(formatValue).join(',')}]`;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError(`${value} has no JSON form`);
  return JSON.stringify(value);
}

export function isInteger(value: Value): value is number | bigint {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}
