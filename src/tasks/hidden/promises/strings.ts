import type { Random } from '../../../util/random.js';
import { numericExpression } from '../constraints.js';
import { indexOf, linesMatching, paramNamed, type BuildContext, type PromiseContext, type PromiseRecipe } from './types.js';

/** A balanced string of `pairs` open/close pairs: every prefix has at least as many opens. */
export function balanced(rng: Random, pairs: number, open: string, close: string): string {
  let out = '';
  let opened = 0;
  let left = pairs;
  while (left > 0 || opened > 0) {
    if (left > 0 && (opened === 0 || rng.chance(0.5))) {
      out += open;
      opened++;
      left--;
    } else {
      out += close;
      opened--;
    }
  }
  return out;
}

/** An even length within the parameter's bounds (at least 2). */
function evenLength(at: BuildContext, name: string): number {
  const n = Math.max(2, at.length(name));
  return n - (n % 2);
}

/**
 * "s is a valid parentheses string", "s is a special binary string" (1s open, 0s close, every
 * prefix has as many 1s as 0s or more): balanced strings of those characters.
 */
export const balancedString: PromiseRecipe = (context) => {
  for (const param of context.params.filter((p) => p.type.kind === 'string')) {
    const lines = linesMatching(context, new RegExp(`^${param.name} is a (?:valid parenthes[ie]s|special binary) string$`, 'i'));
    if (lines.length === 0) continue;
    const [open, close] = lines.some((l) => /binary/i.test(l)) ? ['1', '0'] : ['(', ')'];
    return {
      name: 'balanced string',
      lines,
      builds: [param.name],
      build(input, at) {
        input[indexOf(context, param.name)] = balanced(at.rng, evenLength(at, param.name) / 2, open!, close!);
        return true;
      },
    };
  }
  return null;
};

const WORDS_LINES = /\b(?:no leading or trailing spaces|separated by a single space|at least one word|words? (?:are|is) separated|single space)\b/i;

/**
 * A sentence: words of the parameter's letters, one space apart, no space at either end ("s has
 * no leading or trailing spaces", "all the words in s are separated by a single space", "there is
 * at least one word in s").
 */
export const sentence: PromiseRecipe = (context) => {
  for (const param of context.params.filter((p) => p.type.kind === 'string')) {
    const lines = linesMatching(context, WORDS_LINES).filter((l) => new RegExp(`\\b${param.name}\\b`).test(l));
    if (lines.length === 0) continue;
    const alphabet = [...(context.constraints.alphabets.get(param.name) ?? 'abcdefghijklmnopqrstuvwxyz')].filter((c) => c !== ' ');
    return {
      name: 'sentence',
      lines,
      builds: [param.name],
      build(input, at) {
        const length = Math.max(1, at.length(param.name));
        const words: string[] = [];
        let used = 0;
        while (used < length) {
          const word = Array.from({ length: at.rng.int(1, Math.min(8, Math.max(1, length - used))) }, () => at.rng.pick(alphabet)).join('');
          words.push(word);
          used += word.length + 1;
        }
        input[indexOf(context, param.name)] = words.join(' ');
        return true;
      },
    };
  }
  return null;
};

/** Digit strings compare by length, then digit by digit. */
const numericLess = (a: string, b: string) => (a.length !== b.length ? a.length < b.length : a < b);

/** A random number of exactly `digits` digits (no leading zero unless it is 0). */
function digitString(rng: Random, digits: number): string {
  if (digits === 1) return String(rng.int(0, 9));
  return String(rng.int(1, 9)) + Array.from({ length: digits - 1 }, () => String(rng.int(0, 9))).join('');
}

/**
 * Numbers given as digit strings with bounds on their values (`1 <= int(low) <= int(high) < 10^100`):
 * random values of every number of digits up to the bound (or the generator's longest string), in
 * order, without leading zeros. Digits, not floats: the bound may be far past 2^53.
 */
export const numericStrings: PromiseRecipe = (context) => {
  const line = context.lines.find((l) => /int\(\s*\w+\s*\)/.test(l) && /<=?/.test(l));
  if (!line) return null;
  const pieces = line.split(/\s*(<=|<)\s*/);
  const values = pieces.filter((_, i) => i % 2 === 0);
  const names = values.map((p) => /^int\(\s*(\w+)\s*\)$/.exec(p)?.[1]).filter((n): n is string => n !== undefined && paramNamed(context, n)?.type.kind === 'string');
  const lo = numericExpression(values[0]!);
  const hi = numericExpression(values[values.length - 1]!);
  if (names.length === 0 || lo === null || hi === null) return null;
  // Every number of floor(log10(hi)) digits is below hi (`< 10^100`: 100 digits; `<= 2 * 10^9`: 9).
  const mostDigits = Math.max(1, Math.floor(Math.log10(hi) + 1e-12));
  return {
    name: 'numbers as digit strings',
    lines: [line, ...linesMatching(context, /\b(?:consists? (?:of )?only (?:of )?digits|only consists? of digits|leading zeros?)\b/i)],
    builds: names,
    build(input, at) {
      const top = Math.min(mostDigits, at.maxLength);
      const fewest = String(Math.max(0, Math.ceil(lo))).length;
      const drawn = names.map(() => {
        let text = digitString(at.rng, at.rng.int(fewest, Math.max(fewest, top)));
        if (text.length === fewest && numericLess(text, String(Math.ceil(lo)))) text = String(Math.ceil(lo));
        return text;
      });
      drawn.sort((a, b) => (numericLess(a, b) ? -1 : numericLess(b, a) ? 1 : 0));
      names.forEach((name, i) => (input[indexOf(context, name)] = drawn[i]!));
      return true;
    },
  };
};

/** The characters a phrase allows: "a lowercase letter", "a digit", "either '=' or '!'", "'='". */
function charactersOf(phrase: string): string | null {
  const quoted = [...phrase.matchAll(/'(.)'/g)].map((m) => m[1]!);
  if (quoted.length) return quoted.join('');
  if (/lower ?case (?:English )?letter/i.test(phrase)) return 'abcdefghijklmnopqrstuvwxyz';
  if (/upper ?case (?:English )?letter/i.test(phrase)) return 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  if (/\bdigit/i.test(phrase)) return '0123456789';
  return null;
}

/**
 * Strings described character by character (`equations[i][1] is either '=' or '!'`,
 * `equations[i].length == 4`): each position drawn from what its line allows.
 */
export const positionalCharacters: PromiseRecipe = (context) => {
  for (const param of context.params.filter((p) => p.type.kind === 'list' && p.type.of.kind === 'string')) {
    const positions = new Map<number, string>();
    const lines: string[] = [];
    for (const line of context.lines) {
      const match = new RegExp(`^${param.name}\\[i\\]\\[(\\d+)\\] is (?:either )?(.+)$`).exec(line);
      const chars = match ? charactersOf(match[2]!) : null;
      if (match && chars) (positions.set(Number(match[1]), chars), lines.push(line));
    }
    if (positions.size === 0) continue;
    const fixed = context.lines.find((l) => new RegExp(`^${param.name}\\[i\\]\\.length == (\\d+)$`).test(l));
    const width = fixed ? Number(/(\d+)$/.exec(fixed)![1]) : Math.max(...positions.keys()) + 1;
    // Positions no line names take the strings' alphabet (`details[i] consists of digits`).
    const rest = context.constraints.alphabets.get(param.name);
    if ([...Array(width).keys()].some((k) => !positions.has(k)) && !rest) continue;
    if (fixed) lines.push(fixed);
    return {
      name: 'strings by position',
      lines,
      builds: [param.name],
      build(input, at) {
        const count = Math.max(1, at.length(param.name));
        input[indexOf(context, param.name)] = Array.from({ length: count }, () => Array.from({ length: width }, (_, k) => at.rng.pick([...(positions.get(k) ?? rest!)])).join(''));
        return true;
      },
    };
  }
  return null;
};

/** "s2 is an anagram of s1": the second a shuffle of the first (which mutates as usual). */
export const anagramOf: PromiseRecipe = (context: PromiseContext) => {
  for (const line of context.lines) {
    const match = /^(\w+) is an anagram of (\w+)$/.exec(line);
    if (!match || paramNamed(context, match[1]!)?.type.kind !== 'string' || paramNamed(context, match[2]!)?.type.kind !== 'string') continue;
    const [, copy, source] = match as unknown as [string, string, string];
    return {
      name: 'anagram',
    dependent: true,
      lines: [line],
      builds: [copy],
      build(input, at) {
        input[indexOf(context, copy)] = at.rng.shuffle([...(input[indexOf(context, source)] as string)]).join('');
        return true;
      },
    };
  }
  return null;
};

/**
 * A baseball game's operations: integers, "+", "D" and "C", each only where enough scores are on
 * the record ("for operation '+', there will always be at least two previous scores").
 */
export const scoreOperations: PromiseRecipe = (context) => {
  const param = context.params.find((p) => p.type.kind === 'list' && p.type.of.kind === 'string');
  if (!param) return null;
  const lines = linesMatching(context, new RegExp(`\\b${param.name}\\b.*"C".*"D"|For operations? "[+CD]"`, 'i'));
  if (lines.length < 2) return null;
  const line = lines.find((l) => /range \[/.test(l));
  const range = /range \[\s*([^,\]]+),\s*([^\]]+)\]/.exec(line ?? '');
  const lo = range ? (numericExpression(range[1]!) ?? -100) : -100;
  const hi = range ? (numericExpression(range[2]!) ?? 100) : 100;
  return {
    name: 'score operations',
    lines,
    builds: [param.name],
    build(input, at) {
      const ops: string[] = [];
      const record: number[] = [];
      const length = Math.max(1, at.length(param.name));
      while (ops.length < length) {
        const choice = at.rng.int(0, 5);
        if (choice === 0 && record.length >= 2) (ops.push('+'), record.push(record[record.length - 1]! + record[record.length - 2]!));
        else if (choice === 1 && record.length >= 1) (ops.push('D'), record.push(2 * record[record.length - 1]!));
        else if (choice === 2 && record.length >= 1) (ops.push('C'), record.pop());
        else {
          const score = at.rng.int(Math.max(lo, -50), Math.min(hi, 50));
          ops.push(String(score));
          record.push(score);
        }
      }
      input[indexOf(context, param.name)] = ops;
      return true;
    },
  };
};

/** "All words in strs have the same length and are anagrams of each other": shuffles of one word. */
export const anagramGroup: PromiseRecipe = (context) => {
  const line = context.lines.find((l) => /same length and are anagrams of each other/i.test(l));
  const param = context.params.find((p) => p.type.kind === 'list' && p.type.of.kind === 'string' && line !== undefined && new RegExp(`\\b${p.name}\\b`).test(line));
  if (!line || !param) return null;
  const alphabet = [...(context.constraints.alphabets.get(param.name) ?? 'abcdefghijklmnopqrstuvwxyz')];
  return {
    name: 'anagram group',
    lines: [line],
    builds: [param.name],
    build(input, at) {
      const word = Array.from({ length: Math.max(1, at.length(param.name, 1)) }, () => at.rng.pick(alphabet.slice(0, at.rng.int(2, alphabet.length))));
      const count = Math.max(1, at.length(param.name));
      // A few distinct shuffles, some repeated, so groups form.
      const variants = Array.from({ length: at.rng.int(1, 4) }, () => at.rng.shuffle([...word]).join(''));
      input[indexOf(context, param.name)] = Array.from({ length: count }, () => at.rng.pick(variants));
      return true;
    },
  };
};

/** The lcp matrix of `word`: lcp[i][j] = the longest common prefix of word[i..] and word[j..]. */
export function lcpMatrix(word: string): number[][] {
  const n = word.length;
  const lcp = Array.from({ length: n + 1 }, () => Array<number>(n + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = n - 1; j >= 0; j--) lcp[i]![j] = word[i] === word[j] ? lcp[i + 1]![j + 1]! + 1 : 0;
  return lcp.slice(0, n).map((row) => row.slice(0, n));
}

/**
 * "The lcp matrix of any string": random matrices are almost never one (every answer would be
 * ""), so most inputs are the matrix of a random word over a few letters and the rest that
 * matrix with one cell (or a symmetric pair of cells) off by one, which usually has no word.
 */
export const lcpOfAWord: PromiseRecipe = (context) => {
  const lcp = context.params.find((p) => p.type.kind === 'list' && p.type.of.kind === 'list' && p.type.of.of.kind === 'int');
  if (!lcp || context.params.length !== 1 || !/\blcp matrix\b/i.test(context.description)) return null;
  return {
    name: 'lcp matrix of a word',
    lines: linesMatching(context, new RegExp(`\\b${lcp.name}\\b`)),
    builds: [lcp.name],
    build(input, at) {
      const n = Math.max(1, at.length(lcp.name));
      const letters = at.rng.pick([1, 2, 3, 26]);
      const word = Array.from({ length: n }, () => String.fromCharCode(97 + at.rng.int(0, letters - 1))).join('');
      const matrix = lcpMatrix(word);
      if (at.rng.chance(0.3)) {
        const i = at.rng.int(0, n - 1);
        const j = at.rng.int(0, n - 1);
        const value = Math.max(0, Math.min(n, matrix[i]![j]! + (at.rng.chance(0.5) ? 1 : -1)));
        matrix[i]![j] = value;
        if (at.rng.chance(0.5)) matrix[j]![i] = value;
      }
      input[indexOf(context, lcp.name)] = matrix;
      return true;
    },
  };
};
