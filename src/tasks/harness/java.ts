import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankCommentsAndStrings, splitTopLevel } from '../signatures/scan.js';
import { SignatureError } from '../signatures/types.js';
import type { DriverProgram, TestSpec } from './spec.js';
import { TEMPLATES_DIR } from './templates.js';

let runtime: string | null = null;

/** LeetCode's Java environment imports these; they go on the candidate's first line, so line numbers stay its own. */
const IMPORTS = 'import java.util.*; import java.util.function.*; import java.util.stream.*; import java.math.*; ';
const TREE_NODE =
  'class TreeNode { int val; TreeNode left; TreeNode right; TreeNode() {} TreeNode(int val) { this.val = val; } TreeNode(int val, TreeNode left, TreeNode right) { this.val = val; this.left = left; this.right = right; } }';
/** LeetCode's Java has javafx.util.Pair; solutions use it without an import. */
const PAIR =
  'class Pair<K, V> { private final K key; private final V value; Pair(K key, V value) { this.key = key; this.value = value; } K getKey() { return key; } V getValue() { return value; } @Override public boolean equals(Object o) { return o instanceof Pair && java.util.Objects.equals(key, ((Pair<?, ?>) o).key) && java.util.Objects.equals(value, ((Pair<?, ?>) o).value); } @Override public int hashCode() { return java.util.Objects.hash(key, value); } @Override public String toString() { return key + "=" + value; } }';
const LIST_NODE =
  'class ListNode { int val; ListNode next; ListNode() {} ListNode(int val) { this.val = val; } ListNode(int val, ListNode next) { this.val = val; this.next = next; } }';
export const JAVA_MAIN_CLASS = 'CodeqMain';

const SCALARS: Record<string, string> = {
  int: 'i',
  Integer: 'i',
  long: 'l',
  Long: 'l',
  double: 'd',
  Double: 'd',
  boolean: 'z',
  Boolean: 'z',
  char: 'c',
  Character: 'c',
  String: 's',
  TreeNode: 'tree',
  ListNode: 'linked',
};
const PRIMITIVE_ARRAYS: Record<string, string> = {
  'int[]': 'ints',
  'long[]': 'longs',
  'double[]': 'doubles',
  'boolean[]': 'booleans',
  'char[]': 'chars',
};

/** A Java expression converting the JSON value `json` to the declared `type`. */
export function javaConversion(type: string, json: string, depth = 0): string {
  const t = type.replace(/\s+/g, '');
  if (t in SCALARS) return `CodeqIn.${SCALARS[t]}(${json})`;
  if (t === 'float' || t === 'Float') return `(float) CodeqIn.d(${json})`;
  if (t in PRIMITIVE_ARRAYS) return `CodeqIn.${PRIMITIVE_ARRAYS[t]}(${json})`;
  const x = `x${depth}`;
  if (t.endsWith('[]')) return `CodeqIn.array(${json}, ${t}::new, ${x} -> ${javaConversion(t.slice(0, -2), x, depth + 1)})`;
  const list = /^(?:java\.util\.)?(?:List|ArrayList|LinkedList|Collection|Iterable)<(.+)>$/.exec(t);
  if (list) {
    const [element] = splitTopLevel(list[1]!);
    // The explicit element type keeps List<List<String>> from being inferred as ArrayList<ArrayList<String>>.
    return `CodeqIn.<${element}>list(${json}, ${x} -> ${javaConversion(element!, x, depth + 1)})`;
  }
  throw new SignatureError(`unsupported Java parameter type ${type}`);
}

const mentionsNodes = (type: string) => /\b(TreeNode|ListNode)\b/.test(type);

/**
 * The candidate (with LeetCode's imports on its first line), a main class that calls the entry
 * point on every case, the node classes unless the candidate declares them, and the runtime.
 */
export function javaProgram(spec: TestSpec, code: string): DriverProgram {
  runtime ??= readFileSync(join(TEMPLATES_DIR, 'java', 'CodeqRuntime.java'), 'utf8');
  const declared = blankCommentsAndStrings(code, false);
  const source = [
    `${IMPORTS}${code}`,
    javaMain(spec),
    /\b(class|record)\s+TreeNode\b/.test(declared) ? '' : TREE_NODE,
    /\b(class|record)\s+ListNode\b/.test(declared) ? '' : LIST_NODE,
    /\bPair\s*</.test(declared) && !/\b(class|record|interface)\s+Pair\b/.test(declared) ? PAIR : '',
    runtime,
  ].join('\n');
  return { source, files: {} };
}

function locals(params: { type: string }[], indent: string, from: string): string[] {
  return params.map((p, i) => `${indent}var v${i} = ${javaConversion(p.type, `${from}.get(${i})`)};`);
}

function javaMain(spec: TestSpec): string {
  const lines = [
    `class ${JAVA_MAIN_CLASS} {`,
    '  public static void main(String[] args) throws Exception {',
    '    CodeqJson data = CodeqJson.parse(CodeqOut.readFile("/job/cases.json"));',
    '    String nonce = data.get("nonce").text;',
    '    java.util.List<CodeqJson> cases = data.get("cases").items;',
    '    for (int index = 0; index < cases.size(); index++) {',
  ];
  if (spec.mode === 'call') {
    lines.push('      CodeqJson input = cases.get(index);', ...locals(spec.params, '      ', 'input'), '      Solution solution = new Solution();');
    const call = `solution.${spec.method}(${spec.params.map((_, i) => `v${i}`).join(', ')})`;
    if (spec.inPlace || spec.returnType === 'void') {
      lines.push(`      ${call};`, `      Object result = v0;`);
    } else lines.push(`      Object result = ${call};`);
    const nodes = mentionsNodes(spec.inPlace || spec.returnType === 'void' ? (spec.params[0]?.type ?? '') : spec.returnType);
    lines.push(`      CodeqOut.emit(nonce, index, CodeqOut.dump(result, ${nodes}));`);
  } else {
    lines.push(
      '      java.util.List<CodeqJson> calls = cases.get(index).get("calls").items;',
      '      java.util.List<CodeqJson> arguments = cases.get(index).get("args").items;',
      `      ${spec.className} object = null;`,
      '      StringBuilder out = new StringBuilder("[null");',
      '      for (int k = 0; k < calls.size(); k++) {',
      '        String name = calls.get(k).text;',
      '        CodeqJson a = arguments.get(k);',
      '        if (k == 0) {',
      ...locals(spec.constructorParams, '          ', 'a'),
      `          object = new ${spec.className}(${spec.constructorParams.map((_, i) => `v${i}`).join(', ')});`,
      '          continue;',
      '        }',
      '        out.append(",");',
    );
    for (const method of spec.methods) {
      const call = `object.${method.name}(${method.params.map((_, i) => `v${i}`).join(', ')})`;
      lines.push(`        if (name.equals("${method.name}")) {`, ...locals(method.params, '          ', 'a'));
      if (method.returnType === 'void') lines.push(`          ${call};`, '          out.append("null");');
      else lines.push(`          out.append(CodeqOut.dump(${call}, ${mentionsNodes(method.returnType)}));`);
      lines.push('          continue;', '        }');
    }
    lines.push(
      '        throw new IllegalStateException("codeq: no method " + name);',
      '      }',
      '      out.append("]");',
      '      CodeqOut.emit(nonce, index, out.toString());',
    );
  }
  lines.push('    }', '  }', '}');
  return lines.join('\n');
}
