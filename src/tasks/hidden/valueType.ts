import type { Language } from '../../sandbox/types.js';
import type { Value } from '../literal.js';
import { splitTopLevel } from '../signatures/scan.js';

/** The shape of a parameter's values, as much as mutation needs to know. */
export type VType =
  | { kind: 'int' }
  | { kind: 'float' }
  | { kind: 'bool' }
  | { kind: 'char' }
  | { kind: 'string' }
  | { kind: 'list'; of: VType }
  | { kind: 'tree' }
  | { kind: 'linkedlist' }
  | { kind: 'unknown' };

const INT: VType = { kind: 'int' };
const UNKNOWN: VType = { kind: 'unknown' };

/** Reads a declared type in any of the three languages; unknown when it says nothing usable. */
export function declaredType(language: Language, declared: string): VType {
  const t = declared.replace(/\b(const|final)\b|&|std::|['"]/g, '').replace(/\s+/g, ' ').trim();
  if (t === '') return UNKNOWN;
  if (/TreeNode/.test(t) && !/^(List|list|vector)\b|\[\]$/.test(t)) return { kind: 'tree' };
  if (/ListNode/.test(t) && !/^(List|list|vector)\b|\[\]$/.test(t)) return { kind: 'linkedlist' };
  if (/^(int|long|long long|long int|short|unsigned( int| long| long long)?|size_t|u?int\d+_t|Integer|Long|Short)$/.test(t)) return INT;
  if (/^(float|double|long double|Float|Double)$/.test(t)) return { kind: 'float' };
  if (/^(bool|boolean|Boolean)$/.test(t)) return { kind: 'bool' };
  if (/^(char|Character)$/.test(t)) return { kind: 'char' };
  if (/^(str|string|String)$/.test(t)) return { kind: 'string' };
  if (language !== 'python3' && t.endsWith('[]')) return { kind: 'list', of: declaredType(language, t.slice(0, -2)) };
  const generic = /^(?:List|list|vector|ArrayList|Optional)\s*[<[](.*)[>\]]$/.exec(t);
  if (generic) {
    const inner = splitTopLevel(generic[1]!)[0] ?? '';
    if (/^Optional/.test(t)) return declaredType(language, inner);
    return { kind: 'list', of: declaredType(language, inner) };
  }
  return UNKNOWN;
}

/** The type example values show (integers, floats, strings, nested lists). */
export function observedType(values: Value[]): VType {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return UNKNOWN;
  if (present.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) return INT;
  if (present.every((v) => typeof v === 'number' || typeof v === 'bigint')) return { kind: 'float' };
  if (present.every((v) => typeof v === 'boolean')) return { kind: 'bool' };
  if (present.every((v) => typeof v === 'string')) return { kind: 'string' };
  if (present.every(Array.isArray)) return { kind: 'list', of: observedType((present as Value[][]).flat()) };
  return UNKNOWN;
}

/** The declared type, with unknown parts filled in from the examples. */
export function paramType(language: Language, declared: string, name: string, values: Value[]): VType {
  const fromDeclaration = declaredType(language, declared);
  const seen = observedType(values);
  const merge = (d: VType, o: VType): VType => {
    if (d.kind === 'unknown') return o;
    if (d.kind === 'list' && o.kind === 'list') return { kind: 'list', of: merge(d.of, o.of) };
    return d;
  };
  const merged = merge(fromDeclaration, seen);
  // Untyped Python: LeetCode's conventional names for trees and lists.
  if (fromDeclaration.kind === 'unknown' && name === 'root' && merged.kind === 'list') return { kind: 'tree' };
  if (fromDeclaration.kind === 'unknown' && name === 'head' && merged.kind === 'list') return { kind: 'linkedlist' };
  return merged;
}
