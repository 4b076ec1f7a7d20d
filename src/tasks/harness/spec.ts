import type { Language } from '../../sandbox/types.js';
import type { Value } from '../literal.js';

/**
 * How a driver calls a program, derived once from the oracle: the entry method and its declared
 * parameter types (call problems), or the class and its methods (class-design problems).
 */
export interface CallSpec {
  mode: 'call';
  language: Language;
  method: string;
  params: { name: string; type: string }[];
  /** Whether the examples' arguments were matched to the parameters by name (else by position); calls are always positional. */
  callBy: 'name' | 'position';
  returnType: string;
  /** The method returns nothing and modifies its first argument, which is the result. */
  inPlace: boolean;
}

export interface DesignSpec {
  mode: 'design';
  language: Language;
  className: string;
  constructorParams: { name: string; type: string }[];
  methods: { name: string; params: { name: string; type: string }[]; returnType: string }[];
}

export type TestSpec = CallSpec | DesignSpec;

/** One test: the arguments in parameter order (or the design calls) and the oracle's result. */
export type CaseInput = Value[] | { calls: string[]; args: Value[][] };

export interface TestCase {
  input: CaseInput;
  expected: Value;
  /**
   * Other results accepted on this case: the example's stated output where the problem has
   * several valid answers and it differs from the oracle's (visible tests of multi_answer tasks).
   */
  alsoAccepted?: Value[];
}

/** A program ready for the sandbox: the main file and the files beside it. */
export interface DriverProgram {
  source: string;
  files: Record<string, string>;
}

export const CASES_FILE = 'cases.json';
