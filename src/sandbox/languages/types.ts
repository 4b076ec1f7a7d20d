import type { SandboxConfig, ResourceLimits } from '../../config/schema.js';
import type { Language } from '../types.js';

export type LanguageConfig = SandboxConfig['languages'];

/** How one language is compiled and run inside the sandbox (paths are sandbox paths). */
export interface LanguageSpec {
  readonly id: Language;
  /** The file name the source must have (Java: the public class). */
  sourceFileName(source: string): string;
  /** The compiler command, or null for interpreted languages. Reads /job, writes /out. */
  compileCommand(source: string, limits: ResourceLimits, withPrecompiledHeader: boolean): string[] | null;
  /**
   * A header worth precompiling once per toolchain (C++: bits/stdc++.h): the wrapper source to
   * compile (as /job/<sourceName>) and the command writing the result under /out, where a
   * compile then finds it through /include.
   */
  readonly precompiledHeader: { sourceName: string; source: string; command: string[] } | null;
  /** The command that runs the program (compiled artifacts at /prog). */
  runCommand(source: string, limits: ResourceLimits): string[];
  /** True when a failed run's stderr says the program ran out of memory. */
  isOutOfMemory(stderr: string): boolean;
  /** True when a failed interpreted run never started because the source does not parse. */
  isParseError(stderr: string): boolean;
  /** A stable description of the toolchain settings that affect compiled output (cache key part). */
  readonly toolchainKey: string;
}
