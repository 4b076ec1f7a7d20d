import { SANDBOX_PATHS } from '../types.js';
import type { LanguageConfig, LanguageSpec } from './types.js';

export function cppSpec(config: LanguageConfig['cpp']): LanguageSpec {
  return {
    id: 'cpp',
    sourceFileName: () => 'main.cpp',
    compileCommand: (_source, _limits, withPrecompiledHeader) => [
      config.compiler,
      ...config.flags,
      ...(withPrecompiledHeader ? ['-I', SANDBOX_PATHS.include] : []),
      '-o',
      `${SANDBOX_PATHS.out}/main`,
      `${SANDBOX_PATHS.job}/main.cpp`,
    ],
    // GCC looks for <dir>/bits/stdc++.h.gch in each include dir before the header itself; the
    // flags must be the program's, or GCC silently ignores the file.
    precompiledHeader: config.precompiledHeader
      ? {
          sourceName: 'pch.h',
          source: `#include <${config.precompiledHeader}>\n`,
          command: [
            config.compiler,
            ...config.flags,
            '-x',
            'c++-header',
            `${SANDBOX_PATHS.job}/pch.h`,
            '-o',
            `${SANDBOX_PATHS.out}/${config.precompiledHeader}.gch`,
          ],
        }
      : null,
    runCommand: () => [`${SANDBOX_PATHS.prog}/main`],
    isOutOfMemory: (stderr) => stderr.includes('std::bad_alloc'),
    isParseError: () => false,
    toolchainKey: JSON.stringify(config),
  };
}
