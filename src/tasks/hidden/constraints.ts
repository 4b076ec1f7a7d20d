/**
 * What a LeetCode `constraints` text says about inputs, as far as it parses: ranges of values and
 * lengths, relations between them, alphabets, uniqueness and order. DebugBench lost superscripts,
 * so "10^5" reads "105" and "2^31" reads "231"; both are read back as powers.
 */

/** `nums.length` → {name: 'nums', depth: 0, prop: 'length'}; `grid[i][j]` → depth 2, 'value'. */
export interface Ref {
  name: string;
  depth: number;
  prop: 'value' | 'length';
  /** For rows described as `edges[i] = [fromi, toi]`: the position of the named field in each row. */
  field?: number;
}

export interface Bound {
  lo?: number;
  hi?: number;
}

export interface Relation {
  left: Ref;
  op: '<=' | '<' | '==' | '!=';
  right: Ref;
}

export interface Constraints {
  /** Keyed by refKey(ref). */
  bounds: Map<string, { ref: Ref; bound: Bound }>;
  relations: Relation[];
  /** Allowed characters of a string parameter (or of the strings in a list). */
  alphabets: Map<string, string>;
  unique: Set<string>;
  sorted: Map<string, 'asc' | 'desc'>;
  /** Number of nodes of the tree parameter and of the linked-list parameter. */
  nodeCount: { tree?: Bound; list?: Bound };
  /** Digit strings that must not start with 0. */
  noLeadingZeros: Set<string>;
  /** `flowerbed[i] is 0 or 1`: the only values elements take. */
  elementValues: Map<string, number[]>;
  /**
   * Parameters named by lines that did not parse (prose such as "the graph is acyclic"): their
   * values must not be mutated, since nothing here can keep such promises.
   */
  frozen: Set<string>;
  /** Each line that froze something, with the parameters it froze (a promise that keeps it unfreezes them). */
  prose: { line: string; names: string[] }[];
  /** `s[0] is '1'`, `grid[0][0] == grid[m - 1][n - 1] == 0`: values at the first or last position. */
  fixedPositions: { name: string; path: ('first' | 'last')[]; value: number | string }[];
  /** `nums[i] != nums[i + 1] for all valid i`: neighbours differ. */
  adjacentDistinct: Set<string>;
  /** `nums.length is divisible by k`, `skill.length is even`: lengths that are multiples (of a number or of an int parameter). */
  lengthMultiples: { name: string; of: number | string; quotient?: string }[];
  /** `No letter occurs more than once in words[i]`: strings (or the strings in a list) without a repeated character. */
  uniqueCharacters: Set<string>;
  /** `price[i] is an even integer`. */
  elementParity: Map<string, 'even' | 'odd'>;
}

export const refKey = (ref: Ref) => `${ref.name}${'[]'.repeat(ref.depth)}${ref.field === undefined ? '' : `#${ref.field}`}.${ref.prop}`;
/** Node values of a tree or linked list parameter are written `Node.val`. */
export const NODE = 'Node';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

/** A number as DebugBench prints it, superscripts lost: 105 → 10^5, 231 → 2^31. */
function numberToken(token: string): number | null {
  if (!/^\d+(\.\d+)?$/.test(token)) return null;
  const power10 = /^10(\d{1,2})$/.exec(token);
  if (power10 && Number(power10[1]) >= 2 && !power10[1]!.startsWith('0')) return 10 ** Number(power10[1]);
  const power2 = /^2(31|32|63|64)$/.exec(token);
  if (power2) return 2 ** Number(power2[1]);
  return Number(token);
}

/** `2 * 104`, `231 - 1`, `-109`, `109 + 7`: numbers with * + - (no parentheses). */
export function numericExpression(text: string): number | null {
  const compact = text.replace(/\s+/g, ' ').trim();
  if (!/^-?\s?[\d.]+(\s?[*+\-x^]\s?-?[\d.]+)*$/.test(compact)) return null;
  const tokens = compact.match(/[\d.]+|[*+\-x^]/g) ?? [];
  const values: number[] = [];
  const ops: string[] = [];
  let sign = 1;
  let expectNumber = true;
  for (const token of tokens) {
    if (expectNumber) {
      if (token === '-') {
        sign = -sign;
        continue;
      }
      const n = numberToken(token);
      if (n === null) return null;
      const last = ops[ops.length - 1];
      if (last === '*' || last === 'x' || last === '^') {
        ops.pop();
        const left = values.pop()!;
        // -10^6 is -(10^6): the sign stays outside the power.
        values.push(last === '^' ? Math.sign(left) * Math.abs(left) ** (sign * n) : left * sign * n);
      } else values.push(sign * n);
      sign = 1;
      expectNumber = false;
    } else {
      ops.push(token);
      expectNumber = true;
    }
  }
  if (expectNumber) return null;
  let total = values[0]!;
  let v = 1;
  for (const op of ops) total = op === '+' ? total + values[v++]! : op === '-' ? total - values[v++]! : total;
  return total;
}

const REF = /^([A-Za-z_]\w*)((?:\s*\[\s*[a-z]\w*\s*\])*)(?:\s*\[\s*(\d+)\s*\])?(\.length|\.size\(\)|\.val)?$/;

/** `nums[i]`, `grid[i].length`, `points[i][0]` (a field of each row), `Node.val`. */
export function parseRef(text: string): Ref | null {
  const match = REF.exec(text.trim());
  if (!match) return null;
  const depth = (match[2]!.match(/\[/g) ?? []).length;
  const prop = match[4] === '.length' || match[4] === '.size()' ? 'length' : 'value';
  if (match[3] !== undefined) return depth === 1 ? { name: match[1]!, depth, prop, field: Number(match[3]) } : null;
  return { name: match[1]!, depth, prop };
}

/** `offset`: `n - 1` is n with offset -1 (integers, so `x <= n - 1` is `x < n`). */
type Side = { kind: 'number'; value: number } | { kind: 'refs'; refs: Ref[]; offset: number };

function side(text: string): Side | null {
  const n = numericExpression(text);
  if (n !== null) return { kind: 'number', value: n };
  const shifted = /^(.*\S)\s*([+-])\s*1$/.exec(text.trim());
  const body = shifted ? shifted[1]! : text;
  const refs = body.split(',').map((part) => parseRef(part));
  const offset = shifted ? (shifted[2] === '+' ? 1 : -1) : 0;
  return refs.every((r): r is Ref => r !== null) && refs.length > 0 ? { kind: 'refs', refs, offset } : null;
}

function tighten(bounds: Constraints['bounds'], ref: Ref, bound: Bound): void {
  const key = refKey(ref);
  const current = bounds.get(key)?.bound ?? {};
  bounds.set(key, {
    ref,
    bound: {
      lo: bound.lo === undefined ? current.lo : Math.max(bound.lo, current.lo ?? -Infinity),
      hi: bound.hi === undefined ? current.hi : Math.min(bound.hi, current.hi ?? Infinity),
    },
  });
}

function alphabetOf(phrase: string): string | null {
  const p = phrase.toLowerCase();
  let chars = '';
  const quoted = [...phrase.matchAll(/'(.)'/g)].map((m) => m[1]!);
  if (quoted.length > 0 && !/letters|digits/.test(p)) return [...new Set(quoted)].join('');
  if (/lower ?case/.test(p) || (/english letters/.test(p) && !/upper ?case/.test(p))) chars += LOWER;
  if (/upper ?case/.test(p) || (/english letters/.test(p) && !/lower ?case/.test(p) && !/lowercase/.test(p))) chars += UPPER;
  if (/digit/.test(p)) chars += DIGITS;
  if (chars === '') return null;
  for (const q of quoted) if (!chars.includes(q)) chars += q;
  return [...new Set(chars)].join('');
}

/**
 * `edges[i] = [fromi, toi]` in the statement names the fields of each row of edges; constraints
 * then speak of `fromi` and `toi`.
 */
export function rowFields(description: string, paramNames: string[]): Map<string, Ref> {
  const fields = new Map<string, Ref>();
  for (const match of description.matchAll(/\b([A-Za-z_]\w*)\[i\]\s*=\s*\[([^\]]+)\]/g)) {
    if (!paramNames.includes(match[1]!)) continue;
    match[2]!.split(',').forEach((field, index) => {
      const name = field.trim();
      if (/^[A-Za-z_]\w*$/.test(name)) fields.set(name, { name: match[1]!, depth: 1, prop: 'value', field: index });
    });
  }
  return fields;
}

/** `s and words[i]`, `word1, word2`, `s1, s2, and baseStr` → the names. */
function subjectNames(text: string): string[] {
  return [...text.matchAll(/([A-Za-z_]\w*)(?:\[i\])*/g)].map((m) => m[1]!).filter((n) => n !== 'and' && n !== 'Both');
}

/** The characters with codes lo..hi. */
const asciiRange = (lo: number, hi: number) => Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => String.fromCharCode(lo + i)).join('');
const PRINTABLE = asciiRange(32, 126);

const INDEX_POSITION = (index: string): 'first' | 'last' => (index.trim() === '0' ? 'first' : 'last');

/** `grid[0][0]`, `obstacles[n]`, `s[0]` → the name and first/last per index; null for other text. */
function positionRef(text: string): { name: string; path: ('first' | 'last')[] } | null {
  const match = /^([A-Za-z_]\w*)((?:\[[^\]]+\])+)$/.exec(text.trim());
  if (!match) return null;
  const indices = [...match[2]!.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
  // `nums[i]` is every element, not a position (`obstacles[n]` is the last one).
  if (indices.some((i) => /^[ijk]$/.test(i.trim()))) return null;
  return { name: match[1]!, path: indices.map(INDEX_POSITION) };
}

/** A value at a position: a number or a quoted character. */
function positionValue(text: string): number | string | null {
  const quoted = /^'(.)'$/.exec(text.trim());
  if (quoted) return quoted[1]!;
  return numericExpression(text);
}

/** A constraints text as lines: trimmed, without a final period, invisible and non-breaking spaces made plain. */
export function constraintLines(text: string): string[] {
  return text
    .replace(/\u200b/g, '')
    .replace(/\u00a0/g, ' ')
    .split('\n')
    .map((raw) => raw.trim().replace(/\.$/, '').trim())
    .filter((line) => line !== '');
}

export function parseConstraints(text: string, paramNames: string[], description = ''): Constraints {
  const result: Constraints = {
    bounds: new Map(),
    relations: [],
    alphabets: new Map(),
    unique: new Set(),
    sorted: new Map(),
    frozen: new Set(),
    prose: [],
    nodeCount: {},
    noLeadingZeros: new Set(),
    elementValues: new Map(),
    fixedPositions: [],
    adjacentDistinct: new Set(),
    lengthMultiples: [],
    uniqueCharacters: new Set(),
    elementParity: new Map(),
  };
  const known = new Set([...paramNames, NODE]);
  const fields = rowFields(description, paramNames);
  const isParam = (name: string) => paramNames.includes(name);
  const excluded = new Map<string, string[]>();
  const shifted = new Map<string, { ref: Ref; offset: number }>();
  const freeze = (line: string, names: string[]) => {
    if (names.length === 0) return;
    for (const name of names) result.frozen.add(name);
    result.prose.push({ line, names });
  };
  for (const line of constraintLines(text)) {
    const nodes = /number of nodes in (?:the |both |each |the given )?(?:binary )?(trees?|lists?|linked lists?)(?: \w+)? (?:is|are|will be) in the range \[\s*([^,\]]+),\s*([^\]]+)\]/i.exec(line);
    if (nodes) {
      const lo = numericExpression(nodes[2]!);
      const hi = numericExpression(nodes[3]!);
      if (lo !== null && hi !== null) result.nodeCount[nodes[1]!.startsWith('tree') ? 'tree' : 'list'] = { lo, hi };
      continue;
    }
    const without = /^([A-Za-z_]\w*) does not contain ((?:'[^']+'|"[^"]+")(?:\s*(?:,|or|and)\s*(?:'[^']+'|"[^"]+"))*)$/.exec(line);
    if (without && isParam(without[1]!)) {
      const chars = [...without[2]!.matchAll(/'([^']+)'|"([^"]+)"/g)].map((m) => (m[1] ?? m[2]!).replace(/^\\(.)$/, '$1'));
      excluded.set(without[1]!, [...(excluded.get(without[1]!) ?? []), ...chars]);
      continue;
    }
    const noRepeat = /^no (?:letter|character)s? (?:occurs?|appears?) more than once in ([A-Za-z_]\w*)/i.exec(line);
    if (noRepeat && isParam(noRepeat[1]!)) {
      result.uniqueCharacters.add(noRepeat[1]!);
      continue;
    }
    if (/\b(unique|distinct)\b/i.test(line)) {
      if (/\bnode/i.test(line)) result.unique.add(NODE);
      for (const name of paramNames) if (new RegExp(`\\b${name}\\b`).test(line)) result.unique.add(name);
      continue;
    }
    const sorted = /^([A-Za-z_]\w*)(?:\[i\])* is (?:sorted in (?:a )?)?(strictly )?(non-decreasing|ascending|increasing|non-increasing|descending|decreasing)/i.exec(line);
    if (sorted && known.has(sorted[1]!)) {
      result.sorted.set(sorted[1]!, /non-increasing|descending|decreasing/.test(sorted[3]!) && !/non-decreasing/.test(sorted[3]!) ? 'desc' : 'asc');
      if (sorted[2]) result.unique.add(sorted[1]!);
      continue;
    }
    // Sizes are kept small anyway: totals and a tree's size by name say nothing more.
    if (/\bsum\(|^The sum of .*\.length\b|number of nodes in the (tree|list) is \w+$/i.test(line)) continue;
    const subjects = /^(?:Both\s+)?([A-Za-z_]\w*(?:\[i\])*(?:\s*(?:,\s*and\b|,|\band\b)\s*[A-Za-z_]\w*(?:\[i\])*)*)\s+(?:will\s+)?(?:only\s+)?(?:consists?|contains?|is made up|are made up)(?: only)?(?: of)? (.*)$/i.exec(line);
    if (subjects) {
      const ascii = /ASCII values in the range \[\s*(\d+)\s*,\s*(\d+)\s*\]/i.exec(subjects[2]!);
      const chars = ascii ? asciiRange(Number(ascii[1]), Number(ascii[2])) : /printable ASCII/i.test(subjects[2]!) ? PRINTABLE : alphabetOf(subjects[2]!);
      const names = subjectNames(subjects[1]!).filter((n) => known.has(n));
      if (chars && names.length) for (const name of names) result.alphabets.set(name, chars);
      else freeze(line, names);
      continue;
    }
    const either = /^(?:The values in )?([A-Za-z_]\w*)(?:\[[a-z]\])* (?:is|are) (?:either )?(.+ or .+)$/i.exec(line);
    if (either && known.has(either[1]!)) {
      const options = either[2]!.split(/\s*(?:,|\bor\b)\s*/).map((o) => o.trim().replace(/'s$/, '')).filter(Boolean);
      const numbers = options.map((o) => numericExpression(o));
      if (numbers.every((n): n is number => n !== null)) result.elementValues.set(either[1]!, numbers);
      else if (options.every((o) => /^'.'$/.test(o))) result.alphabets.set(either[1]!, options.map((o) => o[1]).join(''));
      else freeze(line, [either[1]!]);
      continue;
    }
    if (/leading (zero|0)/i.test(line)) {
      for (const name of paramNames) if (new RegExp(`\\b${name}\\b`).test(line)) result.noLeadingZeros.add(name);
      continue;
    }
    // `s[0] is '1'`, `parent[0] == -1`, `grid[0][0] == grid[m - 1][n - 1] == 0`.
    const pieces = line.split(/\s*(?:==|\bis\b)\s*/);
    const positions = pieces.slice(0, -1).map(positionRef);
    const fixedValue = pieces.length >= 2 ? positionValue(pieces[pieces.length - 1]!) : null;
    if (fixedValue !== null && positions.length > 0 && positions.every((p) => p !== null && isParam(p.name))) {
      for (const p of positions) result.fixedPositions.push({ name: p!.name, path: p!.path, value: fixedValue });
      continue;
    }
    const parity = /^([A-Za-z_]\w*)\[i\] is an? (even|odd) (?:integer|number)$/i.exec(line);
    if (parity && isParam(parity[1]!)) {
      result.elementParity.set(parity[1]!, parity[2]!.toLowerCase() as 'even' | 'odd');
      continue;
    }
    const neighbours = /^([A-Za-z_]\w*)\[i\]\s*!=\s*\1\[i\s*\+\s*1\]/.exec(line);
    if (neighbours && isParam(neighbours[1]!)) {
      result.adjacentDistinct.add(neighbours[1]!);
      continue;
    }
    const multiple = /^([A-Za-z_]\w*)\.length (?:is (?:divisible by|a multiple of) (\w+)|is (even)|== (\d+) \* ([A-Za-z_]\w*))$/.exec(line);
    if (multiple && isParam(multiple[1]!)) {
      const of = multiple[3] ? 2 : multiple[2] !== undefined ? (/^\d+$/.test(multiple[2]) ? Number(multiple[2]) : multiple[2]) : Number(multiple[4]);
      if (typeof of === 'number' || isParam(of)) {
        result.lengthMultiples.push({ name: multiple[1]!, of, ...(multiple[5] && isParam(multiple[5]) ? { quotient: multiple[5] } : {}) });
        continue;
      }
    }
    if (!parseChain(line, result)) {
      // `obstacles.length == n + 1` with no parameter n: it names a size, it does not constrain one.
      const defining = /^([A-Za-z_]\w*(?:\[i\])?\.length)\s*==\s*([^=<>]+)$/.exec(line);
      if (defining && [...defining[2]!.matchAll(/[A-Za-z_]\w*/g)].every((m) => !isParam(m[0]))) {
        const offset = /^([A-Za-z_]\w*)\s*([+-])\s*(\d+)$/.exec(defining[2]!.trim());
        const ref = parseRef(defining[1]!);
        if (offset && ref) shifted.set(offset[1]!, { ref, offset: (offset[2] === '+' ? 1 : -1) * Number(offset[3]) });
        continue;
      }
      // Prose this parser cannot keep: freeze what it talks about.
      const named = [...paramNames.filter((n) => new RegExp(`\\b${n}\\b`).test(line)), ...[...fields].filter(([f]) => new RegExp(`\\b${f}\\b`).test(line)).map(([, r]) => r.name)];
      if (named.length > 0) freeze(line, [...new Set(named)]);
      else if (/guarantee|valid|acyclic|connected|no cycle|exists?\b|tree|graph|path/i.test(line)) freeze(line, paramNames);
    }
  }
  // `s does not contain '"' or '\\'`: out of the alphabet given elsewhere.
  for (const [name, chars] of excluded) {
    const alphabet = result.alphabets.get(name);
    if (alphabet) result.alphabets.set(name, [...alphabet].filter((c) => !chars.includes(c)).join(''));
  }
  return resolveAliases(result, known, fields, shifted);
}

/**
 * `m == grid.length` and `1 <= m <= 200` bound grid's length: names that are not parameters
 * stand for what they equal. Whatever still names no parameter is dropped.
 */
function resolveAliases(result: Constraints, known: Set<string>, fields: Map<string, Ref>, shifted: Map<string, { ref: Ref; offset: number }>): Constraints {
  const aliases = new Map<string, Ref>(fields);
  for (const { left, op, right } of result.relations) {
    if (op !== '==') continue;
    if (!known.has(left.name) && left.depth === 0 && left.prop === 'value' && known.has(right.name)) aliases.set(left.name, right);
    else if (!known.has(right.name) && right.depth === 0 && right.prop === 'value' && known.has(left.name)) aliases.set(right.name, left);
  }
  const resolve = (ref: Ref): Ref | null => (known.has(ref.name) ? ref : ref.depth === 0 && ref.prop === 'value' ? (aliases.get(ref.name) ?? null) : null);
  const bounds: Constraints['bounds'] = new Map();
  for (const { ref, bound } of result.bounds.values()) {
    const target = resolve(ref);
    if (target) tighten(bounds, target, bound);
    // `obstacles.length == n + 1` and `1 <= n <= 10^5`: 2 <= obstacles.length <= 10^5 + 1.
    const shift = ref.depth === 0 && ref.prop === 'value' && !known.has(ref.name) ? shifted.get(ref.name) : undefined;
    if (shift) tighten(bounds, shift.ref, { lo: bound.lo === undefined ? undefined : bound.lo + shift.offset, hi: bound.hi === undefined ? undefined : bound.hi + shift.offset });
  }
  const relations: Relation[] = [];
  for (const relation of result.relations) {
    const left = resolve(relation.left);
    const right = resolve(relation.right);
    if (left && right && refKey(left) !== refKey(right)) relations.push({ left, op: relation.op, right });
  }
  return { ...result, bounds, relations };
}

/** `1 <= k <= n <= 1000`, `m == grid.length`, `0 <= x, y <= 10`: bounds and relations. False when nothing parsed. */
function parseChain(line: string, result: Constraints): boolean {
  const pieces = line.split(/\s*(<=|>=|==|!=|<|>|≤|≥)\s*/);
  if (pieces.length < 3) return false;
  let understood = false;
  const sides: (Side | null)[] = [];
  const ops: string[] = [];
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) ops.push(piece.replace('≤', '<=').replace('≥', '>='));
    else sides.push(side(piece));
  });
  for (let i = 0; i < ops.length; i++) {
    let left = sides[i];
    let right = sides[i + 1];
    let op = ops[i]!;
    if (!left || !right) continue;
    understood = true;
    if (op === '>=' || op === '>') {
      [left, right] = [right, left];
      op = op === '>=' ? '<=' : '<';
    }
    if (op === '!=' && (left.kind === 'number' || right.kind === 'number')) continue;
    const strict = op === '<' ? 1 : 0;
    if (left.kind === 'number' && right.kind === 'refs') {
      for (const ref of right.refs) tighten(result.bounds, ref, op === '==' ? { lo: left.value, hi: left.value } : { lo: left.value + strict });
    } else if (left.kind === 'refs' && right.kind === 'number') {
      for (const ref of left.refs) tighten(result.bounds, ref, op === '==' ? { lo: right.value, hi: right.value } : { hi: right.value - strict });
    } else if (left.kind === 'refs' && right.kind === 'refs') {
      // Offsets of one become strictness: `a <= n - 1` is `a < n`, `a < n + 1` is `a <= n`.
      let relation = op as Relation['op'];
      const offset = right.offset - left.offset;
      if (offset === -1 && relation === '<=') relation = '<';
      else if (offset === 1 && relation === '<') relation = '<=';
      else if (offset !== 0) {
        // `obstacles.length == n + 1` defines n rather than constraining: not understood here.
        if (op === '==' && ops.length === 1) understood = false;
        continue;
      }
      for (const l of left.refs) for (const r of right.refs) result.relations.push({ left: l, op: relation, right: r });
    }
  }
  return understood;
}
