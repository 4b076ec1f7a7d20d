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
        values.push(last === '^' ? left ** (sign * n) : left * sign * n);
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

const REF = /^([A-Za-z_]\w*)((?:\s*\[\s*[a-z]\s*\])*)(?:\s*\[\s*(\d+)\s*\])?(\.length|\.size\(\)|\.val)?$/;

/** `nums[i]`, `grid[i].length`, `points[i][0]` (a field of each row), `Node.val`. */
export function parseRef(text: string): Ref | null {
  const match = REF.exec(text.trim());
  if (!match) return null;
  const depth = (match[2]!.match(/\[/g) ?? []).length;
  const prop = match[4] === '.length' || match[4] === '.size()' ? 'length' : 'value';
  if (match[3] !== undefined) return depth === 1 ? { name: match[1]!, depth, prop, field: Number(match[3]) } : null;
  return { name: match[1]!, depth, prop };
}

type Side = { kind: 'number'; value: number } | { kind: 'refs'; refs: Ref[] };

function side(text: string): Side | null {
  const n = numericExpression(text);
  if (n !== null) return { kind: 'number', value: n };
  const refs = text.split(',').map((part) => parseRef(part));
  return refs.every((r): r is Ref => r !== null) && refs.length > 0 ? { kind: 'refs', refs } : null;
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

/** `s and words[i]`, `word1, word2` → the names. */
function subjectNames(text: string): string[] {
  return [...text.matchAll(/([A-Za-z_]\w*)(?:\[i\])*/g)].map((m) => m[1]!).filter((n) => n !== 'and');
}

export function parseConstraints(text: string, paramNames: string[], description = ''): Constraints {
  const result: Constraints = {
    bounds: new Map(),
    relations: [],
    alphabets: new Map(),
    unique: new Set(),
    sorted: new Map(),
    frozen: new Set(),
    nodeCount: {},
    noLeadingZeros: new Set(),
    elementValues: new Map(),
  };
  const known = new Set([...paramNames, NODE]);
  const fields = rowFields(description, paramNames);
  for (const raw of text.replace(/\u200b/g, '').split('\n')) {
    const line = raw.trim().replace(/\.$/, '');
    if (line === '') continue;
    const nodes = /number of nodes in the (tree|list|linked list) (?:is|will be) in the range \[\s*([^,\]]+),\s*([^\]]+)\]/i.exec(line);
    if (nodes) {
      const lo = numericExpression(nodes[2]!);
      const hi = numericExpression(nodes[3]!);
      if (lo !== null && hi !== null) result.nodeCount[nodes[1] === 'tree' ? 'tree' : 'list'] = { lo, hi };
      continue;
    }
    if (/\b(unique|distinct)\b/i.test(line)) {
      if (/\bnode/i.test(line)) result.unique.add(NODE);
      for (const name of paramNames) if (new RegExp(`\\b${name}\\b`).test(line)) result.unique.add(name);
      continue;
    }
    const sorted = /^([A-Za-z_]\w*) is sorted in (?:a )?(strictly )?(non-decreasing|ascending|increasing|non-increasing|descending|decreasing)/i.exec(line);
    if (sorted && known.has(sorted[1]!)) {
      result.sorted.set(sorted[1]!, /non-increasing|descending|decreasing/.test(sorted[3]!) && !/non-decreasing/.test(sorted[3]!) ? 'desc' : 'asc');
      if (sorted[2]) result.unique.add(sorted[1]!);
      continue;
    }
    // Sizes are kept small anyway: totals and a tree's size by name say nothing more.
    if (/\bsum\(|number of nodes in the (tree|list) is \w+$/i.test(line)) continue;
    const subjects = /^([A-Za-z_]\w*(?:\[i\])*(?:\s*(?:,|\band\b)\s*[A-Za-z_]\w*(?:\[i\])*)*)\s+(?:consists?|contains?|is made up|are made up)(?: only)?(?: of)? (.*)$/i.exec(line);
    if (subjects) {
      const chars = alphabetOf(subjects[2]!);
      const names = subjectNames(subjects[1]!).filter((n) => known.has(n));
      if (chars && names.length) for (const name of names) result.alphabets.set(name, chars);
      else for (const name of names) result.frozen.add(name);
      continue;
    }
    const either = /^([A-Za-z_]\w*)(?:\[[a-z]\])+ is (?:either )?(.+ or .+)$/i.exec(line);
    if (either && known.has(either[1]!)) {
      const options = either[2]!.split(/\s*(?:,|\bor\b)\s*/).map((o) => o.trim()).filter(Boolean);
      const numbers = options.map((o) => numericExpression(o));
      if (numbers.every((n): n is number => n !== null)) result.elementValues.set(either[1]!, numbers);
      else if (options.every((o) => /^'.'$/.test(o))) result.alphabets.set(either[1]!, options.map((o) => o[1]).join(''));
      else result.frozen.add(either[1]!);
      continue;
    }
    if (/leading (zero|0)/i.test(line)) {
      for (const name of paramNames) if (new RegExp(`\\b${name}\\b`).test(line)) result.noLeadingZeros.add(name);
      continue;
    }
    if (!parseChain(line, result)) {
      // Prose this parser cannot keep: freeze what it talks about.
      const named = [...paramNames.filter((n) => new RegExp(`\\b${n}\\b`).test(line)), ...[...fields].filter(([f]) => new RegExp(`\\b${f}\\b`).test(line)).map(([, r]) => r.name)];
      if (named.length > 0) for (const name of named) result.frozen.add(name);
      else if (/guarantee|valid|acyclic|connected|no cycle|exists?\b|tree|graph|path/i.test(line)) for (const name of paramNames) result.frozen.add(name);
    }
  }
  return resolveAliases(result, known, fields);
}

/**
 * `m == grid.length` and `1 <= m <= 200` bound grid's length: names that are not parameters
 * stand for what they equal. Whatever still names no parameter is dropped.
 */
function resolveAliases(result: Constraints, known: Set<string>, fields: Map<string, Ref>): Constraints {
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
      for (const l of left.refs) for (const r of right.refs) result.relations.push({ left: l, op: op as Relation['op'], right: r });
    }
  }
  return understood;
}
