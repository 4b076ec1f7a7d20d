import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankCommentsAndStrings } from '../signatures/scan.js';
import { SignatureError } from '../signatures/types.js';
import type { DriverProgram, TestSpec } from './spec.js';
import { TEMPLATES_DIR } from './templates.js';

let runtime: string | null = null;

const LIST_NODE =
  'struct ListNode { int val; ListNode *next; ListNode() : val(0), next(nullptr) {} ListNode(int x) : val(x), next(nullptr) {} ListNode(int x, ListNode *next) : val(x), next(next) {} };';
const TREE_NODE =
  'struct TreeNode { int val; TreeNode *left; TreeNode *right; TreeNode() : val(0), left(nullptr), right(nullptr) {} TreeNode(int x) : val(x), left(nullptr), right(nullptr) {} TreeNode(int x, TreeNode *left, TreeNode *right) : val(x), left(left), right(right) {} };';

const SCALARS = new Set([
  'int',
  'long',
  'long long',
  'long int',
  'long long int',
  'unsigned',
  'unsigned int',
  'unsigned long',
  'unsigned long long',
  'size_t',
  'short',
  'int64_t',
  'int32_t',
  'uint32_t',
  'uint64_t',
  'double',
  'float',
  'long double',
  'bool',
  'char',
  'string',
]);

/** A declared C++ parameter type as the value type the driver builds (`const vector<int>&` → `vector<int>`). */
export function cppValueType(declared: string): string {
  const type = declared
    .replace(/\bconst\b/g, '')
    .replace(/&+/g, '')
    .replace(/\bstd::/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([<>,*])\s*/g, '$1')
    .trim();
  if (!supported(type)) throw new SignatureError(`unsupported C++ parameter type ${declared}`);
  return type;
}

function supported(type: string): boolean {
  if (SCALARS.has(type) || type === 'TreeNode*' || type === 'ListNode*') return true;
  const inner = /^vector<(.+)>$/.exec(type)?.[1];
  return inner !== undefined && supported(inner);
}

/**
 * The candidate with LeetCode's includes and node types before it (`#line` keeps the compiler's
 * line numbers those of the candidate), then the runtime and a main() that calls the entry point.
 */
export function cppProgram(spec: TestSpec, code: string): DriverProgram {
  runtime ??= readFileSync(join(TEMPLATES_DIR, 'cpp', 'runtime.hpp'), 'utf8');
  const declared = blankCommentsAndStrings(code, false);
  const source = [
    '#include <bits/stdc++.h>',
    'using namespace std;',
    /\b(struct|class)\s+ListNode\b/.test(declared) ? '' : LIST_NODE,
    /\b(struct|class)\s+TreeNode\b/.test(declared) ? '' : TREE_NODE,
    '#line 1 "solution.cpp"',
    code,
    '#line 1 "codeq_driver.cpp"',
    runtime,
    cppMain(spec),
  ].join('\n');
  return { source, files: {} };
}

function locals(params: { type: string }[], indent: string): string[] {
  return params.map((p, i) => `${indent}auto v${i} = codeq::From<${cppValueType(p.type)}>::get(a[${i}]);`);
}

function cppMain(spec: TestSpec): string {
  const lines = [
    'int main() {',
    '  const codeq::Json data = codeq::parse(codeq::read_file("/job/cases.json"));',
    '  const std::string nonce = data["nonce"].text;',
    '  const auto& cases = data["cases"].items;',
    '  const long long seed = std::stoll(data["seed"].text);',
    '  for (size_t index = 0; index < cases.size(); index++) {',
    '    std::srand(static_cast<unsigned>(seed + static_cast<long long>(index)));',
  ];
  if (spec.mode === 'call') {
    lines.push('    const auto& input = cases[index].items;');
    spec.params.forEach((param, k) => lines.push(`    auto a${k} = codeq::From<${cppValueType(param.type)}>::get(input[${k}]);`));
    const args = spec.params.map((_, k) => `a${k}`).join(', ');
    lines.push('    Solution* solution = new Solution();', '    std::string out;');
    if (spec.inPlace || /^void$/.test(spec.returnType)) {
      lines.push(`    solution->${spec.method}(${args});`, '    codeq::dump(out, a0);');
    } else {
      lines.push(`    auto result = solution->${spec.method}(${args});`, '    codeq::dump(out, result);');
    }
    lines.push('    codeq::emit(nonce, index, out);');
  } else {
    lines.push(
      '    const auto& calls = cases[index]["calls"].items;',
      '    const auto& args = cases[index]["args"].items;',
      `    ${spec.className}* object = nullptr;`,
      '    std::string out = "[null";',
      '    for (size_t k = 0; k < calls.size(); k++) {',
      '      const std::string& name = calls[k].text;',
      '      const auto& a = args[k].items;',
      '      if (k == 0) {',
      ...locals(spec.constructorParams, '        '),
      `        object = new ${spec.className}(${spec.constructorParams.map((_, i) => `v${i}`).join(', ')});`,
      '        continue;',
      '      }',
      '      out += ",";',
    );
    for (const method of spec.methods) {
      // Arguments are locals first: methods may take non-const references.
      const call = `object->${method.name}(${method.params.map((_, i) => `v${i}`).join(', ')})`;
      lines.push(`      if (name == "${method.name}") {`, ...locals(method.params, '        '));
      if (method.returnType === 'void') lines.push(`        ${call};`, '        out += "null";');
      else lines.push(`        codeq::dump(out, ${call});`);
      lines.push('        continue;', '      }');
    }
    lines.push('      throw std::runtime_error("codeq: no method " + name);', '    }', '    out += "]";', '    codeq::emit(nonce, index, out);');
  }
  lines.push('  }', '  return 0;', '}');
  return lines.join('\n');
}
