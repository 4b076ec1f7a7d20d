import { blankCommentsAndStrings, matchingClose, splitTopLevel } from './scan.js';
import type { ClassShape, MethodSignature, Param } from './types.js';

/**
 * Classes and their member functions in C++ or Java source, read from the declarations at the
 * top level of each class body: `<modifiers> <type> <name>(<params>) [const|throws ...] {`.
 */
const NOT_A_NAME = new Set(['if', 'for', 'while', 'switch', 'return', 'catch', 'sizeof', 'new', 'else', 'do']);
const MODIFIERS =
  /\b(public|private|protected|static|final|inline|virtual|synchronized|abstract|explicit|constexpr|friend|override|native|strictfp|default)\b\s*:?/g;

/** `vector<int>& nums` → { type: 'vector<int>&', name: 'nums' }; `int... xs` and `int[] a` too. */
export function parseParam(text: string): Param {
  const [declaration, defaultValue] = splitTopLevel(text, '=');
  const decl = (declaration ?? text).replace(/\bfinal\b/g, '').trim();
  const match = /^(.*?)([A-Za-z_$][\w$]*)\s*((?:\[\s*\])*)$/s.exec(decl);
  if (!match) return { name: decl, type: '' };
  const type = `${match[1]!.trim()}${match[3]!.replace(/\s/g, '')}`.replace(/\s+/g, ' ').replace(/\s*([<>,&*\[\]])\s*/g, '$1');
  return { name: match[2]!, type, ...(defaultValue !== undefined ? { optional: true } : {}) };
}

export function braceClasses(code: string): ClassShape[] {
  const blanked = blankCommentsAndStrings(code, false);
  const classes: ClassShape[] = [];
  for (const match of blanked.matchAll(/\b(?:class|struct)\s+([A-Za-z_$][\w$]*)[^;{()]*\{/g)) {
    const name = match[1]!;
    const open = match.index! + match[0].length - 1;
    const close = matchingClose(blanked, open, '{');
    if (close < 0) continue;
    const methods: MethodSignature[] = [];
    const constructors: Param[][] = [];
    // Walk the body's top level: declarations end at ';' or at a '{...}' body.
    let i = open + 1;
    let start = i;
    while (i < close - 1) {
      const c = blanked[i]!;
      if (c === ';' || c === '}') {
        start = i + 1;
        i++;
      } else if (c === '{') {
        const end = matchingClose(blanked, i, '{');
        const header = blanked.slice(start, i);
        const member = memberFunction(header, code.slice(start, i));
        if (member) {
          if (member.name === name && member.returnType === '') constructors.push(member.params);
          else if (member.returnType !== '') methods.push(member);
        }
        i = end < 0 ? close : end;
        start = i;
      } else if (c === '(') {
        const end = matchingClose(blanked, i, '(');
        i = end < 0 ? close : end;
      } else i++;
    }
    classes.push({ name, constructors: constructors.length ? constructors : [[]], methods });
  }
  return classes;
}

/** A member function header, or null (nested class, initializer block, lambda, ...). */
function memberFunction(blankedHeader: string, header: string): MethodSignature | null {
  const paren = blankedHeader.indexOf('(');
  if (paren < 0) return null;
  const close = matchingClose(blankedHeader, paren, '(');
  if (close < 0) return null;
  const after = blankedHeader.slice(close).trim();
  // Allowed between ')' and '{': const/noexcept/override, throws clauses, constructor initializer lists.
  if (after && !/^(const|noexcept|override|final|\s)*(throws\s+[\w.,\s]+)?$/.test(after) && !after.startsWith(':')) return null;
  const before = blankedHeader.slice(0, paren).replace(MODIFIERS, ' ').replace(/^\s*(\w+\s*:)+/, ' ');
  const nameMatch = /([A-Za-z_$~][\w$]*)\s*$/.exec(before);
  if (!nameMatch || NOT_A_NAME.has(nameMatch[1]!)) return null;
  const name = nameMatch[1]!;
  const returnType = before.slice(0, nameMatch.index).trim().replace(/\s+/g, ' ').replace(/\s*([<>,&*\[\]])\s*/g, '$1');
  if (/[;=]/.test(returnType)) return null;
  const params = splitTopLevel(header.slice(paren + 1, close - 1)).map(parseParam);
  return { name, params, returnType };
}
