import { SANDBOX_PATHS } from '../types.js';
import type { LanguageConfig, LanguageSpec } from './types.js';

export function cppSpec(config: LanguageConfig['cpp']): LanguageSpec {
  return {
    id: 'cpp',
    sourceFileName: () => 'main.cpp',
    compileCommand: () => [
      config.compiler,
      ...config.flags,
      '-o',
      `${SANDBOX_PATHS.out}/main`,
      `${SANDBOX_PATHS.job}/main.cpp`,
    ],
    runCommand: () => [`${SANDBOX_PATHS.prog}/main`],
    isOutOfMemory: (stderr) => stderr.includes('std::bad_alloc'),
    isParseError: () => false,
    toolchainKey: JSON.stringify(config),
  };
}
