import { SANDBOX_PATHS } from '../types.js';
import type { LanguageConfig, LanguageSpec } from './types.js';

const PARSE_ERROR = /^(SyntaxError|IndentationError|TabError)\b/m;

export function python3Spec(config: LanguageConfig['python3']): LanguageSpec {
  return {
    id: 'python3',
    sourceFileName: () => 'main.py',
    compileCommand: () => null,
    precompiledHeader: null,
    runCommand: () => [config.interpreter, ...config.args, `${SANDBOX_PATHS.job}/main.py`],
    isOutOfMemory: (stderr) => /^MemoryError\b/m.test(stderr),
    // A parse failure of the main file prints no "Traceback" header, only the location and the error.
    isParseError: (stderr) => !stderr.includes('Traceback (most recent call last)') && PARSE_ERROR.test(stderr),
    toolchainKey: JSON.stringify(config),
  };
}
