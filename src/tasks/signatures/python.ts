import { blankCommentsAndStrings, matchingClose, splitTopLevel } from './scan.js';
import { SignatureError, type ClassShape, type MethodSignature, type Param } from './types.js';

/** The classes of a Python program and their methods (`self` dropped, annotations kept as text). */
export function pythonClasses(code: string): ClassShape[] {
  const text = code.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  const blanked = blankCommentsAndStrings(text, true);
  const classes: ClassShape[] = [];
  for (const match of blanked.matchAll(/^([ ]*)class\s+(\w+)[^\n]*:/gm)) {
    const classIndent = match[1]!.length;
    const bodyStart = match.index! + match[0].length;
    const methods: MethodSignature[] = [];
    const constructors: Param[][] = [];
    let bodyIndent: number | null = null;
    const defPattern = /^([ ]*)def\s+(\w+)\s*\(/gm;
    defPattern.lastIndex = bodyStart;
    // The class body ends at the first non-blank line indented no deeper than `class`.
    const endMatch = new RegExp(`^[ ]{0,${classIndent}}\\S`, 'gm');
    endMatch.lastIndex = bodyStart + 1;
    const end = endMatch.exec(blanked)?.index ?? blanked.length;
    for (let def = defPattern.exec(blanked); def && def.index < end; def = defPattern.exec(blanked)) {
      const indent = def[1]!.length;
      bodyIndent ??= indent;
      if (indent !== bodyIndent) continue;
      const open = def.index + def[0].length - 1;
      const close = matchingClose(blanked, open);
      if (close < 0) continue;
      const params = parseParams(text.slice(open + 1, close - 1));
      const returnType = /^\s*->\s*([^:\n]+?)\s*:/.exec(text.slice(close))?.[1] ?? '';
      if (params[0]?.name === 'self' || params[0]?.name === 'cls') params.shift();
      if (def[2] === '__init__') constructors.push(params);
      else methods.push({ name: def[2]!, params, returnType });
    }
    classes.push({ name: match[2]!, constructors: constructors.length ? constructors : [[]], methods });
  }
  return classes;
}

function parseParams(text: string): Param[] {
  return splitTopLevel(text).map((part) => {
    const [declaration, defaultValue] = splitTopLevel(part, '=');
    const [name, type] = (declaration ?? part).split(/:(.*)/s).map((s) => s?.trim() ?? '');
    return { name: name!.replace(/^\*+/, ''), type: type ?? '', ...(defaultValue !== undefined ? { optional: true } : {}) };
  });
}

/** Words of a slug or a camelCase / snake_case name, lowercased. */
function words(name: string): Set<string> {
  return new Set(
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter(Boolean),
  );
}

/**
 * The method an example calls: the one whose required parameter names are the example's
 * argument names; failing that, among methods taking that many arguments, the one whose name
 * shares most words with the problem's slug (`addNegabinary` for adding-two-negabinary-numbers).
 */
export function entryMethod(methods: MethodSignature[], argNames: string[], slug = ''): MethodSignature {
  const required = (m: MethodSignature) => m.params.filter((p) => !p.optional);
  const fits = (m: MethodSignature) => required(m).length <= argNames.length && m.params.length >= argNames.length;
  const wanted = [...argNames].sort().join(',');
  const byNames = methods.filter((m) => fits(m) && m.params.slice(0, argNames.length).map((p) => p.name).sort().join(',') === wanted);
  if (byNames.length === 1) return byNames[0]!;
  const candidates = (byNames.length > 1 ? byNames : methods.filter(fits)).filter((m) => !m.name.startsWith('_'));
  if (candidates.length === 0) {
    throw new SignatureError(
      `no method takes (${argNames.join(', ')}); methods: ${methods.map((m) => `${m.name}(${m.params.map((p) => p.name).join(', ')})`).join(', ') || 'none'}`,
    );
  }
  const slugWords = words(slug);
  const score = (m: MethodSignature) => [...words(m.name)].filter((w) => slugWords.has(w)).length;
  return [...candidates].sort((a, b) => score(b) - score(a))[0]!;
}
