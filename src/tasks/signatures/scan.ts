/** Small lexical helpers for reading declarations out of source text. */

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };

/** Index just past the bracket that closes the one at `start` (strings and chars skipped). */
export function matchingClose(text: string, start: number, pairs = '([{'): number {
  const stack: string[] = [];
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      i = skipQuoted(text, i);
      continue;
    }
    if (pairs.includes(c)) stack.push(OPEN[c]!);
    else if (stack.length > 0 && c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  return -1;
}

function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
    else if (text[i] === '\n') return i;
  }
  return text.length;
}

/** Splits at commas that are not inside (), [], {} or <>. */
export function splitTopLevel(text: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if ('([{<'.includes(c)) depth++;
    if (')]}>'.includes(c)) depth--;
    if (c === separator && depth === 0) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Replaces comments and string/char literal contents with spaces, keeping every offset. */
export function blankCommentsAndStrings(code: string, hashComments: boolean): string {
  let out = '';
  for (let i = 0; i < code.length; i++) {
    const c = code[i]!;
    const next = code[i + 1];
    if (!hashComments && c === '/' && next === '/') {
      while (i < code.length && code[i] !== '\n') (out += ' '), i++;
      out += code[i] ?? '';
    } else if (!hashComments && c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      const stop = end < 0 ? code.length : end + 2;
      for (; i < stop; i++) out += code[i] === '\n' ? '\n' : ' ';
      i--;
    } else if (hashComments && c === '#') {
      while (i < code.length && code[i] !== '\n') (out += ' '), i++;
      out += code[i] ?? '';
    } else if (c === '"' || c === "'") {
      const end = skipQuoted(code, i);
      out += c + ' '.repeat(Math.max(0, end - i - 1)) + (code[end] ?? '');
      i = end;
    } else out += c;
  }
  return out;
}
