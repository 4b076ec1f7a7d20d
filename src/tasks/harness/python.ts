import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_DIR } from './templates.js';
import type { DriverProgram, TestSpec } from './spec.js';

let driver: string | null = null;

export type PythonKind = 'value' | 'float' | 'tree' | 'linkedlist' | 'linkedlists' | 'trees';

/** The kind of value a Python parameter or result is, from its annotation (or, without one, its name). */
export function pythonKind(param: { name: string; type: string }): PythonKind {
  const type = param.type.replace(/[\s'"]/g, '');
  if (/^(List|list)\[(Optional\[)?ListNode\]?\]$/.test(type)) return 'linkedlists';
  if (/^(List|list)\[(Optional\[)?TreeNode\]?\]$/.test(type)) return 'trees';
  if (type.includes('TreeNode')) return 'tree';
  if (type.includes('ListNode')) return 'linkedlist';
  if (type === 'float') return 'float';
  if (type === '') {
    if (param.name === 'root') return 'tree';
    if (param.name === 'head') return 'linkedlist';
  }
  return 'value';
}

/** The fixed driver (templates/python/driver.py), the candidate as solution.py, and the call spec. */
export function pythonProgram(spec: TestSpec, code: string): DriverProgram {
  driver ??= readFileSync(join(TEMPLATES_DIR, 'python', 'driver.py'), 'utf8');
  const described =
    spec.mode === 'call'
      ? {
          mode: 'call',
          method: spec.method,
          params: spec.params.map((p) => ({ name: p.name, kind: pythonKind(p) })),
          result: pythonKind({ name: '', type: spec.returnType }),
          inPlace: spec.inPlace,
        }
      : {
          mode: 'design',
          init: spec.constructorParams.map(pythonKind),
          methods: Object.fromEntries(
            spec.methods.map((m) => [m.name, { params: m.params.map(pythonKind), result: pythonKind({ name: '', type: m.returnType }) }]),
          ),
        };
  return { source: driver, files: { 'solution.py': code, 'spec.json': JSON.stringify(described) } };
}
