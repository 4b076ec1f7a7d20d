import type { Language } from '../../sandbox/types.js';
import type { Example } from '../examples.js';
import type { Value } from '../literal.js';
import { entryMethod, pythonClasses } from '../signatures/python.js';
import { braceClasses } from '../signatures/braces.js';
import { SignatureError, type ClassShape } from '../signatures/types.js';
import type { CaseInput, TestSpec } from './spec.js';

/** The classes declared in a program, by language. */
function classesOf(language: Language, code: string): ClassShape[] {
  return language === 'python3' ? pythonClasses(code) : braceClasses(code);
}

/**
 * The call spec of a task, from its oracle and its examples (all of one kind), and each
 * example's arguments in parameter order.
 */
export function deriveSpec(
  language: Language,
  oracleCode: string,
  examples: Example[],
  slug = '',
): { spec: TestSpec; inputs: CaseInput[] } {
  const first = examples[0];
  if (!first) throw new SignatureError('the task has no parseable example');
  const classes = classesOf(language, oracleCode);
  if (first.kind === 'design') {
    const className = first.calls[0]!;
    const shape = classes.find((c) => c.name === className);
    if (!shape) throw new SignatureError(`the oracle declares no class ${className}`);
    const inputs = examples.map((e) => {
      if (e.kind !== 'design' || e.calls[0] !== className) throw new SignatureError('examples mix class-design and call forms');
      return { calls: e.calls, args: e.args };
    });
    // Only the methods the examples call (the first declaration of each name): helpers may take
    // types no driver can build.
    const called = new Set(inputs.flatMap((i) => i.calls.slice(1)));
    const methods = [...called].map((name) => {
      const method = shape.methods.find((m) => m.name === name);
      if (!method) throw new SignatureError(`class ${className} declares no method ${name}`);
      return method;
    });
    return {
      spec: {
        mode: 'design',
        language,
        className,
        constructorParams: shape.constructors[0] ?? [],
        methods,
      },
      inputs,
    };
  }
  const solution = classes.find((c) => c.name === 'Solution');
  if (!solution) throw new SignatureError('the oracle declares no class Solution');
  const method = entryMethod(solution.methods, first.args.map((a) => a.name), slug);
  // Parameters with defaults that the examples do not pass are left to their defaults.
  const params = method.params.slice(0, first.args.length);
  const names = params.map((p) => p.name);
  const byName = examples.every((e) => e.kind === 'call' && names.every((n) => e.args.some((a) => a.name === n)));
  const inputs = examples.map((e): Value[] => {
    if (e.kind !== 'call') throw new SignatureError('examples mix class-design and call forms');
    if (e.args.length !== names.length) throw new SignatureError(`an example gives ${e.args.length} arguments to ${method.name}(${names.join(', ')})`);
    // Arguments go by name when the names match the parameters, by position otherwise.
    return byName ? names.map((n) => e.args.find((a) => a.name === n)!.value) : e.args.map((a) => a.value);
  });
  return {
    spec: {
      mode: 'call',
      language,
      method: method.name,
      params: params.map(({ name, type }) => ({ name, type })),
      callBy: byName ? 'name' : 'position',
      returnType: method.returnType,
      inPlace: /^(None|void)$/.test(method.returnType.trim()),
    },
    inputs,
  };
}
