import type { Language } from '../../sandbox/types.js';
import { cppProgram } from './cpp.js';
import { javaProgram } from './java.js';
import { pythonProgram } from './python.js';
import type { DriverProgram, TestSpec } from './spec.js';

/** The program that runs `code` on test cases: the candidate wrapped in its language's driver. */
export function driverProgram(spec: TestSpec, code: string): DriverProgram {
  const build: Record<Language, (spec: TestSpec, code: string) => DriverProgram> = {
    python3: pythonProgram,
    cpp: cppProgram,
    java: javaProgram,
  };
  return build[spec.language](spec, code);
}
