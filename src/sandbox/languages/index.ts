import type { Language } from '../types.js';
import { cppSpec } from './cpp.js';
import { javaSpec } from './java.js';
import { python3Spec } from './python3.js';
import type { LanguageConfig, LanguageSpec } from './types.js';

export type { LanguageSpec } from './types.js';

export function languageSpecs(config: LanguageConfig): Record<Language, LanguageSpec> {
  return { python3: python3Spec(config.python3), cpp: cppSpec(config.cpp), java: javaSpec(config.java) };
}
