import { LiteralError, parseValue, parseValueAt, type Value } from './literal.js';

/** A call of the solution method: named arguments, in the order the example gives them. */
export interface CallExample {
  kind: 'call';
  args: { name: string; value: Value }[];
  /** The example's Output, when it parses as a value (used to cross-check the oracle). */
  output?: Value;
}

/** A class-design example: constructor plus method calls, with their arguments. */
export interface DesignExample {
  kind: 'design';
  calls: string[];
  args: Value[][];
  output?: Value;
}

export type Example = CallExample | DesignExample;

export class ExampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExampleError';
  }
}

/** Splits an example into its Input and Output texts (the Explanation and anything after is dropped). */
function sections(example: string): { input: string; output: string } {
  const text = example.replace(/\u200b/g, '').replace(/\r\n?/g, '\n');
  const match = /Input:?\s*([\s\S]*?)\n\s*Output:?\s*([\s\S]*?)(?:\n\s*Explanation:?[\s\S]*)?$/.exec(text);
  if (!match) throw new ExampleError('no "Input: ... Output: ..." in the example');
  return { input: match[1]!.trim(), output: match[2]!.trim() };
}

/** The Output as a value, or undefined when it is prose (or several lines that do not parse). */
function outputValue(output: string): Value | undefined {
  for (const candidate of [output, output.split('\n')[0]!.trim()]) {
    try {
      return parseValue(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** `a = 1, b = [2,3], s = "x, y"`: names and values, commas inside values respected. */
export function parseNamedArguments(input: string): { name: string; value: Value }[] {
  const args: { name: string; value: Value }[] = [];
  let i = 0;
  while (i < input.length) {
    const head = /^\s*([A-Za-z_]\w*)\s*=/.exec(input.slice(i));
    if (!head) throw new ExampleError(`expected "name = value" at ${JSON.stringify(input.slice(i, i + 30))}`);
    i += head[0].length;
    let parsed: { value: Value; end: number };
    try {
      parsed = parseValueAt(input, i);
    } catch (error) {
      throw new ExampleError(`argument ${head[1]}: ${(error as LiteralError).message}`);
    }
    args.push({ name: head[1]!, value: parsed.value });
    i = parsed.end;
    const separator = /^\s*(,|$)/.exec(input.slice(i));
    if (!separator) throw new ExampleError(`expected ',' after argument ${head[1]}, found ${JSON.stringify(input.slice(i, i + 20))}`);
    i += separator[0].length;
    if (separator[1] === '') break;
  }
  if (args.length === 0) throw new ExampleError('no arguments in the Input');
  return args;
}

/** Parses one LeetCode example string into a call or a class-design example. */
export function parseExample(example: string): Example {
  const { input, output } = sections(example);
  const out = outputValue(output);
  if (input.startsWith('[')) {
    // Class design: a list of names, then a list of argument lists, on the following line(s).
    const first = parseValueAt(input, 0);
    const second = parseValueAt(input, first.end);
    if (input.slice(second.end).trim() !== '') throw new ExampleError('unexpected text after the design calls');
    const calls = first.value;
    const args = second.value;
    if (!Array.isArray(calls) || !calls.every((c) => typeof c === 'string')) throw new ExampleError('design calls must be a list of names');
    if (!Array.isArray(args) || args.length !== calls.length || !args.every(Array.isArray)) {
      throw new ExampleError('design arguments must be one list per call');
    }
    return { kind: 'design', calls: calls as string[], args: args as Value[][], ...(out === undefined ? {} : { output: out }) };
  }
  return { kind: 'call', args: parseNamedArguments(input), ...(out === undefined ? {} : { output: out }) };
}
